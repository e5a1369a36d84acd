"""The parts of the customer detail page that come from the other sub-areas: credit, lending, visit plans,
minutes and upkeep, each only as far as the viewer may see them."""

from __future__ import annotations

from django.utils import timezone

from yewu.customers.archive import selectors
from yewu.customers.credit import services as credit
from yewu.customers.lending import services as access
from yewu.customers.models import CreditInvestigation, Minutes, Visit
from yewu.customers.visits import services as visit_plans
from yewu.customers.web import ROLE_LABELS, can_decide, pending_step_of
from yewu.org.permissions import can
from yewu.policy import credit as rules


def detail_extras(user, c, level: str, see_credit: bool) -> dict:
    """Extra sections of the customer page: credit, archive access, minutes to write."""
    ctx: dict = {}
    if see_credit or (can(user, "carries_out_investigations") and level != "name"):
        cfg_today = timezone.localdate()
        ctx["credit_block"] = {
            "see_credit": see_credit,
            "explain": credit.explain_limit(c) if see_credit else None,
            "next_overdue": bool(c.credit_next_report_on and c.credit_next_report_on < cfg_today),
            "investigations": list(credit.investigations_of(c)[:10]),
            "ratings": [{"r": r, "steps": [(ROLE_LABELS.get(x.role, x.role), x) for x in credit.approval_steps(r)],
                         "step": credit.pending_step(r),
                         "can_decide": can_decide(user, credit.pending_step(r))}
                        for r in credit.ratings_of(c)[:10]] if see_credit else [],
            "may_investigate": credit.may_investigate_any(user),
            "may_rate": see_credit and credit.may_evaluate(user),
            "criteria": [(code, label, hi) for code, (label, hi) in rules.CRITERIA.items()],
            "to_rate": [i for i in credit.investigations_of(c) if i.state == CreditInvestigation.State.SUBMITTED
                        and not i.ratings.filter(state__in=["pending", "approved"]).exists()] if see_credit else [],
        }
    reqs = list(access.requests_of(user, c)[:20])
    ctx["access_block"] = {
        "requests": [{"a": a, "can_decide": can_decide(user, pending_step_of(a.approval_id))} for a in reqs],
        "may_request": level != "full" and can(user, "requests_confidential_archives") and c.confidentiality in (
            "confidential", "top_secret"),
        "custodian": access.is_custodian(user) and c.confidentiality in ("confidential", "top_secret"),
    }
    if level == "full":
        ctx["minutes_todo"] = [
            {"v": v, "due": visit_plans.minutes_due(v)}
            for v in Visit.objects.filter(customer=c, user=user, meeting=True, minutes__isnull=True).order_by("-at")[:5]]
        ctx["minutes_list"] = list(Minutes.objects.filter(visit__customer=c).select_related("author", "visit")[:20])
        ctx["may_verify"] = selectors.can_edit(user, c)
        ctx["export_blocked"] = bool(c.confidentiality in ("confidential", "top_secret")
                                     and not can(user, "exports_confidential_customers"))
    return ctx
