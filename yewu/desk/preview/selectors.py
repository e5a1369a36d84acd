"""「受影响的未结单据」 (top floor, reads orders, quotes, finance, expenses and approvals): the preview of a settings change (SPEC §8.5).

For the keys being changed, the open documents whose decision would differ are found by running the pure
policy functions on each document's facts twice — with the settings in force at the effective time and with
the proposed values. Nothing is written: decisions already made keep the version they were made under
(`process.version_pinned`); the preview says, per document, whether the new value will be used (a decision
still to be made) or not (a decision already stored).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from yewu.approvals.models import ApprovalRequest
from yewu.expenses.models import CashAdvance, ExpenseRequest, PaymentDoc
from yewu.finance.models import InvoiceRequest, RequestState
from yewu.orders.models import (
    Contract,
    ContractStatus,
    Order,
    OrderLine,
    OrderStatus,
    ReturnRequest,
    ReturnStatus,
    Settlement,
)
from yewu.orders.ordering.facts import order_facts
from yewu.org.selectors import get_calendar, get_policy
from yewu.org.services import effective_time
from yewu.policy import PolicyConfig, pricing
from yewu.policy import expenses as expense_rules
from yewu.policy import orders as order_rules
from yewu.policy import receivables as receivable_rules
from yewu.policy import versions as pv
from yewu.policy.pricing import fmt, quote_approval_steps
from yewu.sales.models import Quote, QuoteState

LIMIT = 50  # rows shown per section


@dataclass
class Row:
    doc: str
    link: str
    status: str
    old: str = ""
    new: str = ""
    effect: str = ""


@dataclass
class Section:
    family: str
    title: str
    keys: list[str]
    precise: bool  # True: rows are documents whose decision differs; False: open documents that may be affected
    note: str = ""
    checked: int = 0  # open documents examined
    rows: list[Row] = field(default_factory=list)
    more: int = 0  # rows left off beyond LIMIT

    def add(self, row: Row) -> None:
        if len(self.rows) < LIMIT:
            self.rows.append(row)
        else:
            self.more += 1


@dataclass
class Preview:
    effective_at: datetime
    base_version: int
    changes: list[dict[str, Any]]
    errors: dict[str, str]
    sections: list[Section]
    pinned_note: str

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["effective_at"] = self.effective_at.isoformat()
        return d


def _ver(v: int | None) -> str:
    return f"v{v or 0}" + ("（默认值）" if not v else "")


def _keys(changes: dict, family: str) -> list[str]:
    return [k for k in changes if k.startswith(pv.FAMILIES[family])]


# --- precise families --------------------------------------------------------------------------------------

def _credit_approval(old: PolicyConfig, new: PolicyConfig, keys: list[str]) -> Section:
    s = Section("credit_approval", "账期订单的审批人（approve.*）", keys, True,
                "比较每张未结账期订单在现值与新值下需要的审批人。")
    qs = (Order.objects.filter(settlement=Settlement.CREDIT,
                               status__in=(OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.PENDING_APPROVAL))
          .select_related("customer", "approval").order_by("id"))
    for o in qs:
        s.checked += 1
        facts = order_facts(o.customer, o.total, o.custom_total, o.delivery_address, exclude_id=o.pk)
        d_old, d_new = order_rules.credit_approvals(facts, old), order_rules.credit_approvals(facts, new)
        if not pv.decision_changes(d_old, d_new):
            continue
        if o.status == OrderStatus.PENDING_APPROVAL and o.approval_id:
            req = o.approval
            chain = " → ".join(pv.ROLE_LABELS.get(x["role"], x["role"]) for x in req.chain_snapshot)
            effect = f"审批中：按提交时的制度版本 {_ver(req.policy_version)} 继续（{chain}），不重算"
        else:
            effect = "尚未提交：提交时按新值确定审批人"
        s.add(Row(f"订单 {o.number}（{o.customer.name}，{fmt(o.total)} 元）", f"/orders/{o.pk}/", o.get_status_display(),
                  pv.route_text(d_old), pv.route_text(d_new), effect))
    return s


def _quote_line_text(i: int, outcome: str) -> str:
    return f"第{i}行{pv.outcome_text(outcome)}"


def _quote_steps(outcomes: list[str], total: Decimal, cfg: PolicyConfig) -> str:
    if "refused" in outcomes:
        return "拒绝（有行低于底价）"
    st = quote_approval_steps(outcomes, total, cfg)
    return " → ".join(pv.ROLE_LABELS.get(x.role, x.role) for x in st) or "无需审批"


def _line_price(old: PolicyConfig, new: PolicyConfig, keys: list[str]) -> Section:
    s = Section("line_price", "报价单的行价格判定与审批（底价、不含税优惠、费用率、重大报价）", keys, True,
                "按报价单保存的指导价 G、单价、费用率和发票类型重新核价。订单行的价格判定在下单时已作出并保存，不重算。")
    qs = (Quote.objects.filter(state__in=(QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED, QuoteState.SENT))
          .select_related("customer").prefetch_related("lines").order_by("id"))
    for q in qs:
        s.checked += 1
        lines = list(q.lines.all())
        o_out, n_out, diff_lines = [], [], []
        for i, ln in enumerate(lines, 1):
            kw = dict(guide_price=ln.guide_price, unit_price=ln.unit_price, fee_rate=q.fee_rate, invoice=q.invoice_choice,
                      quantity=ln.quantity, kind=ln.kind)
            a, b = pricing.check_line_price(cfg=old, **kw), pricing.check_line_price(cfg=new, **kw)
            o_out.append(str(a.outcome))
            n_out.append(str(b.outcome))
            if str(a.outcome) != str(b.outcome):
                diff_lines.append(i)
        st_old, st_new = _quote_steps(o_out, q.total, old), _quote_steps(n_out, q.total, new)
        if not diff_lines and st_old == st_new:
            continue
        old_txt = "；".join([_quote_line_text(i, o_out[i - 1]) for i in diff_lines] + [f"审批：{st_old}"])
        new_txt = "；".join([_quote_line_text(i, n_out[i - 1]) for i in diff_lines] + [f"审批：{st_new}"])
        if q.state == QuoteState.DRAFT:
            effect = "草稿：提交时按新值重新核价"
        else:
            effect = f"已按制度版本 {_ver(q.policy_version)} 判定（{q.get_state_display()}），不重算"
        s.add(Row(f"报价单 {q.number}（{q.customer.name}，{fmt(q.total)} 元）", f"/sales/quotes/{q.pk}/",
                  q.get_state_display(), old_txt, new_txt, effect))
    return s


def _invoice_text(acc: Decimal, waiting: bool, cfg: PolicyConfig) -> str:
    m = fmt(Decimal(cfg["invoice.vat_min_5000.min_amount"]))
    return f"累计 {fmt(acc)} < {m}：继续累计" if waiting else f"累计 {fmt(acc)} ≥ {m}：可开具"


def _invoice_min(old: PolicyConfig, new: PolicyConfig, keys: list[str]) -> Section:
    s = Section("invoice_min", "累计中的增值税专用发票申请（invoice.vat_min_5000）", keys, True,
                "每个客户累计中的申请合计，在现值与新值下是否已满起开额。累计中的申请不会自动开票：满额的在该客户下一次申请时合并开具。")
    by_customer: dict[int, list] = {}
    for r in InvoiceRequest.objects.filter(state=RequestState.WAITING).select_related("customer").order_by("id"):
        by_customer.setdefault(r.customer_id, []).append(r)
    for reqs in by_customer.values():
        s.checked += len(reqs)
        acc = sum((r.amount for r in reqs), Decimal("0"))
        a, b = receivable_rules.vat_special_threshold(acc, old), receivable_rules.vat_special_threshold(acc, new)
        wa, wb = bool(a.data.get("waiting")), bool(b.data.get("waiting"))
        if wa == wb:
            continue
        c = reqs[0].customer
        effect = "下一次申请时按新值合并开具" if not wb else "已满额的也继续累计，直到满新起开额"
        s.add(Row(f"{c.name}：开票申请 {'、'.join(r.number for r in reqs)}", "/finance/invoices/",
                  "累计中", _invoice_text(acc, wa, old), _invoice_text(acc, wb, new), effect))
    return s


def _cash_advance(old: PolicyConfig, new: PolicyConfig, keys: list[str]) -> Section:
    s = Section("cash_advance", "未付款的现金借支单（cash.advance_max_3000）", keys, True,
                "现金采购借支在现值与新值下是否在上限内（出差借支不设上限）。")
    today = timezone.localdate()
    qs = CashAdvance.objects.filter(state__in=(CashAdvance.State.PENDING, CashAdvance.State.APPROVED)).order_by("id")
    for a in qs:
        s.checked += 1
        kw = dict(purpose_kind=a.purpose_kind, purpose=a.purpose, amount=a.amount, due_date=max(a.due_date, today), today=today)
        d_old, d_new = expense_rules.check_advance(cfg=old, **kw), expense_rules.check_advance(cfg=new, **kw)
        if not pv.decision_changes(d_old, d_new):
            continue
        s.add(Row(f"现金借支单 {a.number}（{a.get_purpose_kind_display()}，{fmt(a.amount)} 元）", f"/expenses/advances/{a.pk}/",
                  a.get_state_display(), pv.outcome_text(str(d_old.outcome)), pv.outcome_text(str(d_new.outcome)),
                  "已提交：按提交时的判定继续审批、付款，不重算；新借支单按新上限"))
    return s


def _delivery_promise(old: PolicyConfig, new: PolicyConfig, keys: list[str]) -> Section:
    s = Section("delivery_promise", "未发完订单的承诺/目标发货日（delivery.standard_3_4d）", keys, True,
                "已备妥的订单：承诺日在备妥时已定，保持不变；尚未备妥的订单：备妥时按新值计算。定制产品按生产部交期，不受影响。")
    cal = get_calendar()
    today = timezone.localdate()
    qs = (Order.objects.filter(status__in=(OrderStatus.READY, OrderStatus.PARTLY_SHIPPED, OrderStatus.AWAITING_PAYMENT,
                                           OrderStatus.PENDING_APPROVAL, OrderStatus.DRAFT))
          .filter(Exists(OrderLine.objects.filter(order=OuterRef("pk")).exclude(kind="custom")))
          .select_related("customer").order_by("id"))
    for o in qs:
        s.checked += 1
        ready = o.ready_on or today
        t0, p0, _ = order_rules.promised_ship_dates(ready, cal, old)
        t1, p1, _ = order_rules.promised_ship_dates(ready, cal, new)
        if (t0, p0) == (t1, p1):
            continue
        if o.ready_on:
            old_txt = f"承诺 {o.promised_ship_on or p0}，目标 {o.target_ship_on or t0}"
            new_txt = f"按新值将为承诺 {p1}，目标 {t1}"
            effect = "已备妥：保持原承诺日期，不重算"
        else:
            old_txt = f"备妥日 + {old['delivery.standard_3_4d.promise_wd']} 个工作日承诺"
            new_txt = f"备妥日 + {new['delivery.standard_3_4d.promise_wd']} 个工作日承诺（目标 + {new['delivery.standard_3_4d.target_wd']}）"
            effect = "尚未备妥：备妥时按新值计算"
        s.add(Row(f"订单 {o.number}（{o.customer.name}）", f"/orders/{o.pk}/", o.get_status_display(), old_txt, new_txt, effect))
    return s


def _settle_text(o, d, dep) -> str:
    return f"{o.get_settlement_display()}{'不允许' if d.refused else '允许'}；定金 {fmt(dep)}"


def _settlement(old: PolicyConfig, new: PolicyConfig, keys: list[str]) -> Section:
    s = Section("settlement", "未提交订单的结算方式与定金（settle.*）", keys, True,
                "结算方式和定金在下单（或修改明细）时已判定并保存，不重算；这里列出按新值会得出不同结论的订单，修改明细时将按新值重新判定。")
    qs = (Order.objects.filter(status__in=(OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.PENDING_APPROVAL,
                                           OrderStatus.AWAITING_PAYMENT))
          .select_related("customer").order_by("id"))
    for o in qs:
        s.checked += 1
        facts = order_facts(o.customer, o.total, o.custom_total, o.delivery_address, exclude_id=o.pk, deposits=o.paid_amount)
        a, b = order_rules.settlement_options(facts, old)[o.settlement], order_rules.settlement_options(facts, new)[o.settlement]
        dep_a, _ = order_rules.deposit_required(facts, old)
        dep_b, _ = order_rules.deposit_required(facts, new)
        if str(a.refused) == str(b.refused) and dep_a == dep_b:
            continue
        s.add(Row(f"订单 {o.number}（{o.customer.name}，{fmt(o.total)} 元）", f"/orders/{o.pk}/", o.get_status_display(),
                  _settle_text(o, a, dep_a), _settle_text(o, b, dep_b), f"已按制度版本 {_ver(o.policy_version)} 判定，不重算"))
    return s


PRECISE = {"credit_approval": _credit_approval, "line_price": _line_price, "invoice_min": _invoice_min,
           "cash_advance": _cash_advance, "delivery_promise": _delivery_promise, "settlement": _settlement}


# --- "may be affected" ------------------------------------------------------------------------------------

def _loose(doc: str, keys: list[str]) -> Section:
    titles = {
        "quotes": ("未结报价单", "/sales/quotes/{}/"), "contracts": ("未归档合同", "/orders/{}/"),
        "returns": ("处理中的退换货", "/orders/{}/"), "invoice_requests": ("未开票的开票申请", "/finance/invoices/"),
        "expenses": ("未完成的费用申请、付款/报销单、现金借支", "/expenses/"),
        "approvals": ("审批中的单据（审批时限、日历）", "/approvals/"), "credit": ("审批中的授信/信用单据", "/approvals/"),
        "orders": ("未发完的订单", "/orders/{}/"), "commission": ("提成", ""), "customers": ("客户与线索", ""),
    }
    title, link = titles[doc]
    s = Section(f"loose:{doc}", f"可能受影响：{title}", keys, False,
                "这些参数影响此后新作出的判定和新计算的期限；下列未结单据可能受影响，已作出的判定与已定的期限不重算。")
    items: list[tuple[str, str, str]] = []
    if doc == "quotes":
        for q in Quote.objects.filter(state__in=(QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED, QuoteState.SENT)):
            items.append((f"报价单 {q.number}", link.format(q.pk), q.get_state_display()))
    elif doc == "contracts":
        for c in Contract.objects.exclude(status__in=(ContractStatus.FILED, ContractStatus.CANCELLED)).select_related("order"):
            items.append((f"合同（订单 {c.order.number}）", link.format(c.order_id), c.get_status_display()))
    elif doc == "returns":
        for r in ReturnRequest.objects.exclude(status__in=(ReturnStatus.CREDITED, ReturnStatus.REJECTED)):
            items.append((f"退货单 {r.number}", link.format(r.order_id), r.get_status_display()))
    elif doc == "invoice_requests":
        for r in InvoiceRequest.objects.filter(state__in=(RequestState.WAITING, RequestState.PENDING_REVIEW, RequestState.APPROVED)):
            items.append((f"开票申请 {r.number}", link, r.get_state_display()))
    elif doc == "expenses":
        for e in ExpenseRequest.objects.filter(state=ExpenseRequest.State.PENDING):
            items.append((f"费用申请 {e.number}", link, e.get_state_display()))
        for p in PaymentDoc.objects.filter(state=PaymentDoc.State.PENDING):
            items.append((f"{p.get_kind_display()} {p.number}", f"/expenses/{p.pk}/", p.get_state_display()))
        for a in CashAdvance.objects.filter(state__in=(CashAdvance.State.PENDING, CashAdvance.State.APPROVED, CashAdvance.State.PAID)):
            items.append((f"现金借支单 {a.number}", f"/expenses/advances/{a.pk}/", a.get_state_display()))
    elif doc in ("approvals", "credit"):
        qs = ApprovalRequest.objects.filter(state=ApprovalRequest.State.PENDING)
        if doc == "credit":
            qs = qs.filter(doc_type__icontains="credit")
        for r in qs.order_by("id"):
            items.append((r.doc_label or f"{r.doc_type} {r.doc_id}", r.link or link, f"审批中（{_ver(r.policy_version)}）"))
    elif doc == "orders":
        for o in Order.objects.exclude(status__in=(OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CLOSED,
                                                   OrderStatus.CANCELLED)):
            items.append((f"订单 {o.number}", link.format(o.pk), o.get_status_display()))
    elif doc == "commission":
        s.note = "提成按回款计算：已计算的提成不重算，新值用于此后的回款。"
    elif doc == "customers":
        s.note = "影响此后新产生的客户期限（首次联系、录入、会谈纪要等）与查重；已生成的任务保留原期限。"
    for label, href, status in items:
        s.checked += 1
        s.add(Row(label, href, status, effect="可能受影响"))
    return s


def preview(changes: dict[str, Any], effective_at: datetime | None = None, *, documents: bool = True) -> Preview:
    """Which open documents would be decided differently if ``changes`` took effect at ``effective_at``.
    Without ``documents`` (the system administrator, who sees no business data: permissions.reads_business_data)
    each section gives only its counts."""
    now = timezone.now()
    eff = effective_time(effective_at, now)
    base = get_policy(at=eff)
    chk = pv.check_change(changes or {}, base.values, reason="（预览）", effective_at=effective_at or now, now=now)
    new = PolicyConfig(values={**base.values, **chk.values}, version=-1)
    rows = [{"key": k, "label": pv.setting(k).label, "old": pv.display(base[k], k), "new": pv.display(v, k),
             "unit": pv.setting(k).unit} for k, v in chk.values.items()]
    sections = [PRECISE[f](base, new, _keys(chk.values, f)) for f in pv.families_for(chk.values)]
    for doc in pv.loose_for(chk.values):
        keys = [k for k in chk.values if any(k.startswith(p) for prefixes, d in pv.LOOSE if d == doc for p in prefixes)]
        sections.append(_loose(doc, keys))
    note = (f"已作出的判定不重算：审批中的单据按提交时的制度版本继续（现行为 {_ver(base.version)}），"
            "已定的价格、审批人、定金和承诺日期保持不变；新版本只用于生效后新作出的判定。")
    if not documents:
        for s in sections:
            s.more, s.rows = s.more + len(s.rows), []
    return Preview(effective_at=eff, base_version=base.version, changes=rows, errors=chk.errors, sections=sections,
                   pinned_note=note)
