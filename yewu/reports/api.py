from datetime import date
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router

from yewu.common.errors import ValidationError
from yewu.common.schemas import ERRORS, XLSX, Out, binary

from . import selectors

router = Router(tags=["reports"])


class SalesRow(Out):
    salesperson_id: int
    name: str
    team: str
    orders: int
    amount: str


class SalesOut(Out):
    start: date
    end: date
    orders: int
    amount: str
    rows: list[SalesRow]


def period(start: date | None, end: date | None) -> tuple[date, date]:
    today = timezone.localdate()
    start = start or today.replace(day=1)
    end = end or today
    if end < start:
        raise ValidationError("结束日期不能早于开始日期", fields={"end": "早于开始日期"})
    if (end - start).days > 366 * 3:
        raise ValidationError("统计区间最长三年", fields={"end": "区间过长"})
    return start, end


@router.get("/sales-by-salesperson", response={200: SalesOut, **ERRORS},
            openapi_extra=binary(XLSX, "JSON, or the workbook with format=xlsx",
                                 json_schema={"$ref": "#/components/schemas/SalesOut"}), summary="Orders and order amount per salesperson for a period (row-level scoped)")
def sales_by_salesperson(request, start: date | None = None, end: date | None = None, format: str = "json"):
    rep = selectors.sales_by_salesperson(request.auth, *period(start, end))
    if format == "xlsx":
        buf = BytesIO()
        selectors.sales_workbook(rep).save(buf)
        resp = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="sales-{rep.start}-{rep.end}.xlsx"'
        return resp
    return {"start": rep.start, "end": rep.end, "orders": rep.orders, "amount": str(rep.amount),
            "rows": [{"salesperson_id": r.salesperson_id, "name": r.name, "team": r.team, "orders": r.orders,
                      "amount": str(r.amount)} for r in rep.rows]}
