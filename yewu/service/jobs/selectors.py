"""Reads for service jobs: CS/CSM and the GM see all; a technician the jobs assigned to them; an SP/SM the jobs of
customers they may see (the tickets scope applies the same customer rule)."""

from __future__ import annotations

from django.db.models import Avg, Q, QuerySet

from yewu.org.models import User
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids

from ..models import MaintenanceContract, ServiceJob, Survey


def jobs_visible_to(user: User) -> QuerySet[ServiceJob]:
    qs = ServiceJob.objects.select_related("customer", "technician")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if can(user, "sees_all_tickets"):
        return qs
    q = Q(technician=user)
    if user.has_role("SM"):
        q |= Q(customer__owner__team_id__in=managed_team_ids(user))
    if user.has_role("SP"):
        q |= Q(customer__owner=user)
    return qs.filter(q)


def job_for(user: User, pk: int) -> ServiceJob | None:
    return jobs_visible_to(user).filter(pk=pk).first()


def technician_table(year: int, month: int) -> list[dict]:
    """`service.survey_100pct`: the monthly technician appraisal from the surveys (average 1–4 per item)."""
    qs = Survey.objects.filter(done_at__year=year, done_at__month=month, job__technician__isnull=False)
    out = []
    for tid in qs.values_list("job__technician", flat=True).distinct():
        rows = [s.ratings for s in qs.filter(job__technician=tid)]
        tech = User.objects.get(pk=tid)
        avg = {k: round(sum(r.get(k, 0) for r in rows) / len(rows), 2) for k in ("attitude", "skill", "arrival", "follow_through")}
        out.append({"technician": tech.name, "surveys": len(rows), **avg})
    return out


def contracts_near_renewal(limit: int = 50):
    return MaintenanceContract.objects.select_related("customer").order_by("ends_on")[:limit]


def avg_arrival_hours():
    return ServiceJob.objects.exclude(arrival_hours__isnull=True).aggregate(a=Avg("arrival_hours"))["a"]
