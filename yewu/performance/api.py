"""`GET /api/v1/commissions?month=YYYY-MM`: the commission statement (提成计算表), same figures for SP, SM, FIN."""

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router

from . import documents, selectors

router = Router(tags=["commission"])


def entry_out(e) -> dict:
    return {"id": e.pk, "kind": e.kind, "booked_on": e.booked_on.isoformat(), "receipt": e.receipt.number,
            "order": e.order.number, "customer": e.order.customer.name, "order_line_id": e.order_line_id,
            "product": e.order_line.product.code, "basis": str(e.basis), "base_rate": str(e.base_rate), "cut": str(e.cut),
            "rate": str(e.rate), "amount": str(e.amount),
            "return": e.return_request.number if e.return_request_id else None}


@router.get("", summary="Commission per salesperson for a month (commission.base, commission.statement); format=xlsx")
def commissions(request, month: str = "", salesperson_id: int | None = None, format: str = "json"):
    m = selectors.parse_month(month, timezone.localdate())
    st = selectors.statement(request.auth, m, salesperson_id)
    if format == "xlsx":
        resp = HttpResponse(documents.statement_xlsx(st, m),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="commission-{m:%Y-%m}.xlsx"'
        return resp
    return {"month": f"{m:%Y-%m}", "rule": "commission.base", "salespeople": [
        {"salesperson_id": s["salesperson"].pk, "salesperson": s["salesperson"].name, "basis": str(s["basis"]),
         "credits": str(s["credits"]), "reversals": str(s["reversals"]), "amount": str(s["amount"]),
         "entries": [entry_out(e) for e in s["entries"]]} for s in st]}
