"""Reads for service jobs: CS/CSM and the GM see all; a technician the jobs assigned to them; an SP/SM the jobs of
customers they may see (the tickets scope applies the same customer rule); finance the paid jobs (A, B) it invoices."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Avg, Q, QuerySet
from django.utils import timezone

from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids
from yewu.policy import service as rules

from ..models import MaintenanceContract, ServiceJob, Survey


def jobs_visible_to(user: User) -> QuerySet[ServiceJob]:
    qs = ServiceJob.objects.select_related("customer", "technician")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if can(user, "sees_all_tickets"):
        return qs
    q = Q(technician=user)
    if can(user, "sees_team_service"):
        q |= Q(customer__owner__team_id__in=managed_team_ids(user))
    if can(user, "sees_own_customers_service"):
        q |= Q(customer__owner=user)
    if can(user, "reads_paid_service_jobs"):  # service.close_signature: finance checks the fee it invoices
        q |= Q(category__in=rules.PAID_CATEGORIES)
    return qs.filter(q)


def job_queue(user: User, now=None) -> list[ServiceJob]:
    """The jobs list in the dispatcher's order (`service.dispatch`): calls left undispatched on an earlier day first,
    then the other open jobs by arrival deadline, then the closed ones."""
    day = timezone.localdate(now or timezone.now())
    rows = list(jobs_visible_to(user)[:300])
    for j in rows:
        j.first = j.state == ServiceJob.State.REGISTERED and timezone.localdate(j.registered_at) < day
    return sorted(rows, key=lambda j: (not j.first, j.state == ServiceJob.State.CLOSED, j.arrival_due_at))[:200]


def job_for(user: User, pk: int) -> ServiceJob | None:
    return jobs_visible_to(user).filter(pk=pk).first()


def technician_table(year: int, month: int) -> list[dict]:
    """`service.survey_100pct`: the monthly technician appraisal — per technician the jobs closed in the month,
    the surveys done in it, the average (1–4) of each of the four items and overall, and late arrivals."""
    items = list(rules.SURVEY_ITEMS)
    surveys = Survey.objects.filter(done_at__year=year, done_at__month=month, job__technician__isnull=False)
    jobs = ServiceJob.objects.filter(closed_at__year=year, closed_at__month=month, technician__isnull=False)
    by_tech: dict[int, dict] = {}
    for u in User.objects.filter(pk__in=set(surveys.values_list("job__technician", flat=True))
                                 | set(jobs.values_list("technician", flat=True))):
        by_tech[u.pk] = {"technician_id": u.pk, "technician": u.name, "jobs": 0, "surveys": 0, "late_arrivals": 0,
                        "_r": []}
    for j in jobs:
        row = by_tech[j.technician_id]
        row["jobs"] += 1
        row["late_arrivals"] += bool(j.arrived_at and j.arrived_at > j.arrival_due_at)
    for s in surveys.select_related("job"):
        by_tech[s.job.technician_id]["_r"].append(s.ratings)
    out = []
    for row in sorted(by_tech.values(), key=lambda r: r["technician"]):
        rs = row.pop("_r")
        row["surveys"] = len(rs)
        for k in items:
            row[k] = _avg([r.get(k, 0) for r in rs])
        row["average"] = _avg([r.get(k, 0) for r in rs for k in items])
        out.append(row)
    return out


def _avg(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / Decimal(len(values))).quantize(Decimal("0.01"))


def surveys_due(day=None, limit: int = 100):
    """`service.survey_100pct`: the surveys due by ``day`` (default today) and not yet done, oldest first."""
    day = day or timezone.localdate()
    return (Survey.objects.filter(done_at__isnull=True, due_on__lte=day)
            .select_related("job", "job__customer", "job__technician").order_by("due_on", "id")[:limit])


def contracts_near_renewal(limit: int = 50):
    return MaintenanceContract.objects.select_related("customer").order_by("ends_on")[:limit]


def avg_arrival_hours():
    return ServiceJob.objects.exclude(arrival_hours__isnull=True).aggregate(a=Avg("arrival_hours"))["a"]
