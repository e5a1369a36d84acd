"""Shapes every API module shares: the one error body, the error statuses, the output base class, and how a
file (PDF / Excel) response is documented in the OpenAPI.

Output schemas derive from :class:`Out`. Under the tests (and with ``YEWU_API_STRICT_OUTPUT=1``) ``Out`` forbids
keys it does not declare, so a handler that returns a key its schema leaves out fails loudly instead of the key
silently vanishing from the response; in production undeclared keys are dropped (never a 500 for that reason).
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationInfo, model_validator


def _strict() -> bool:
    flag = os.environ.get("YEWU_API_STRICT_OUTPUT")
    if flag is not None:
        return flag == "1"
    return "pytest" in sys.modules


STRICT_OUTPUT = _strict()


# Values a handler's dict may hold that ninja's attribute reader (DjangoGetter) passes through unchanged.
_PLAIN = frozenset({str, int, float, bool, type(None), Decimal, date, datetime, list, dict, tuple})


class Out(Schema):
    """Base of every output schema (see the module docstring for ``extra``).

    A handler's plain dict (every value a str, number, date, list, dict… — what ninja's attribute reader would pass
    through unchanged) is validated by pydantic directly: wrapping it in ninja's ``DjangoGetter`` gives the same
    result at several times the cost (20 ms of a 50-order list page). Model instances, managers, querysets,
    callables and schemas with ``resolve_*`` methods still go through ninja's reader."""

    model_config = ConfigDict(extra="forbid" if STRICT_OUTPUT else "ignore")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo) -> Any:
        if type(values) is dict and not cls._ninja_resolvers and all(type(v) in _PLAIN for v in values.values()):
            return handler(values)
        if cls.model_config.get("extra") == "forbid":  # as ninja's Schema: see the undeclared keys first
            handler(values)
        return handler(DjangoGetter(values, cls, info.context))


# ReasonOut and DecisionOut are plain pydantic models: ninja's Schema reads its input through attribute access,
# which would drop the further keys these two carry.


class ReasonOut(BaseModel):
    """One reason of a decision (``Reason.as_dict``): its figures follow as further keys."""

    model_config = ConfigDict(extra="allow")

    rule: str
    message: str
    message_zh: str | None = None
    message_en: str | None = None


class DecisionOut(BaseModel):
    """A policy decision (``Decision.as_dict``): the decision's data follows as further keys."""

    model_config = ConfigDict(extra="allow")

    outcome: str
    rule: str | None = None
    message: str = ""
    approvers: list[str] = Field(default_factory=list)
    reasons: list[ReasonOut] = Field(default_factory=list)


class ErrorOut(Schema):
    """Every 4xx body: ``{error, message, fields, rule?}`` (see yewu/api.py and yewu/common/errors.py)."""

    error: str = Field(..., description="错误代码，如 invalid / forbidden / not_found / duplicate / rule_refused / "
                                        "unauthorized")
    message: str = Field(..., description="给用户看的说明（中文）")
    fields: dict[str, str] = Field(default_factory=dict, description="字段 → 问题")
    rule: str | None = Field(None, description="拒绝所依据的规则编号，如 cust.duplicate")
    reasons: list[ReasonOut] | None = Field(None, description="规则判断的理由（规则拒绝时）")
    existing: dict[str, Any] | None = Field(None, description="重复建档时：已有客户 {id, name, owner, filed_on}")


# The error statuses of the API. 400 invalid input (service validation), 401 no/invalid token, 403 not allowed
# (role, scope or a rule given as 403), 404 not found or outside the caller's scope, 409 conflict with the
# current state, 422 request not matching the schema or a business rule refusing it.
ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                   422: ErrorOut}

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def binary(mime: str, description: str = "", status: int = 200, json_schema: dict | None = None,
           also: tuple[str, ...] = ()) -> dict:
    """``openapi_extra`` documenting a file response (the handler returns an ``HttpResponse``); ``also``: the other
    file types the same route answers (a PDF or, with ``fmt=xlsx``, a workbook)."""
    content: dict[str, Any] = {m: {"schema": {"type": "string", "format": "binary"}} for m in (mime, *also)}
    if json_schema is not None:
        content["application/json"] = {"schema": json_schema}
    return {"responses": {status: {"description": description or mime, "content": content}}}


def file_op(mime: str, description: str = "", also: tuple[str, ...] = ()) -> dict:
    """Keyword arguments of a route that answers a file: errors as JSON, the file as binary content."""
    return {"response": ERRORS, "openapi_extra": binary(mime, description, also=also)}
