"""Cashier pages: the pay queue, the cash journal (PDF, Excel), daily counts, the bank reconciliation."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.expenses import base
from yewu.expenses.claims import selectors as claim_reads
from yewu.org.permissions import can
from yewu.policy.expenses import CASH_DENOMINATIONS

from .. import documents
from ..handlers import page_for_cash_staff, pdf_response, show_error, show_warnings, xlsx_response
from ..models import (
    BankReconciliation,
    CashCount,
    CashException,
    DepositTask,
    PaymentDoc,
)
from . import selectors, services


@login_required
def cashier(request):
    page_for_cash_staff(request)
    docs, advs = claim_reads.pay_queue()
    return render(request, "expenses/cashier.html", {
        "docs": docs, "advs": advs, "vouchers": claim_reads.vouchers_to_review()[:50], "today": base.today(),
        "balance": selectors.balance_total(), "is_cash": can(request.user, "keeps_cash"),
        "tasks": DepositTask.objects.filter(done_at=None),
    })


def _range(request):
    t = base.today()
    try:
        start = date.fromisoformat(request.GET.get("start", "")) if request.GET.get("start") else t.replace(day=1)
        end = date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else t
    except ValueError:
        start, end = t.replace(day=1), t
    return start, end


@login_required
def journal(request):
    page_for_cash_staff(request)
    if request.method == "POST":
        kind = request.POST.get("direction")
        amt = request.POST.get("amount", "")
        data = {"receipt": amt if kind == "in" else None, "payment": amt if kind == "out" else None,
                "summary": request.POST.get("summary", ""), "source": request.POST.get("source", "other"),
                "for_payment_id": request.POST.get("for_payment_id") or None}
        try:
            e, on_hand = services.post_entry(request.user, data)
            messages.success(request, f"已登记 {e.number}")
            show_warnings(request, on_hand)
        except YewuError as e:
            show_error(request, e)
        return redirect("expenses:journal")
    start, end = _range(request)
    j = selectors.journal(start, end)
    return render(request, "expenses/journal.html", {
        "j": j, "start": start, "end": end, "is_cash": can(request.user, "keeps_cash"),
        "tasks": DepositTask.objects.filter(done_at=None), "exceptions": CashException.objects.all()[:20],
        "large_docs": PaymentDoc.objects.filter(method="cash", state__in=["approved", "pending"]).exclude(large_cash_notified_on=None),
    })


@login_required
def journal_xlsx(request):
    page_for_cash_staff(request)
    start, end = _range(request)
    resp = HttpResponse(documents.journal_xlsx(selectors.journal(start, end), start, end),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="cash-journal-{start}-{end}.xlsx"'
    return resp


@login_required
def journal_pdf(request):
    """现金日记账 for the chosen period as PDF (the same period as the page and the Excel export)."""
    page_for_cash_staff(request)
    start, end = _range(request)
    return pdf_response(documents.journal_pdf(selectors.journal(start, end), start, end), f"cash-journal-{start}-{end}")


@login_required
def counts(request):
    page_for_cash_staff(request)
    if request.method == "POST":
        denoms = {f: request.POST.get(f"d_{f}") or 0 for f in CASH_DENOMINATIONS}
        try:
            c = services.record_count(request.user, {"kind": request.POST.get("kind", "daily"), "denominations": denoms,
                                                     "explanation": request.POST.get("explanation", "")})
            messages.success(request, f"盘点已保存：实点 {c.counted}，账面 {c.book}，差额 {c.difference}")
            return redirect("expenses:count", pk=c.pk)
        except YewuError as e:
            show_error(request, e)
    return render(request, "expenses/counts.html", {
        "rows": CashCount.objects.select_related("cashier", "witness")[:60], "faces": CASH_DENOMINATIONS,
        "book": selectors.balance_at(base.today()), "is_cash": can(request.user, "keeps_cash"),
    })


@login_required
def count_detail(request, pk):
    page_for_cash_staff(request)
    c = get_object_or_404(CashCount, pk=pk)
    if request.method == "POST":
        try:
            services.witness_count(request.user, pk)
            messages.success(request, "已监盘签字")
        except YewuError as e:
            show_error(request, e)
        return redirect("expenses:count", pk=pk)
    if request.GET.get("pdf"):
        return count_pdf(request, pk)
    faces = [(f, int(c.denominations.get(f, 0))) for f in CASH_DENOMINATIONS]
    return render(request, "expenses/count_detail.html", {
        "c": c, "faces": faces, "can_witness": c.kind == "monthly" and not c.witness_id and can(request.user, "witnesses_cash_counts")
        and request.user.pk != c.cashier_id})


def _count(request, pk) -> CashCount:
    page_for_cash_staff(request)
    return get_object_or_404(CashCount.objects.select_related("cashier", "witness"), pk=pk)


@login_required
def count_pdf(request, pk):
    """现金盘点表 PDF (`cash.daily_count`; the month-end formal count carries the witness's signature)."""
    c = _count(request, pk)
    return pdf_response(documents.count_pdf(c), c.number)


@login_required
def count_xlsx(request, pk):
    """现金盘点表 as Excel — the same content as its PDF."""
    c = _count(request, pk)
    return xlsx_response(documents.count_xlsx(c), c.number)


def _recon_form(request) -> dict:
    data = {k: request.POST.get(k, "") for k in ("account", "month", "book_balance", "bank_balance")}
    for key in services.RECON_GROUPS:
        data[key] = [{"date": d, "description": desc, "amount": amt}
                     for d, desc, amt in zip(request.POST.getlist(f"{key}_date"), request.POST.getlist(f"{key}_desc"),
                                             request.POST.getlist(f"{key}_amount"), strict=False) if desc or amt]
    return data


def _saved_recon(request, pk) -> dict:
    page_for_cash_staff(request)
    r = BankReconciliation.objects.filter(pk=pk).select_related("prepared_by").first()
    if r is None:
        raise Http404
    return {"number": r.number, "account": r.account, "month": r.month, "book": r.book_balance, "bank": r.bank_balance,
            "items": r.items, "made_on": timezone.localdate(r.created_at), "prepared_by": r.prepared_by.name}


@login_required
def bank_xlsx(request, pk):
    """The saved 银行存款余额调节表 as Excel — the same content as its PDF."""
    x = _saved_recon(request, pk)
    return xlsx_response(documents.recon_xlsx(**x), x["number"])


@login_required
@require_POST
def bank_preview_xlsx(request):
    """The table as entered, before saving, as Excel — an unbalanced one carries its 不平 line."""
    return _draft_recon(request, documents.recon_xlsx, xlsx_response)


def _draft_recon(request, build, respond):
    """The reconciliation as typed, checked but not saved, as a draft document (PDF or Excel)."""
    page_for_cash_staff(request)
    try:
        x = services.check_reconciliation(request.user, _recon_form(request))
    except YewuError as e:
        show_error(request, e)
        return redirect("expenses:bank")
    return respond(build(number="（草稿，未保存）", account=x["account"], month=x["month"], book=x["book"], bank=x["bank"],
                         items=x["items"], made_on=timezone.localdate(), prepared_by=request.user.name, draft=True),
                   f"recon-{x['month']}-draft")


@login_required
def bank_pdf(request, pk):
    """银行存款余额调节表 PDF of a saved table (`bank.monthly_reconciliation`)."""
    x = _saved_recon(request, pk)
    return pdf_response(documents.recon_pdf(**x), x["number"])


@login_required
@require_POST
def bank_preview(request):
    """Print the table as entered, before saving — an unbalanced one prints with its 不平 mark."""
    return _draft_recon(request, documents.recon_pdf, pdf_response)


@login_required
def bank(request):
    page_for_cash_staff(request)
    data: dict = {}
    if request.method == "POST":
        data = _recon_form(request)
        try:
            rec = services.save_reconciliation(request.user, data)
            messages.success(request, f"调节表 {rec.number} 已保存：调节后余额 {rec.adjusted_balance}")
            return redirect("expenses:bank")
        except YewuError as e:
            show_error(request, e)
    return render(request, "expenses/bank.html", {
        "rows": BankReconciliation.objects.filter(voided=False)[:36], "groups": services.RECON_GROUPS.items(), "data": data,
        "blank": range(2),
    })
