"""Pages of visit plans and meeting minutes (§2.6), with their PDFs."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yewu.common.errors import YewuError
from yewu.customers.archive import selectors
from yewu.customers.documents import records as paper
from yewu.customers.documents.views import check_export_one, error_response, send_form
from yewu.customers.models import Minutes, Visit
from yewu.customers.visits import services as visit_plans
from yewu.customers.web import can_decide, detail_url, pending_step_of, run_and_redirect
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids


def _dt(v: str):
    v = (v or "").strip()
    if not v:
        return None
    try:
        return timezone.make_aware(datetime.fromisoformat(v))
    except ValueError:
        return None


@login_required
def visit_plans_page(request):
    user = request.user
    if request.method == "POST":
        ids = [int(x) for x in request.POST.getlist("customer_ids") if x.isdigit()]
        starts, ends = _dt(request.POST.get("starts_at")), _dt(request.POST.get("ends_at"))

        def go():
            if starts is None or ends is None:
                raise visit_plans.ValidationError("请填写出发和结束时间", fields={"starts_at": "必填"})
            visit_plans.create_plan(user, ids, starts, ends, request.POST.get("objectives", ""), request.POST.get("plan", ""))

        return run_and_redirect(request, reverse("customers:visit_plans"), go, "走访单已提交业务经理批准", "visit.plan_approval")
    plans = list(visit_plans.plans_visible_to(user)[:100])
    rows = [{"p": p, "can_decide": can_decide(user, pending_step_of(p.approval_id))} for p in plans]
    mine = []
    if can(user, "writes_visit_plans"):
        mine = list(selectors.customers_visible_to(user).filter(owner=user).order_by("name").values_list("pk", "name")[:300])
    todo = [{"v": v, "due": visit_plans.minutes_due(v)} for v in
            Visit.objects.filter(user=user, meeting=True, minutes__isnull=True).select_related("customer").order_by("-at")[:50]]
    review = []
    if can(user, "accompanies_visits"):

        qs = Minutes.objects.filter(state=Minutes.State.SUBMITTED).select_related("visit__customer", "author")
        if not can(user, "manages_all_teams"):
            qs = qs.filter(author__team_id__in=managed_team_ids(user))
        review = list(qs[:100])
    my_minutes = list(Minutes.objects.filter(author=user).select_related("visit__customer").order_by("-written_at")[:50])
    return render(request, "customers/visit_plans.html", {
        "rows": rows, "mine": mine, "todo": todo, "review": review, "my_minutes": my_minutes,
        "overdue": visit_plans.minutes_overdue() if can(user, "accompanies_visits") else [],
        "may_plan": bool(mine)})


@login_required
@require_GET
def visit_plan_pdf(request, plan_id: int):
    p = visit_plans.plans_visible_to(request.user).filter(pk=plan_id).first()
    if p is None:
        raise Http404("走访单不存在或无权查看")
    return send_form(request, paper.visit_plan_doc(request.user, p), "pdf", f"客户走访单-{p.pk}")


@login_required
@require_POST
def minutes_new(request, visit_id: int):
    v = Visit.objects.filter(pk=visit_id).first()
    back = detail_url(v.customer_id, "minutes") if v else "/"
    return run_and_redirect(request, back, lambda: visit_plans.write_minutes(
        request.user, visit_id, note_taker=request.POST.get("note_taker", ""), content=request.POST.get("content", ""),
        attendees=request.POST.get("attendees", ""), agreements=request.POST.get("agreements", "")),
        "会谈纪要已提交经理审阅", "visit.minutes_2wd")


@login_required
@require_POST
def minutes_action(request, minutes_id: int):
    action = request.POST.get("action", "")
    back = request.POST.get("next") or reverse("customers:visit_plans")
    if not back.startswith("/"):
        back = "/"
    u = request.user
    if action in ("accept", "return"):
        fn = lambda: visit_plans.review_minutes(u, minutes_id, action == "accept", request.POST.get("note", ""))  # noqa: E731
    elif action in ("sent", "confirmed"):
        fn = lambda: visit_plans.advance_minutes(u, minutes_id, action)  # noqa: E731
    elif action == "resubmit":
        fn = lambda: visit_plans.resubmit_minutes(u, minutes_id, request.POST.get("content", ""),  # noqa: E731
                                                  request.POST.get("agreements", ""))
    else:
        raise Http404("未知操作")
    return run_and_redirect(request, back, fn, "会谈纪要已更新", "visit.minutes_2wd")


@login_required
@require_GET
def minutes_pdf(request, minutes_id: int):
    m = Minutes.objects.select_related("visit__customer", "author", "reviewed_by").filter(pk=minutes_id).first()
    if m is None or selectors.customer_for(request.user, m.visit.customer_id) is None \
            or selectors.archive_level(request.user, m.visit.customer) != "full":
        raise Http404("会谈纪要不存在或无权查看")
    try:
        check_export_one(request.user, m.visit.customer)
    except YewuError as e:
        return error_response(e)
    return send_form(request, paper.minutes_doc(request.user, m), "pdf", f"会谈纪要-{m.pk}", m.visit.customer)
