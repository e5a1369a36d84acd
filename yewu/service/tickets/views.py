"""CS pages: the service desk (home), the phone-friendly quick entry, the ticket page with the service card."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can
from yewu.policy import service as rules

from ..complaints import selectors as complaint_selectors
from ..models import Complaint, Ticket
from ..revisits import selectors as visit_selectors
from ..web import need, refused
from . import selectors, services


@login_required
def desk(request):
    u = request.user
    now = timezone.now()
    tickets = list(selectors.tickets_visible_to(u).filter(state=Ticket.State.OPEN).order_by("due_at")[:50])
    complaints = list(complaint_selectors.list_complaints(u, open_only=True))
    mine = [c for c in complaints if u.id in (c.leader_id,) and c.step in ("proposing", "selecting", "implementing")]
    return render(request, "service/desk.html", {
        "tickets": tickets, "complaints": [{"c": c, "holder": complaint_selectors.holder(c),
                                            "overdue": bool(c.step_due_at and c.step_due_at < now)} for c in complaints],
        "mine": mine, "now": now, "tasks": visit_selectors.due_tasks(8) if can(u, "records_return_visits") else [],
        "origins": selectors.enquiry_origins() if can(u, "manages_service") else [],
    })


@login_required
def new_ticket(request):
    need(request.user, "handles_tickets")
    form = request.POST if request.method == "POST" else request.GET
    q = (request.GET.get("q") or "").strip()
    hits = selectors.find_customers(request.user, q) if q else []
    chosen = None
    cid = form.get("customer_id")
    if cid and cid.isdigit():
        chosen = selectors.customer_for(request.user, int(cid))
    if request.method == "POST":
        data = services.TicketIn(**{k: form.get(k, "") for k in (
            "type", "channel", "content", "caller_name", "caller_phone", "region", "category", "claim_amount",
            "claim_materials", "solutions_discussed")}, customer_id=chosen.pk if chosen else None,
            received_at=form.get("received_at") or None)
        try:
            t = services.create_ticket(request.user, data)
        except YewuError as e:
            refused(request, e)
        else:
            messages.success(request, f"已受理 {t.number}：首次答复期限 {timezone.localtime(t.due_at):%Y-%m-%d %H:%M}"
                                      f" [ticket.first_response_1wd]")
            return redirect(f"/service/tickets/{t.pk}/")
    return render(request, "service/ticket_new.html", {
        "q": q, "hits": hits, "chosen": chosen, "form": form, "types": rules.TICKET_TYPES, "channels": rules.CHANNELS,
        "categories": rules.COMPLAINT_CATEGORIES})


@login_required
def ticket(request, pk: int):
    t = selectors.ticket_for(request.user, pk)
    if t is None:
        raise Http404
    complaint = Complaint.objects.filter(ticket=t).first()
    return render(request, "service/ticket.html", {
        "t": t, "card": selectors.service_card(t.customer) if t.customer_id else None, "complaint": complaint,
        "overdue": t.state == Ticket.State.OPEN and t.due_at < timezone.now()})


@login_required
@require_POST
def respond(request, pk: int):
    if selectors.ticket_for(request.user, pk) is None:
        raise Http404
    try:
        services.respond(request.user, pk, request.POST.get("response", ""), transfer=request.POST.get("transfer") == "1")
        messages.success(request, "已答复")
    except YewuError as e:
        refused(request, e)
    return redirect(f"/service/tickets/{pk}/")


@login_required
def ticket_list(request):
    rows = selectors.list_tickets(request.user, q=request.GET.get("q", ""), state=request.GET.get("state", ""),
                                  type=request.GET.get("type", ""), limit=200)
    return render(request, "service/tickets.html", {"rows": rows, "states": Ticket.State.choices,
                                                    "types": rules.TICKET_TYPES, "now": timezone.now()})
