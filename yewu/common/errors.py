"""Errors raised by services; the API turns them into ``{"error", "message", "fields", "rule"}``."""

from __future__ import annotations

from typing import Any

from yewu.policy import Decision


class YewuError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, rule: str | None = None,
                 code: str | None = None, decision: Decision | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.rule = rule
        self.decision = decision
        self.extra = extra or {}
        if code:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"error": self.code, "message": self.message, "fields": self.fields}
        if self.rule:
            d["rule"] = self.rule
        if self.decision is not None:
            d["reasons"] = [r.as_dict() for r in self.decision.reasons]
        d.update(self.extra)
        return d


class ValidationError(YewuError):
    status = 400
    code = "invalid"


class PermissionDenied(YewuError):
    status = 403
    code = "forbidden"


class NotFound(YewuError):
    status = 404
    code = "not_found"


class Conflict(YewuError):
    status = 409
    code = "conflict"


class RuleRefused(YewuError):
    """A business rule refused the action; carries the rule id."""

    status = 422
    code = "rule_refused"

    @classmethod
    def from_decision(cls, decision: Decision, status: int | None = None, code: str | None = None) -> RuleRefused:
        err = cls(decision.message(), rule=decision.rule, decision=decision, code=code)
        if status:
            err.status = status
        return err
