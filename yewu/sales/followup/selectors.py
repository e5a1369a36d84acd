"""Follow-up reads: the manager's 24 h list (``quote.nonstandard_24h``) and the lost-quote coaching tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from yewu.catalog.models import PriceRequest, RequestState
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar, get_policy
from yewu.policy.pricing import age_hours, nonstandard_due

from ..models import CoachingTask, Quote, QuoteState

OPEN_FOR_24H = (QuoteState.DRAFT, QuoteState.SUBMITTED, QuoteState.APPROVED)


def overdue_quote_requests(team_ids, now=None, include_warning: bool = True) -> list[dict]:
    """``quote.nonstandard_24h`` for the SM work list: open quotes with a non-standard/harness line whose
    24 h answer deadline has passed (``overdue``) or is within the warning window (``warning``), and
    pending finance price requests for such products, for owners in ``team_ids`` (None = all teams).
    Overdue first, then by due time."""

    now = now or timezone.now()
    out: list[dict] = []
    qs = Quote.objects.filter(state__in=OPEN_FOR_24H, response_due_at__isnull=False).select_related("customer", "owner")
    if team_ids is not None:
        qs = qs.filter(team_id__in=list(team_ids))
    qs = qs.filter(response_warn_at__lte=now) if include_warning else qs.filter(response_due_at__lte=now)
    for q in qs.order_by("response_due_at"):
        state = "overdue" if q.response_due_at <= now else "warning"
        out.append({
            "kind": "quote", "id": q.pk, "number": q.number, "customer": q.customer.name, "owner": str(q.owner),
            "owner_id": q.owner_id, "received_at": q.received_at, "due_at": q.response_due_at, "state": state,
            "age_hours": age_hours(q.received_at, now), "rule": "quote.nonstandard_24h", "link": f"/sales/quotes/{q.pk}/",
        })
    rq = PriceRequest.objects.filter(state=RequestState.PENDING, due_at__isnull=False).select_related("product", "requested_by", "customer")
    if team_ids is not None:
        rq = rq.filter(team_id__in=list(team_ids))

    cfg, cal = get_policy(), get_calendar()
    for r in rq:
        warn, due = nonstandard_due(r.received_at, cfg, cal)
        if now < warn or (not include_warning and now < due):
            continue
        out.append({
            "kind": "price_request", "id": r.pk, "number": f"价格申请 #{r.pk}", "customer": r.customer.name if r.customer else "",
            "owner": str(r.requested_by), "owner_id": r.requested_by_id, "received_at": r.received_at, "due_at": due,
            "state": "overdue" if now >= due else "warning", "age_hours": age_hours(r.received_at, now),
            "rule": "quote.nonstandard_24h", "link": "/catalog/requests/",
        })
    out.sort(key=lambda d: (d["state"] != "overdue", d["due_at"]))
    return out


def coaching_tasks_for(user) -> QuerySet:
    """Lost-quote coaching tasks (daily.shortfall_coaching): the SP sees own, the SM the team's (and tasks
    assigned to them), GM all. Open first, by due time."""

    qs = CoachingTask.objects.select_related("quote", "quote__customer", "salesperson", "coach", "done_by")
    if can(user, "coaches_any_team"):
        return qs
    q = Q(salesperson=user) | Q(coach=user)
    if can(user, "coaches_salespeople"):
        teams = list(user.managed_teams.values_list("id", flat=True))
        if teams:
            q |= Q(team_id__in=teams) | Q(salesperson__team_id__in=teams)
    return qs.filter(q)
