"""What the treasury pages and API handlers share: errors and warnings shown as messages naming their rule, the
cash-staff gate (`acl.finance_scope`), an input money field, a void reason, approval steps as output, a visible
record or 404, file responses."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from ninja import Schema

from yewu.common.errors import NotFound, PermissionDenied, YewuError
from yewu.common.parsers import MoneyInput

from .access import sees_all_money

Money = MoneyInput | None


class VoidReasonIn(Schema):
    reason: str = ""


def show_error(request, e: YewuError):
    messages.error(request, e.message + (f"（{e.rule}）" if e.rule else ""))


def show_warnings(request, decision):
    for r in decision.reasons:
        messages.warning(request, f"{r.message}（{r.rule}）")


def page_for_cash_staff(request):
    if not sees_all_money(request.user):
        raise Http404


def api_for_cash_staff(user):
    if not sees_all_money(user):
        raise PermissionDenied("只有财务、出纳和总经理可以查看现金账", rule="acl.finance_scope")


def steps_out(req) -> list[dict]:
    if req is None:
        return []
    return [{"order": s.order, "role": s.role, "state": s.state, "decided_by": s.decided_by.name if s.decided_by_id else None,
             "due_at": s.due_at.isoformat() if s.due_at else None, "comment": s.comment}
            for s in req.steps.select_related("decided_by")]


def visible_or_404(qs, pk: int, label: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{label}不存在或无权查看")
    return obj


def pdf_response(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return resp


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return resp
