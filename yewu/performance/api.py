"""`GET /api/v1/commissions?month=YYYY-MM`: the commission statement (提成计算表), same figures for SP, SM, FIN;
`GET /api/v1/commissions/statements?month=` the statements with their approval state; `POST
/api/v1/commissions/statements/{sp}/{month}/submit` sends one to the FD (`commission.statement`);
`GET /api/v1/commissions/payroll?month=` the payroll export (FIN/FD/GM; format=xlsx)."""

from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Router

from yewu.common.schemas import ERRORS, XLSX, Out, ReasonOut, binary

from . import documents, selectors, services

router = Router(tags=["commission"])


class TierOut(Out):
    orders: int
    rate: str
    label: str
    reason: ReasonOut


class ProductTierOut(TierOut):
    product: str | None = Field(None, description="产品编码")


class CommissionEntryOut(Out):
    id: int
    kind: str
    booked_on: date
    receipt: str
    order: str
    customer: str
    order_line_id: int
    product: str
    basis: str
    fee_excluded: str
    base_rate: str
    cut: str
    rate: str
    amount: str
    tier: TierOut | None = None
    tier_month: str
    return_: str | None = Field(None, alias="return")


class StatementState(Out):
    state: str
    state_label: str
    approver: str | None = None
    decided_at: datetime | None = None
    approval_id: int | None = None
    submitted_by: str | None = None
    comment: str | None = None


class Totals(Out):
    salesperson_id: int
    salesperson: str
    basis: str
    fee_excluded: str
    credits: str
    reversals: str
    deductions: str
    amount: str
    net: str


class SalespersonCommission(Totals):
    statement: StatementState
    tiers_enabled: bool
    tiers: list[ProductTierOut]
    entries: list[CommissionEntryOut]


class CommissionsOut(Out):
    month: str = Field(..., description="YYYY-MM")
    rule: str
    salespeople: list[SalespersonCommission]


class StatementRow(Totals, StatementState):
    month: str


class StatementsOut(Out):
    month: str
    rule: str
    statements: list[StatementRow]


class SubmittedOut(StatementState):
    month: str
    salesperson_id: int
    salesperson: str | None = None
    basis: str | None = None
    fee_excluded: str | None = None
    credits: str | None = None
    reversals: str | None = None
    deductions: str | None = None
    amount: str | None = None
    net: str | None = None


class PayrollRow(Out):
    salesperson_id: int
    salesperson: str
    month: str
    basis: str
    commission: str
    deductions: str
    net: str
    state: str
    state_label: str
    approver: str | None = None


class PayrollOut(Out):
    month: str
    rule: str
    rows: list[PayrollRow]


def _json_or_xlsx(schema: str) -> dict:
    return binary(XLSX, "JSON, or the workbook with format=xlsx", json_schema={"$ref": f"#/components/schemas/{schema}"})


def entry_out(e) -> dict:
    return {"id": e.pk, "kind": e.kind, "booked_on": e.booked_on.isoformat(), "receipt": e.receipt_number,
            "order": e.order_number, "customer": e.customer_name, "order_line_id": e.order_line_id,
            "product": e.product_code, "basis": str(e.basis), "fee_excluded": str(e.fee_excluded),
            "base_rate": str(e.applied_base), "cut": str(e.cut), "rate": str(e.applied_rate), "amount": str(e.applied_amount),
            "tier": e.tier, "tier_month": f"{e.tier_month:%Y-%m}",
            "return": e.return_number}


def doc_out(doc) -> dict:
    if doc is None:
        return {"state": "open", "state_label": "未提交", "approver": None, "decided_at": None, "approval_id": None}
    return {"state": doc.state, "state_label": doc.get_state_display(),
            "approver": doc.decided_by.name if doc.decided_by_id else None,
            "decided_at": timezone.localtime(doc.decided_at).isoformat() if doc.decided_at else None,
            "submitted_by": doc.submitted_by.name, "approval_id": doc.approval_id, "comment": doc.comment}


