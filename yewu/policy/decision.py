from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    ALLOWED = "allowed"
    NEEDS_APPROVAL = "needs_approval"
    REFUSED = "refused"
    WARNING = "warning"  # allowed, but the user is told something (e.g. similarity 80–89)


_SEVERITY = {Outcome.ALLOWED: 0, Outcome.WARNING: 1, Outcome.NEEDS_APPROVAL: 2, Outcome.REFUSED: 3}


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str  # Chinese, shown to the user
    message_en: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        d = {"rule": self.rule, "message": self.message if lang.startswith("zh") else (self.message_en or self.message)}
        d["message_zh"] = self.message
        d["message_en"] = self.message_en
        d.update(_plain(self.figures))
        return d


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    approvers: tuple[str, ...] = ()  # role codes, when outcome is NEEDS_APPROVAL
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.outcome in (Outcome.ALLOWED, Outcome.WARNING)

    @property
    def refused(self) -> bool:
        return self.outcome == Outcome.REFUSED

    @property
    def rule(self) -> str | None:
        return self.reasons[0].rule if self.reasons else None

    def message(self, lang: str = "zh") -> str:
        return "；".join(r.message if lang.startswith("zh") else (r.message_en or r.message) for r in self.reasons)

    @staticmethod
    def allow(*reasons: Reason, **data: Any) -> Decision:
        return Decision(Outcome.ALLOWED, tuple(reasons), data=data)

    @staticmethod
    def refuse(*reasons: Reason, **data: Any) -> Decision:
        return Decision(Outcome.REFUSED, tuple(reasons), data=data)

    @staticmethod
    def warn(*reasons: Reason, **data: Any) -> Decision:
        return Decision(Outcome.WARNING, tuple(reasons), data=data)

    @staticmethod
    def needs(approvers: tuple[str, ...] | list[str], *reasons: Reason, **data: Any) -> Decision:
        return Decision(Outcome.NEEDS_APPROVAL, tuple(reasons), tuple(approvers), data=data)

    @staticmethod
    def combine(*decisions: Decision) -> Decision:
        """The most severe outcome wins; reasons and approvers are concatenated in order."""
        if not decisions:
            return Decision(Outcome.ALLOWED)
        worst = max(decisions, key=lambda d: _SEVERITY[d.outcome]).outcome
        reasons: list[Reason] = []
        approvers: list[str] = []
        data: dict[str, Any] = {}
        for d in decisions:
            reasons.extend(d.reasons)
            for a in d.approvers:
                if a not in approvers:
                    approvers.append(a)
            data.update(d.data)
        return Decision(worst, tuple(reasons), tuple(approvers) if worst == Outcome.NEEDS_APPROVAL else (), data)

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "outcome": str(self.outcome),
            "rule": self.rule,
            "message": self.message(lang),
            "approvers": list(self.approvers),
            "reasons": [r.as_dict(lang) for r in self.reasons],
            **{k: _plain(v) for k, v in self.data.items()},
        }
