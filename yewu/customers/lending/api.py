"""/api/v1/customers/{id}/access-requests: borrowing a confidential archive (`cust.archive_access_request`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema, Status

from yewu.common.errors import NotFound
from yewu.common.schemas import Out
from yewu.customers.archive.selectors import customer_for
from yewu.customers.lending import services as access
from yewu.customers.models import AccessRequest
from yewu.customers.routers import router
from yewu.customers.schemas import ERRORS, local


class AccessIn(Schema):
    purpose: str
    working_days: int = Field(..., description="≤ 5 个工作日")


class AccessOut(Out):
    id: int
    customer_id: int
    requester: str
    state: str
    working_days: int
    approval_id: int | None = None
    valid_until: datetime | None = None


def _access_out(a: AccessRequest) -> dict[str, Any]:
    return {"id": a.pk, "customer_id": a.customer_id, "requester": a.requester.name, "state": a.state,
            "working_days": a.working_days, "approval_id": a.approval_id, "valid_until": local(a.valid_until)}


@router.post("/{int:customer_id}/access-requests", response={201: AccessOut, **ERRORS},
             summary="申请借阅档案（cust.archive_access_request）")
def post_access(request, customer_id: int, payload: AccessIn):
    return Status(201, _access_out(access.request_access(request.auth, customer_id, payload.purpose,
                                                         payload.working_days)))


@router.get("/{int:customer_id}/access-requests", response={200: list[AccessOut], **ERRORS},
            summary="借阅申请（保管人：全部；其他人：自己的）")
def list_access(request, customer_id: int):

    c = customer_for(request.auth, customer_id)
    if c is None:
        raise NotFound("客户不存在或无权查看")
    return [_access_out(a) for a in access.requests_of(request.auth, c)]
