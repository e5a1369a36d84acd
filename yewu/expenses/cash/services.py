"""The cash journal and its controls: posting and reversing entries (`cash.no_netting`,
`cash.max_on_hand_5000`), daily counts with a witness (`cash.daily_count`, `sod.count_witness`), the monthly bank
reconciliation (`bank.monthly_reconciliation`) and the nightly checks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yewu.audit.services import record, snapshot
from yewu.common.errors import Conflict, NotFound, PermissionDenied, RuleRefused, ValidationError
from yewu.common.jobs import notify
from yewu.common.locks import lock
from yewu.common.numbering import next_number
from yewu.common.text import clean_text
from yewu.expenses import base
from yewu.expenses.advances.selectors import overdue_advances
from yewu.expenses.base import choice, date_input, money_input, refuse
from yewu.expenses.cash.selectors import balance_at, balance_total, reserved_for_large_payments
from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy, users_with_ability
from yewu.policy import Decision, Reason
from yewu.policy import expenses as rules

from ..models import (
    BankReconciliation,
    CashCount,
    CashEntry,
    CashException,
    DepositTask,
    Method,
    PaymentDoc,
)


def post(actor: User, *, direction: str, amount: Decimal, summary: str, source: str, day: date, payment_doc=None,
          advance=None, for_payment=None, reverses=None, reason: str = "", check_balance: bool = True) -> tuple[CashEntry, Decision]:
    """Post one journal entry under the journal lock; returns the entry and the cash-on-hand decision."""
    cfg = get_policy()
    lock("cash_journal")
    last = CashEntry.objects.order_by("-entry_date", "-id").first()
    if last is not None and day < last.entry_date:
        raise ValidationError(f"日记账按日期顺序登记：最近一笔为 {last.entry_date}，不能登记 {day} 的收付",
                              fields={"entry_date": f"不早于 {last.entry_date}"}, rule="cash.no_netting")
    before = balance_total()
    if reverses is None:
        d = rules.journal_entry(receipt=amount if direction == CashEntry.Direction.IN else None,
                                payment=amount if direction == CashEntry.Direction.OUT else None,
                                balance_before=before if check_balance else Decimal("1e12"))
        refuse(d)
    elif direction == CashEntry.Direction.IN and before + amount < 0:  # reversing a receipt that was already spent
        refuse(Decision.refuse(Reason("cash.no_netting", f"库存现金 {rules.fmt(before)} 元不足以红冲 {rules.fmt(-amount)} 元",
                                       "not enough cash to reverse the receipt", {"balance": before})))
    e = CashEntry.objects.create(number=next_number("XJ", day), entry_date=day, direction=direction, amount=amount, summary=summary,
                                 source=source, payment_doc=payment_doc, advance=advance, for_payment=for_payment,
                                 reverses=reverses, reason=reason, recorded_by=actor)
    after = balance_at(day)
    on_hand = rules.cash_on_hand(balance=after, reserved=reserved_for_large_payments(day), cfg=cfg)
    record(actor=actor, action="reverse" if reverses else "create", obj=e, after={**snapshot(e), "balance_after": after},
           rule="cash.no_netting", reason=reason, decision=on_hand if on_hand.reasons else None, policy_version=cfg.version)
    if on_hand.reasons and direction == CashEntry.Direction.IN and e.amount > 0:
        task = DepositTask.objects.create(day=day, amount=on_hand.data["excess"], entry=e)
        record(actor=actor, action="create", obj=task, after=snapshot(task), rule="cash.max_on_hand_5000")
        for u in users_with_ability("keeps_cash"):
            notify(u, f"deposit:{task.pk}", on_hand.reasons[0].message, rule="cash.max_on_hand_5000", link="/expenses/journal/")
    if direction == CashEntry.Direction.OUT or e.amount < 0:
        if not on_hand.reasons:  # back within the limit (deposited or paid out): the open deposit tasks are done
            for t in DepositTask.objects.select_for_update().filter(done_at=None, day__lte=day):
                t.done_entry, t.done_at = e, timezone.now()
                t.save(update_fields=["done_entry", "done_at"])
                record(actor=actor, action="update", obj=t, after=snapshot(t, ["done_entry", "done_at"]), rule="cash.max_on_hand_5000")
    return e, on_hand


@transaction.atomic
def post_entry(actor: User, data: dict) -> tuple[CashEntry, Decision]:
    """A manual journal entry by the cashier: a receipt (``receipt``) or a payment (``payment``), never both."""
    if not can(actor, "keeps_cash"):
        raise PermissionDenied("现金日记账由出纳登记")
    receipt = money_input(data.get("receipt"), "receipt", "收入金额", required=False, allow_zero=True)
    payment = money_input(data.get("payment"), "payment", "支出金额", required=False, allow_zero=True)
    d = rules.journal_entry(receipt=receipt, payment=payment, balance_before=Decimal("1e12"))
    if d.refused:
        err = RuleRefused.from_decision(d)
        err.fields = {"receipt": d.reasons[0].message, "payment": d.reasons[0].message}
        raise err
    summary = clean_text(data.get("summary"), field="summary", label="摘要", max_len=200, required=True)
    direction = CashEntry.Direction.IN if receipt else CashEntry.Direction.OUT
    allowed = ({"bank_withdrawal", "customer", "other"} if direction == CashEntry.Direction.IN else {"bank_deposit", "other"})
    source = data.get("source") or "other"
    if source not in allowed:
        raise ValidationError(f"来源 {source} 不适用于{'收入' if receipt else '支出'}；付款/借支请在付款队列中办理",
                              fields={"source": "、".join(sorted(allowed))}, rule="cash.no_netting")
    for_payment = None
    if data.get("for_payment_id") not in (None, ""):
        for_payment = PaymentDoc.objects.filter(pk=data.get("for_payment_id"), method=Method.CASH).exclude(large_cash_notified_on=None).first()
        if for_payment is None or source != "bank_withdrawal" or for_payment.state not in (PaymentDoc.State.APPROVED, PaymentDoc.State.PENDING):
            raise ValidationError("只有为已预告的大额现金付款（未付）提现时才能关联付款单", fields={"for_payment_id": "无效"},
                                  rule="cash.max_on_hand_5000")
    day = date_input(data.get("entry_date"), "entry_date", "日期", required=False) or base.today()
    if day > base.today():
        raise ValidationError("日期不能晚于今天", fields={"entry_date": "不能晚于今天"})
    return post(actor, direction=direction, amount=receipt or payment, summary=summary, source=source, day=day,
                 for_payment=for_payment)


def reverse(actor: User, e: CashEntry, reason: str) -> CashEntry:
    if e.reverses_id or CashEntry.objects.filter(reverses=e).exists():
        raise Conflict(f"{e.number} 已红冲或本身是红冲分录，不能再次红冲", rule="cash.no_netting")
    r, _ = post(actor, direction=e.direction, amount=-e.amount, summary=f"红冲 {e.number}：{reason}"[:200], source=e.source,
                 day=max(base.today(), CashEntry.objects.order_by("-entry_date").values_list("entry_date", flat=True).first() or base.today()),
                 payment_doc=e.payment_doc, advance=e.advance, reverses=e, reason=reason)
    return r


@transaction.atomic
def reverse_entry(actor: User, entry_id: int, reason: str) -> CashEntry:
    """红冲 a manual journal entry (same column, negative amount) with a reason; documents are voided instead."""
    if not can(actor, "keeps_cash_books"):
        raise PermissionDenied("只有出纳或财务可以红冲")
    reason = clean_text(reason, field="reason", label="红冲原因", max_len=300, required=True)
    e = CashEntry.objects.select_for_update().filter(pk=entry_id).first()
    if e is None:
        raise NotFound("分录不存在")
    if e.payment_doc_id or e.advance_id:
        raise Conflict("付款/借支产生的分录请通过作废单据红冲", rule="cash.no_netting")
    return reverse(actor, e, reason)


@transaction.atomic
def record_count(actor: User, data: dict) -> CashCount:
    if not can(actor, "keeps_cash"):
        raise PermissionDenied("现金盘点由出纳填写", rule="cash.daily_count")
    kind = choice(data.get("kind") or "daily", CashCount.Kind, "kind", "盘点类型")
    raw = data.get("denominations") or {}
    if not isinstance(raw, dict) or not raw:
        raise ValidationError("请按券别填写张数", fields={"denominations": "按券别填写"}, rule="cash.daily_count")
    denoms: dict[str, int] = {}
    for face, n in raw.items():
        face = str(face)
        if face not in rules.CASH_DENOMINATIONS:
            raise ValidationError(f"无效券别：{face}", fields={"denominations": "、".join(rules.CASH_DENOMINATIONS)}, rule="cash.daily_count")
        try:
            cnt = int(n or 0)
        except (TypeError, ValueError):
            raise ValidationError(f"券别 {face} 的张数无效：{n}", fields={f"denominations.{face}": "整数"}) from None
        if cnt < 0 or cnt > 1_000_000:
            raise ValidationError(f"券别 {face} 的张数无效：{n}", fields={f"denominations.{face}": "0 或正整数"})
        if cnt:
            denoms[face] = cnt
    day = base.today()
    counted = rules.count_total(denoms)
    book = balance_at(day)
    explanation = clean_text(data.get("explanation"), field="explanation", label="差异说明", max_len=300)
    d = rules.check_count(book=book, counted=counted, explanation=explanation)
    if d.refused:
        err = RuleRefused.from_decision(d)
        err.fields = {"explanation": d.reasons[0].message}
        raise err
    c = CashCount.objects.create(number=next_number("PD", day), day=day, kind=kind, denominations=denoms, counted=counted, book=book,
                                 difference=d.data["difference"], explanation=explanation, cashier=actor)
    record(actor=actor, action="create", obj=c, after=snapshot(c), rule="cash.daily_count")
    if kind == CashCount.Kind.MONTHLY:
        for u in users_with_ability("hears_cash_counts"):
            if u.pk != actor.pk:
                notify(u, f"count:{c.pk}", f"月末现金盘点表 {c.number} 待监盘签字", rule="sod.count_witness", link=f"/expenses/counts/{c.pk}/")
    return c


@transaction.atomic
def witness_count(actor: User, count_id: int) -> CashCount:
    c = CashCount.objects.select_for_update().filter(pk=count_id).first()
    if c is None:
        raise NotFound("盘点表不存在")
    if c.witness_id:
        raise Conflict("已监盘签字", rule="sod.count_witness")
    refuse(rules.check_witness(cashier_id=c.cashier_id, witness_id=actor.pk, witness_roles=actor.role_set), status=403)
    c.witness, c.witnessed_at = actor, timezone.now()
    c.save(update_fields=["witness", "witnessed_at"])
    record(actor=actor, action="approve", obj=c, after=snapshot(c, ["witness", "witnessed_at"]), rule="sod.count_witness")
    return c


RECON_GROUPS = {
    "bank_credited_not_booked": "银行已收、企业未收",
    "bank_debited_not_booked": "银行已付、企业未付",
    "booked_not_credited": "企业已收、银行未收",
    "booked_not_debited": "企业已付、银行未付",
}


def check_reconciliation(actor: User, data: dict) -> dict:
    """Parse and check a 银行存款余额调节表 without saving (also for printing a draft): returns the clean figures
    and the `bank.monthly_reconciliation` decision (refused = 不平)."""
    if not can(actor, "keeps_cash_books"):
        raise PermissionDenied("银行存款余额调节表由出纳或财务编制", rule="bank.monthly_reconciliation")
    account = clean_text(data.get("account"), field="account", label="银行账户", max_len=100, required=True)
    month = str(data.get("month") or "").strip()
    try:
        date.fromisoformat(month + "-01")
    except ValueError:
        raise ValidationError(f"月份格式为 YYYY-MM：{month}", fields={"month": "YYYY-MM"}) from None
    book = money_input(data.get("book_balance"), "book_balance", "企业账面余额", allow_zero=True)
    bank = money_input(data.get("bank_balance"), "bank_balance", "银行对账单余额", allow_zero=True)
    items: dict[str, list] = {}
    sums: dict[str, Decimal] = {}
    for key, label in RECON_GROUPS.items():
        rows = []
        for i, it in enumerate(data.get(key) or []):
            rows.append({"date": str(date_input(it.get("date"), f"{key}.{i}.date", f"{label}第 {i + 1} 项日期", required=False) or ""),
                         "description": clean_text(it.get("description"), field=f"{key}.{i}.description", label=f"{label}第 {i + 1} 项摘要",
                                                   max_len=200, required=True),
                         "amount": money_input(it.get("amount"), f"{key}.{i}.amount", f"{label}第 {i + 1} 项金额")})
        items[key] = rows
        sums[key] = sum((r["amount"] for r in rows), Decimal("0.00"))
    d = rules.reconcile(book=book, bank=bank, **sums)
    return {"account": account, "month": month, "book": book, "bank": bank, "items": items, "sums": sums, "decision": d}


@transaction.atomic
def save_reconciliation(actor: User, data: dict) -> BankReconciliation:
    x = check_reconciliation(actor, data)
    account, month, book, bank, items, d = x["account"], x["month"], x["book"], x["bank"], x["items"], x["decision"]
    refuse(d)
    if BankReconciliation.objects.filter(account=account, month=month, voided=False).exists():
        raise Conflict(f"{account} {month} 的调节表已存在", rule="bank.monthly_reconciliation")
    rec = BankReconciliation.objects.create(number=next_number("TJ", base.today()), account=account, month=month, book_balance=book, bank_balance=bank,
                                            items={k: [{**r, "amount": str(r["amount"])} for r in v] for k, v in items.items()},
                                            adjusted_balance=d.data["adjusted"], prepared_by=actor)
    record(actor=actor, action="create", obj=rec, after=snapshot(rec), rule="bank.monthly_reconciliation", decision=d)
    return rec


def run_nightly(day: date | None = None) -> dict:
    """Check the day that just ended (yesterday by default). Idempotent: one exception per (day, kind), one
    notification per (user, advance, day)."""
    cfg = get_policy()
    day = day or (base.today() - timedelta(days=1))
    out = {"excess": 0, "no_count": 0, "overdue_advances": 0}
    with transaction.atomic():
        bal = balance_at(day)
        reserved = reserved_for_large_payments(day)
        d = rules.cash_on_hand(balance=bal, reserved=reserved, cfg=cfg)
        if d.reasons and not CashException.objects.filter(day=day, kind=CashException.Kind.EXCESS).exists():
            x = CashException.objects.create(day=day, kind=CashException.Kind.EXCESS, rule="cash.max_on_hand_5000", balance=bal,
                                             reserved=reserved, limit=cfg["cash.max_on_hand_5000.max_amount"], excess=d.data["excess"],
                                             message=f"{day:%Y-%m-%d} 日终" + d.reasons[0].message)
            record(actor=None, action="create", obj=x, after=snapshot(x), rule="cash.max_on_hand_5000", decision=d)
            out["excess"] = 1
        active = get_calendar().is_working_day(day) and CashEntry.objects.filter(entry_date__lte=day).exists()
        if active and not CashCount.objects.filter(day=day).exists() and \
                not CashException.objects.filter(day=day, kind=CashException.Kind.NO_COUNT).exists():
            x = CashException.objects.create(day=day, kind=CashException.Kind.NO_COUNT, rule="cash.daily_count", balance=bal,
                                             message=f"{day:%Y-%m-%d} 未做每日现金盘点（账面 {rules.fmt(bal)} 元）")
            record(actor=None, action="create", obj=x, after=snapshot(x), rule="cash.daily_count")
            out["no_count"] = 1

    listed_on = day + timedelta(days=1)
    recipients = list(users_with_ability("hears_overdue_advances"))
    for adv in overdue_advances(listed_on):
        out["overdue_advances"] += 1
        msg = f"借支逾期：{adv.number} {adv.borrower.name} ¥{adv.amount:,.2f}，应于 {adv.due_date:%Y-%m-%d} 前还款或报销"
        for u in {adv.borrower, *recipients}:
            notify(u, f"adv_overdue:{adv.pk}:{listed_on}", msg, rule="cash.advance_max_3000", link="/expenses/advances/overdue/")
    return out
