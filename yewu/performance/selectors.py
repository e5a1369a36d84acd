"""Commission statement reads (`commission.statement`): an SP sees their own, an SM their team's, FIN/FD/GM
everyone's — the same entries and the same sums for each, whoever looks."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from decimal import Decimal
from itertools import compress, groupby
from operator import attrgetter

from django.db.models import Q, QuerySet

from yewu.catalog.models import Product
from yewu.common.errors import PermissionDenied, ValidationError
from yewu.common.rows import Unparsed, gc_paused, value_columns
from yewu.orders.models import ReturnRequest
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_policy, managed_team_ids
from yewu.policy import commission as rules
from yewu.policy.config import PolicyConfig
from yewu.policy.receivables import commission_amount

from .models import CommissionEntry, CommissionStatement

ZERO = Decimal("0.00")
_CREDIT = CommissionEntry.Kind.CREDIT.value


def _scope(qs: QuerySet, user: User) -> QuerySet:
    if not user.is_authenticated:
        return qs.none()
    if can(user, "sees_all_commissions"):
        return qs
    q = Q(pk__in=[])
    if can(user, "sees_team_commissions"):
        q |= Q(salesperson__team_id__in=managed_team_ids(user))
    if can(user, "sees_own_commissions"):
        q |= Q(salesperson=user)
    return qs.filter(q)


# The columns a statement shows or computes with, read as plain values (no model objects, no unused columns).
ENTRY_COLUMNS = {"pk": "id", "salesperson_id": "salesperson_id", "kind": "kind", "booked_on": "booked_on",
                 "allocation_id": "allocation_id", "order_line_id": "order_line_id", "product_id": "order_line__product_id",
                 "product_code": "order_line__product__code", "receipt_number": "receipt__number",
                 "order_number": "order__number", "customer_name": "order__customer__name",
                 "return_request_id": "return_request_id", "return_number": "return_request__number", "basis": "basis",
                 "fee_excluded": "fee_excluded", "base_rate": "base_rate", "cut": "cut", "rate": "rate", "amount": "amount"}
_KIND_LABELS = dict(CommissionEntry.Kind.choices)


class EntryRow:
    """One commission entry as the statement shows it (flat columns), plus the figures :func:`apply_figures` sets
    (until then: no tier, the stored base, rate and amount)."""

    __slots__ = (*ENTRY_COLUMNS, "tier", "tier_month", "applied_base", "applied_rate", "applied_amount")

    def __init__(self, values: tuple):
        # one unpacking, in ENTRY_COLUMNS' order (checked below the class): thousands of rows per statement
        (self.pk, self.salesperson_id, self.kind, self.booked_on, self.allocation_id, self.order_line_id,
         self.product_id, self.product_code, self.receipt_number, self.order_number, self.customer_name,
         self.return_request_id, self.return_number, self.basis, self.fee_excluded, self.base_rate, self.cut,
         self.rate, self.amount) = values
        self.tier = self.tier_month = None
        self.applied_base, self.applied_rate, self.applied_amount = values[15], values[17], values[18]

    def get_kind_display(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)


assert EntryRow.__init__.__code__.co_names[:len(ENTRY_COLUMNS) + 5] == (*ENTRY_COLUMNS, "tier", "tier_month", "applied_base",
                                                                      "applied_rate", "applied_amount")
assert [list(ENTRY_COLUMNS)[i] for i in (15, 17, 18)] == ["base_rate", "rate", "amount"]


# Read by id after the entries (a month has thousands of entries but few products and fewer returns): no join to
# the product and return tables and no code or number text per entry. The booking date is read as text on SQLite
# and parsed once per distinct date (a month has a few dozen), not per row.
_BY_ID = {"product_code": ("product_id", Product, "code"), "return_number": ("return_request_id", ReturnRequest, "number")}
_ENTRY_SELECT = [Unparsed(c) if c == "booked_on" else c for k, c in ENTRY_COLUMNS.items() if k not in _BY_ID]


def _values_by_id(model, column: str, ids: set) -> dict:
    ids.discard(None)
    ids = sorted(ids)
    return {k: v for i in range(0, len(ids), 500) for k, v in model.objects.filter(pk__in=ids[i:i + 500]).values_list(
        "pk", column)}


def entry_rows(qs: QuerySet[CommissionEntry]) -> list[EntryRow]:
    cols = value_columns(qs.values_list(*_ENTRY_SELECT))
    if not cols:
        return []
    names = list(ENTRY_COLUMNS)
    for name, (id_name, model, column) in _BY_ID.items():  # in ENTRY_COLUMNS' order: each after its id column
        ids = cols[names.index(id_name)]
        found = _values_by_id(model, column, set(ids))
        cols.insert(names.index(name), list(map(found.get, ids)) if found else [None] * len(ids))
    return list(map(EntryRow, zip(*cols, strict=True)))


def parse_month(s: str | None, today: date) -> date:
    if not s:
        return today.replace(day=1)
    try:
        y, m = s.split("-")
        return date(int(y), int(m), 1)
    except (ValueError, TypeError):
        raise ValidationError(f"月份格式应为 YYYY-MM（现为 {s}）", fields={"month": "YYYY-MM"}) from None


_LOOKUP = object()


def tiers_for(sp_id: int, month: date, cfg: PolicyConfig, st=_LOOKUP) -> dict:
    """`commission.statement` tiers of one salesperson-month: {"enabled", "by_product": {product_id: Decision}}.
    Frozen (approved) statement → its snapshot; else live from the month's credit entries: per product the number
    of distinct orders credited in the month."""
    if st is _LOOKUP:
        st = CommissionStatement.objects.filter(salesperson_id=sp_id, month=month).first()
    if st is not None and st.state == CommissionStatement.State.APPROVED and "tiers_enabled" in (st.snapshot or {}):
        snap = st.snapshot
        return {"enabled": snap["tiers_enabled"], "frozen": True,
                "by_product": {int(k): v for k, v in (snap.get("tiers") or {}).items()}}
    if not rules.tiers_enabled(cfg):
        return {"enabled": False, "frozen": False, "by_product": {}}
    pairs = set(CommissionEntry.objects.filter(salesperson_id=sp_id, month=month, kind=CommissionEntry.Kind.CREDIT)
                .values_list("order_line__product_id", "order_id"))
    counts: dict[int, int] = {}
    for product_id, _order_id in pairs:
        counts[product_id] = counts.get(product_id, 0) + 1
    out = {}
    for product_id, n in counts.items():
        d = rules.commission_tier(n, cfg)
        out[product_id] = {"orders": n, "rate": str(d.data["rate"]), "label": d.data["tier"].label,
                           "reason": d.reasons[0].as_dict()}
    return {"enabled": True, "frozen": False, "by_product": out}


def _credit_months(entries: list[EntryRow]) -> dict[tuple[int, int], tuple[int, date, Decimal, list[tuple[int, Decimal]]]]:
    """(allocation, order line) of each deduction → (salesperson, month, basis) of the credit it takes back and every
    non-credit entry on that credit as (id, basis), oldest first — one query."""
    keys = {(e.allocation_id, e.order_line_id) for e in entries if e.kind != _CREDIT}
    if not keys:
        return {}
    out: dict = {}
    history: dict[tuple[int, int], list[tuple[int, Decimal]]] = {}
    for pk, kind, a, ln, sp, m, basis in CommissionEntry.objects.filter(allocation_id__in={k[0] for k in keys}).order_by(
            "id").values_list("id", "kind", "allocation_id", "order_line_id", "salesperson_id", "month", "basis"):
        if (a, ln) not in keys:
            continue
        if kind == _CREDIT:
            out[(a, ln)] = (sp, m, basis, history.setdefault((a, ln), []))
        else:
            history.setdefault((a, ln), []).append((pk, basis))
    return out


def _tiered_deduction(e: EntryRow, rate: Decimal, credit) -> Decimal:
    """A deduction's amount at the credit's tiered rate, as the drop in the tiered commission on what is left of the
    credit's basis — so the deductions that take a credit back in full take back exactly its tiered amount (no cent
    lost to rounding each part on its own)."""
    if credit is None:
        return commission_amount(e.basis, rate)
    before = credit[2] + sum((b for pk, b in credit[3] if pk < e.pk), ZERO)
    return commission_amount(before + e.basis, rate) - commission_amount(before, rate)


_BASIS, _FEE, _AMOUNT, _KIND = attrgetter("basis"), attrgetter("fee_excluded"), attrgetter("amount"), attrgetter("kind")


def apply_figures(sp_id: int, month: date, entries: list[EntryRow], cfg: PolicyConfig, doc=_LOOKUP) -> dict:
    """Each entry's applied rate and amount (``e.applied_base``, ``e.applied_rate``, ``e.applied_amount``,
    ``e.tier``) and the salesperson-month's totals. Tiers off → exactly the stored entry figures. A deduction
    (红冲/退货) is priced at the tier of the month of the credit it takes back. An approved statement → its frozen
    figures."""
    st = (CommissionStatement.objects.filter(salesperson_id=sp_id, month=month).select_related(
        "approval", "decided_by", "submitted_by").first() if doc is _LOOKUP else doc)
    frozen = (st.snapshot or {}).get("entries", {}) if st is not None and st.state == CommissionStatement.State.APPROVED else {}
    credit_of = _credit_months(entries)
    tier_cache: dict[tuple[int, date], dict] = {}

    def tiers(sp, m):
        if (sp, m) not in tier_cache:
            tier_cache[(sp, m)] = tiers_for(sp, m, cfg, st) if (sp, m) == (sp_id, month) else tiers_for(sp, m, cfg)
        return tier_cache[(sp, m)]

    own = tiers(sp_id, month)
    if not frozen and not credit_of and not own["enabled"]:
        # No tiers, nothing frozen, no deduction of an earlier credit: every entry keeps its stored figures (set by
        # EntryRow) in its own month; the sums in the same order as the loop below.
        for e in entries:
            e.tier_month = month
        amounts, kinds = list(map(_AMOUNT, entries)), list(map(_KIND, entries))
        credits = sum(compress(amounts, map(_CREDIT.__eq__, kinds)), ZERO)
        deductions = sum(compress(amounts, map(_CREDIT.__ne__, kinds)), ZERO)
        return {"basis": sum(map(_BASIS, entries), ZERO), "fee_excluded": sum(map(_FEE, entries), ZERO),
                "credits": credits, "reversals": deductions, "deductions": deductions, "amount": credits + deductions,
                "net": credits + deductions, "tiers": own, "doc": st}
    basis = credits = deductions = fee = ZERO
    for e in entries:
        credit = None if e.kind == _CREDIT else credit_of.get((e.allocation_id, e.order_line_id))
        src = (sp_id, month) if credit is None else credit[:2]
        t = tiers(*src)
        tier = t["by_product"].get(e.product_id) if t["enabled"] else None
        e.tier, e.tier_month = tier, src[1]
        if frozen and str(e.pk) in frozen:
            e.applied_base, e.applied_rate, e.applied_amount = (Decimal(x) for x in frozen[str(e.pk)])
        elif tier is not None:
            e.applied_base = Decimal(tier["rate"])
            e.applied_rate = rules.tiered_rate(e.applied_base, e.cut)
            e.applied_amount = (commission_amount(e.basis, e.applied_rate) if e.kind == _CREDIT
                                else _tiered_deduction(e, e.applied_rate, credit))
        else:
            e.applied_base, e.applied_rate, e.applied_amount = e.base_rate, e.rate, e.amount
        basis += e.basis
        fee += e.fee_excluded
        if e.kind == _CREDIT:
            credits += e.applied_amount
        else:
            deductions += e.applied_amount  # 红冲 and 退货扣回
    return {"basis": basis, "fee_excluded": fee, "credits": credits, "reversals": deductions, "deductions": deductions,
            "amount": credits + deductions, "net": credits + deductions, "tiers": own, "doc": st}


@gc_paused()
def statement(user: User, month: date, salesperson_id: int | None = None, cfg: PolicyConfig | None = None) -> list[dict]:
    """Per salesperson for the month: every entry (receipt, order line, basis, fee excluded, base, cut, rate,
    amount), the tiers that applied and why, the totals and the statement document's approval state — the same
    figures for the SP, the SM and FIN."""
    cfg = cfg or get_policy()
    qs = _scope(CommissionEntry.objects.filter(month=month), user)
    if salesperson_id:
        qs = qs.filter(salesperson_id=salesperson_id)
    out: OrderedDict[int, dict] = OrderedDict(
        (sp_id, {"entries": list(group)}) for sp_id, group in groupby(entry_rows(qs.order_by(
            "salesperson_id", "booked_on", "receipt_id", "order_line_id", "id")), attrgetter("salesperson_id")))
    people = {u.pk: u for u in User.objects.filter(pk__in=list(out))}
    for sp_id, s in out.items():
        s["salesperson"] = people[sp_id]
    # One query for the month's statement documents instead of one per salesperson.
    docs = {st.salesperson_id: st for st in CommissionStatement.objects.filter(month=month, salesperson_id__in=list(out))
            .select_related("approval", "decided_by", "submitted_by")}
    for sp_id, s in out.items():
        s.update(apply_figures(sp_id, month, s["entries"], cfg, docs.get(sp_id)))
        s["product_tiers"] = _product_tiers(s)
    return sorted(out.values(), key=lambda s: s["salesperson"].name)


def _product_tiers(s: dict) -> list[dict]:
    if not s["tiers"]["enabled"]:
        return []
    codes = {e.product_id: e.product_code for e in s["entries"]}
    return [{"product_code": codes.get(pid), "product_id": pid, **t} for pid, t in sorted(s["tiers"]["by_product"].items())]


def can_submit(user: User, salesperson: User) -> bool:
    """FIN (or GM) prepares any statement; an SM those of own team."""
    if can(user, "prepares_any_commission"):
        return True
    return can(user, "prepares_team_commissions") and salesperson.team_id in managed_team_ids(user)


def payroll(user: User, month: date) -> list[dict]:
    """Payroll export rows (one per salesperson): name, month, basis, commission, deductions, net, approval state and
    approver. FIN, FD and GM only."""
    if not can(user, "exports_payroll"):
        raise PermissionDenied("工资导出仅限财务、财务总监、总经理", rule="commission.statement")
    rows = []
    for s in statement(user, month):
        doc = s["doc"]
        rows.append({"salesperson": s["salesperson"], "month": month, "basis": s["basis"], "credits": s["credits"],
                     "deductions": s["deductions"], "net": s["net"], "state": doc.state if doc else "open",
                     "state_label": doc.get_state_display() if doc else "未提交",
                     "approver": doc.decided_by if doc and doc.state == CommissionStatement.State.APPROVED else None,
                     "decided_at": doc.decided_at if doc else None, "doc": doc})
    return rows
