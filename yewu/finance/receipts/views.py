"""Receipt pages (回款): list, record, detail with allocation and reversal, the printed receipt."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yewu.common.errors import YewuError
from yewu.common.views import picker_answer
from yewu.customers.selectors import pick
from yewu.finance.receivables import balances
from yewu.org.permissions import can
from yewu.policy.receivables import RECEIPT_METHODS

from .. import documents
from ..access import money_customers
from ..models import ReceiptStatus
from ..pages import customer_choices, parse_date, show_error
from . import selectors, services


@login_required
def home(request):
    return redirect("finance:receipts")


@login_required
def receipt_list(request):
    qs = selectors.receipts_visible_to(request.user)
    cid = request.GET.get("customer") or ""
    st = request.GET.get("status") or ""
    if cid.isdigit():
        qs = qs.filter(customer_id=int(cid))
    if st in ReceiptStatus.values:
        qs = qs.filter(status=st)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "finance/receipt_list.html", {
        "page": page, "customers": customer_choices(request, cid), "cid": cid, "st": st, "statuses": ReceiptStatus.choices,
        "can_record": can(request.user, "records_receipts"),
    })


@login_required
@require_GET
def customer_search(request):
    """JSON for the money pages' customer pickers (receipts, receivables, invoices): the customers whose money the
    user may read matching ``q`` (name, pinyin initials, phone)."""
    return picker_answer(lambda: pick(money_customers(request.user), request.GET.get("q", "")))


@login_required
def receipt_new(request):
    if not can(request.user, "records_receipts"):
        messages.error(request, "回款只能由财务或出纳登记（sod.receipt_recorder）")
        return redirect("finance:receipts")
    data = {"arrived_on": timezone.localdate().isoformat(), "method": "transfer", "auto": "1",
            **{k: v for k in ("customer_id", "for_order_id") if (v := request.GET.get(k, "")).isdigit()}}  # from an order
    if request.method == "POST":
        data = request.POST.dict()
        try:
            r = services.create_receipt(
                request.user, customer_id=int(data.get("customer_id") or 0), amount=data.get("amount", ""),
                arrived_on=parse_date(data.get("arrived_on")), method=data.get("method", "transfer"),
                reference=data.get("reference", ""), payer=data.get("payer", ""), note=data.get("note", ""),
                for_order_id=int(data["for_order_id"]) if (data.get("for_order_id") or "").isdigit() else None,
                auto=bool(data.get("auto")))
            messages.success(request, f"回款 {r.number} 已登记，分配 {r.allocated:,.2f}，客户余额 "
                                      f"{balances.customer_credit_balance(r.customer_id):,.2f}")
            return redirect("finance:receipt", pk=r.pk)
        except YewuError as e:
            show_error(request, e)
    return render(request, "finance/receipt_new.html", {
        "data": data, "customers": customer_choices(request, data.get("customer_id")), "methods": RECEIPT_METHODS.items()})


@login_required
def receipt_detail(request, pk):
    r = selectors.receipt_for(request.user, pk)
    if r is None:
        raise Http404
    opens = balances.open_orders(r.customer_id) if r.status == ReceiptStatus.POSTED else []
    return render(request, "finance/receipt_detail.html", {
        "r": r, "allocations": r.allocations.select_related("order", "created_by"), "opens": opens,
        "balance": balances.customer_credit_balance(r.customer_id),
        "can_allocate": can(request.user, "allocates_receipts_by_hand") and r.unallocated > 0,
        "can_auto": can(request.user, "records_receipts") and r.unallocated > 0 and bool(opens),
        "can_reverse": can(request.user, "records_receipts") and r.status == ReceiptStatus.POSTED,
    })


@login_required
@require_POST
def receipt_action(request, pk, action):
    r = selectors.receipt_for(request.user, pk)
    if r is None:
        raise Http404
    try:
        if action == "allocate":
            pairs = [(int(k[6:]), v) for k, v in request.POST.items() if k.startswith("alloc_") and v.strip()]
            services.allocate(request.user, pk, pairs)
            messages.success(request, "已按手工分配入账")
        elif action == "auto":
            services.allocate(request.user, pk, None)
            messages.success(request, "已按到期先后自动分配")
        elif action == "reverse":
            services.reverse_receipt(request.user, pk, request.POST.get("reason", ""))
            messages.success(request, "已红冲：分配、订单余额和提成已全部冲回")
        else:
            raise Http404
    except YewuError as e:
        show_error(request, e)
    return redirect("finance:receipt", pk=pk)


@login_required
def receipt_pdf(request, pk):
    r = selectors.receipt_for(request.user, pk)
    if r is None:
        raise Http404
    resp = HttpResponse(documents.receipt_pdf(r), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{r.number}.pdf"'
    return resp