def totals_out(s) -> dict:
    return {"salesperson_id": s["salesperson"].pk, "salesperson": s["salesperson"].name, "basis": str(s["basis"]),
            "fee_excluded": str(s["fee_excluded"]), "credits": str(s["credits"]), "reversals": str(s["reversals"]),
            "deductions": str(s["deductions"]), "amount": str(s["amount"]), "net": str(s["net"])}


@router.get("", response={200: CommissionsOut, **ERRORS}, exclude_unset=True, by_alias=True,
            openapi_extra=_json_or_xlsx("CommissionsOut"), summary="Commission per salesperson for a month (commission.base, commission.statement); format=xlsx")
def commissions(request, month: str = "", salesperson_id: int | None = None, format: str = "json"):
    m = selectors.parse_month(month, timezone.localdate())
    st = selectors.statement(request.auth, m, salesperson_id)
    if format == "xlsx":
        resp = HttpResponse(documents.statement_xlsx(st, m), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="commission-{m:%Y-%m}.xlsx"'
        return resp
    return {"month": f"{m:%Y-%m}", "rule": "commission.base", "salespeople": [
        {**totals_out(s), "statement": doc_out(s["doc"]), "tiers_enabled": s["tiers"]["enabled"],
         "tiers": [{"product": t["product_code"], "orders": t["orders"], "rate": t["rate"],
                    "label": t["label"], "reason": t["reason"]} for t in s["product_tiers"]],
         "entries": [entry_out(e) for e in s["entries"]]} for s in st]}


@router.get("/statements", response={200: StatementsOut, **ERRORS}, exclude_unset=True, summary="Monthly commission statements with their approval state (commission.statement)")
def statements(request, month: str = ""):
    m = selectors.parse_month(month, timezone.localdate())
    return {"month": f"{m:%Y-%m}", "rule": "commission.statement",
            "statements": [{**totals_out(s), "month": f"{m:%Y-%m}", **doc_out(s["doc"])}
                           for s in selectors.statement(request.auth, m)]}


@router.post("/statements/{salesperson_id}/{month}/submit", response={200: SubmittedOut, **ERRORS}, exclude_unset=True,
             summary="Submit a salesperson's statement of an ended month for FD approval (commission.statement)")
def submit(request, salesperson_id: int, month: str):
    m = selectors.parse_month(month, timezone.localdate())
    st = services.submit_statement(request.auth, salesperson_id, m)
    s = selectors.statement(request.auth, m, salesperson_id)
    return {"month": f"{m:%Y-%m}", "salesperson_id": st.salesperson_id, **doc_out(st),
            **({k: v for k, v in totals_out(s[0]).items() if k not in ("salesperson_id",)} if s else {})}


@router.get("/payroll", response={200: PayrollOut, **ERRORS}, openapi_extra=_json_or_xlsx("PayrollOut"), summary="Payroll export: one row per salesperson (FIN, FD, GM); format=xlsx")
def payroll(request, month: str = "", format: str = "json"):
    m = selectors.parse_month(month, timezone.localdate())
    rows = selectors.payroll(request.auth, m)
    if format == "xlsx":
        resp = HttpResponse(documents.payroll_xlsx(rows, m), content_type=XLSX)
        resp["Content-Disposition"] = f'attachment; filename="commission-payroll-{m:%Y-%m}.xlsx"'
        return resp
    return {"month": f"{m:%Y-%m}", "rule": "commission.statement", "rows": [
        {"salesperson_id": r["salesperson"].pk, "salesperson": r["salesperson"].name, "month": f"{m:%Y-%m}",
         "basis": str(r["basis"]), "commission": str(r["credits"]), "deductions": str(r["deductions"]), "net": str(r["net"]),
         "state": r["state"], "state_label": r["state_label"], "approver": r["approver"].name if r["approver"] else None}
        for r in rows]}
