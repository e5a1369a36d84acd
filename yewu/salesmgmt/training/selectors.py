"""Training gaps (reads, `training.cadence`): induction (GM gives the last session) before the first customer,
collective training twice a year (2 days each), the SM's weekly session per team."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Min, Q

from yewu.customers.models import OwnershipChange
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.policy import salesmgmt as pol
from yewu.processes.models import ProcessDefinition

from ..models import TrainingRecord
from ..scope import visible_salespeople, visible_teams


def gaps(user, today: date, weeks: int = 4) -> list[dict]:
    year_start = date(today.year, 1, 1)
    out = []
    sps = list(visible_salespeople(user))
    first_customer = dict(OwnershipChange.objects.filter(to_user__in=sps).values("to_user_id")
                          .annotate(d=Min("at")).values_list("to_user_id", "d"))
    for sp in sps:
        ind = (TrainingRecord.objects.filter(kind=TrainingRecord.Kind.INDUCTION, attendees=sp)
               .select_related("trainer").order_by("-day").first())
        coll = TrainingRecord.objects.filter(kind=TrainingRecord.Kind.COLLECTIVE, attendees=sp, day__gte=year_start,
                                             days__gte=2)
        fc = first_customer.get(sp.pk)
        facts = pol.TrainingFacts(sp.name, ind is None, ind.day if ind else None,
                                  bool(ind and ind.trainer.has_role(Role.GM)), fc.date() if fc else None,
                                  sum(c.days for c in coll), coll.count())
        out += [r.as_dict() for r in pol.training_gaps(facts, today, [], [])]
    monday = today - timedelta(days=today.weekday())
    wk = [monday - timedelta(weeks=i) for i in range(1, weeks + 1)]
    for team in visible_teams(user):
        held = list(TrainingRecord.objects.filter(kind=TrainingRecord.Kind.WEEKLY, team=team,
                                                  day__gte=wk[-1]).values_list("day", flat=True))
        for r in pol.training_gaps(pol.TrainingFacts(str(team), False, date.min, True, None, 9, 9), today, held, wk):
            out.append({**r.as_dict(), "team": team.name})
    return out + process_gaps(user)


def published_processes():
    return ProcessDefinition.objects.filter(status=ProcessDefinition.Status.PUBLISHED).order_by("code")


def process_gaps(user) -> list[dict]:
    """Each published process version is trained to its roles: the published versions whose step roles have
    people (those the user may see) without a training record for that version. Three queries."""
    published = list(ProcessDefinition.objects.filter(status=ProcessDefinition.Status.PUBLISHED)
                     .prefetch_related("steps").order_by("code"))
    roles = {d.pk: {s.role for s in d.steps.all() if s.role} for d in published}
    if not any(roles.values()):
        return []
    people = (User.objects.filter(is_active=True) if can(user, "sees_all_sales_figures")
              else visible_salespeople(user))
    people = list(people.order_by("id"))
    trained = set(TrainingRecord.attendees.through.objects.filter(trainingrecord__process__in=published)
                  .values_list("trainingrecord__process_id", "user_id"))
    out = []
    for d in published:
        missing = [p for p in people if set(p.roles or []) & roles[d.pk] and (d.pk, p.pk) not in trained]
        if missing:
            names = "、".join(p.name for p in missing[:10]) + (" 等" if len(missing) > 10 else "")
            out.append({"rule": "training.cadence", "process": d.label, "missing": len(missing),
                        "message": f"流程 {d.code} {d.name} v{d.version} 已发布，{len(missing)} 人未接受该版本培训：{names}"})
    return out


def may_read(user) -> bool:
    """Who may read the training records and gaps (page and API): who records them, and who sees all figures."""
    return can(user, "records_training") or can(user, "sees_all_sales_figures")


def records(user):
    """Training sessions attended by someone the user may see, or held for a team the user may see."""
    ids = list(visible_salespeople(user).values_list("pk", flat=True))
    return (TrainingRecord.objects.filter(Q(attendees__in=ids) | Q(team__in=visible_teams(user))).distinct()
            .select_related("trainer", "team", "process").prefetch_related("attendees").order_by("-day", "-id"))
