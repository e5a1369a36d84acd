"""The company's rules as pure Python (no Django import).

Every rule of SPEC is a small function that takes plain values and returns a :class:`Decision`
whose reasons carry the SPEC rule id, a message in Chinese and English, and the figures used.
Numbers come from a :class:`~yewu.policy.config.PolicyConfig` whose defaults are SPEC's.
"""

from .config import PolicyConfig
from .decision import Decision, Outcome, Reason

__all__ = ["Decision", "Outcome", "Reason", "PolicyConfig"]
