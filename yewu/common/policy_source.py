"""The settings in force, as seen from the bottom floor.

``common`` sits below ``org`` (which stores the versioned settings), so it cannot import ``org``. ``org`` registers
its reader here when the app registry is ready (``OrgConfig.ready``); common code asks ``current_policy()``.
Before that (or in pure unit tests without apps) the SPEC defaults answer.
"""

from __future__ import annotations

from collections.abc import Callable

from yewu.policy.config import DEFAULT, PolicyConfig

_provider: Callable[[], PolicyConfig] | None = None


def set_policy_provider(fn: Callable[[], PolicyConfig]) -> None:
    global _provider
    _provider = fn


def current_policy() -> PolicyConfig:
    return _provider() if _provider is not None else DEFAULT
