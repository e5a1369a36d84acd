"""Pages and form downloads for credit (§2.7), archive access (§1.3), visit plans and minutes (§2.6) and upkeep
(§2.5). Thin: parse → service → redirect with a message; a rule refusal is shown with its rule id."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from yewu.approvals import services as approvals
from yewu.common.errors import NotFound, YewuError
from yewu.org.models import Role
from yewu.policy import credit as rules

from . import access, credit, exports, forms_more, forms_pdf, selectors, upkeep, visit_plans
from .models import CreditInvestigation, Minutes, Visit, VisitPlan
from .views import _rule_msg
from .views_files import PDF_MIME, _log_export, check_export_one, error_response, file_response

ROLE_LABELS = dict(Role.choices)


def _detail(pk: int, anchor: str = "") -> str:
    return reverse("customers:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def _int(v, default=None):
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def _dec(v):
    v = (v or "").strip().replace(",", "")
    if not v:
        return None
    try:
        return Decimal(v)
    except InvalidOperation:
        return v  # the service names the field


def _run(request, back: str, fn, ok: str, rule: str = ""):
    try:
        fn()
    except NotFound as e:
        raise Http404(e.message) from e
    except YewuError as e:
        messages.error(request, _rule_msg(e.message, e.rule))
    else:
        messages.success(request, _rule_msg(ok, rule) if rule else ok)
    return HttpResponseRedirect(back)


def _send(request, doc, fmt: str, stem: str, c=None, rows: int = 1):
    data = forms_pdf.form_pdf(doc) if fmt == "pdf" else exports.form_xlsx(doc)
    _log_export(request.user, what=doc.title, fmt=fmt, rows=rows, obj=c)
    return file_response(data, f"{stem}.{fmt}", PDF_MIME if fmt == "pdf" else exports.XLSX_MIME, inline=fmt == "pdf")


# --- customer page context -------------------------------------------------------------------------------


def detail_extras(user, c, level: str, see_credit: bool) -> dict:
    """Extra sections of the customer page: credit, archive access, minutes to write."""
    ctx: dict = {}
    if see_credit or (user.has_role(Role.CS) and level != "name"):
        cfg_today = timezone.localdate()
        ctx["credit_block"] = {
            "see_credit": see_credit,
            "explain": credit.explain_limit(c) if see_credit else None,
            "next_overdue": bool(c.credit_next_report_on and c.credit_next_report_on < cfg_today),
            "investigations": list(credit.investigations_of(c)[:10]),
            "ratings": [{"r": r, "steps": [(ROLE_LABELS.get(x.role, x.role), x) for x in credit.approval_steps(r)],
                         "step": credit.pending_step(r),
                         "can_decide": _can_decide(user, credit.pending_step(r))}
                        for r in credit.ratings_of(c)[:10]] if see_credit else [],
            "may_investigate": credit.may_investigate_any(user),
            "may_rate": see_credit and credit.may_evaluate(user),
            "criteria": [(code, label, hi) for code, (label, hi) in rules.CRITERIA.items()],
            "to_rate": [i for i in credit.investigations_of(c) if i.state == CreditInvestigation.State.SUBMITTED
                        and not i.ratings.filter(state__in=["pending", "approved"]).exists()] if see_credit else [],
        }
    reqs = list(access.requests_of(user, c)[:20])
    ctx["access_block"] = {
        "requests": [{"a": a, "can_decide": _can_decide(user, _pending_step_of(a.approval_id))} for a in reqs],
        "may_request": level != "full" and user.role_set & rules.MANAGER_RANK and c.confidentiality in (
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
                                     and not user.role_set & rules.MANAGER_RANK)
    return ctx


def _pending_step_of(approval_id):
    from yewu.approvals.models import ApprovalStep

    if not approval_id:
        return None
    return ApprovalStep.objects.filter(request_id=approval_id, state="pending").select_related("request").first()


def _can_decide(user, step) -> bool:
    return step is not None and approvals.can_decide(user, step).allowed


# --- credit --------------------------------------------------------------------------------------------------


@login_required
@require_POST
def credit_investigate(request, pk: int):
    p = request.POST
    data = credit.InvestigationIn(
        investigated_on=p.get("investigated_on") and datetime.strptime(p["investigated_on"], "%Y-%m-%d").date() or None,
        registered_capital=_dec(p.get("registered_capital")), annual_sales=_dec(p.get("annual_sales")),
        years_in_business=_int(p.get("years_in_business")) if p.get("years_in_business") else None,
        employees=_int(p.get("employees")) if p.get("employees") else None,
        **{k: p.get(k, "") for k in credit.INVESTIGATION_TEXT},
    )
    return _run(request, _detail(pk, "credit"), lambda: credit.submit_investigation(request.user, pk, data),
                "客户信用调查表已提交", "credit.investigation_cadence")


@login_required
@require_POST
def credit_rate(request, pk: int):
    p = request.POST
    scores = {code: _int(p.get(f"score_{code}"), -1) for code in rules.CRITERIA}
    data = credit.RatingIn(investigation_id=_int(p.get("investigation_id"), 0), scores=scores,
                           grade=p.get("grade", ""), credit_limit=_dec(p.get("credit_limit")) or Decimal("0"),
                           term_days=_int(p.get("term_days"), -1), avg_monthly_sales=_dec(p.get("avg_monthly_sales")) or 0,
                           note=p.get("note", ""))
    return _run(request, _detail(pk, "credit"), lambda: credit.rate_customer(request.user, pk, data),
                "信用评等已提交授信额度管理小组审批", "credit.limit_grant")


@login_required
@require_POST
def approval_decide(request, approval_id: int):
    """Approve/reject a step from the customer page or the visit-plan list (the engine checks the approver)."""
    approve = request.POST.get("decision") == "approve"
    back = request.POST.get("next") or "/"
    if not back.startswith("/"):
        back = "/"
    return _run(request, back, lambda: approvals.decide(request.user, approval_id, approve, request.POST.get("comment", "")),
                "已同意" if approve else "已驳回", "approval.inbox")


@login_required
@require_GET
def credit_form(request, pk: int, kind: str, doc_id: int, fmt: str):
    user = request.user
    try:
        c = credit.credit_customer(user, int(pk), investigations_only=kind == "investigation")
        check_export_one(user, c)
    except NotFound as e:
        raise Http404(e.message) from e
    except YewuError as e:
        if e.status == 403 and e.rule == "acl.finance_scope":
            raise Http404(e.message) from e
        return error_response(e)
    if kind == "investigation":
        inv = c.credit_investigations.filter(pk=doc_id).select_related("investigator").first()
        if inv is None:
            raise Http404("调查表不存在")
        return _send(request, forms_more.investigation_doc(user, c, inv), fmt, f"客户信用调查表-{c.pk}-{inv.pk}", c)
    r = c.credit_ratings.filter(pk=doc_id).select_related("evaluator").first()
    if r is None:
        raise Http404("评等表不存在")
    return _send(request, forms_more.rating_doc(user, c, r, credit.approval_steps(r)), fmt, f"客户信用评等表-{c.pk}-{r.pk}", c)


@login_required
def credit_worklist(request):
    user = request.user
    if not user.role_set & {"FIN", "FD", "GM", "CSM", "CS", "SM"}:
        raise DjangoPermissionDenied("信用工作台仅限财务、客服和经理")
    return render(request, "customers/credit_worklist.html", {"wl": credit.credit_worklist(user)})


# --- archive access --------------------------------------------------------------------------------------------


@login_required
@require_POST
def access_request(request, pk: int):
    return _run(request, _detail(pk, "access"),
                lambda: access.request_access(request.user, pk, request.POST.get("purpose", ""),
                                              _int(request.POST.get("working_days"), 0)),
                "借阅申请已提交", "cust.archive_access_request")


@login_required
@require_GET
def borrow_card(request, pk: int, fmt: str):
    c = selectors.customer_for(request.user, int(pk))
    if c is None:
        raise Http404("客户不存在或无权查看")
    try:
        log = access.borrow_log(request.user, c)
    except YewuError as e:
        return error_response(e)
    doc = forms_more.borrow_card_doc(request.user, c, log["grants"], log["reads"])
    return _send(request, doc, fmt, f"借阅卡-{c.pk}", c, rows=len(log["grants"]) + len(log["reads"]))


# --- visit plans and minutes --------------------------------------------------------------------------------------


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

        return _run(request, reverse("customers:visit_plans"), go, "走访单已提交业务经理批准", "visit.plan_approval")
    plans = list(visit_plans.plans_visible_to(user)[:100])
    rows = [{"p": p, "can_decide": _can_decide(user, _pending_step_of(p.approval_id))} for p in plans]
    mine = []
    if user.has_role(Role.SP, Role.SM):
        mine = list(selectors.customers_visible_to(user).filter(owner=user).order_by("name").values_list("pk", "name")[:300])
    todo = [{"v": v, "due": visit_plans.minutes_due(v)} for v in
            Visit.objects.filter(user=user, meeting=True, minutes__isnull=True).select_related("customer").order_by("-at")[:50]]
    review = []
    if user.has_role(Role.SM, Role.GM):
        from yewu.org.selectors import managed_team_ids

        qs = Minutes.objects.filter(state=Minutes.State.SUBMITTED).select_related("visit__customer", "author")
        if not user.has_role(Role.GM):
            qs = qs.filter(author__team_id__in=managed_team_ids(user))
        review = list(qs[:100])
    my_minutes = list(Minutes.objects.filter(author=user).select_related("visit__customer").order_by("-written_at")[:50])
    return render(request, "customers/visit_plans.html", {
        "rows": rows, "mine": mine, "todo": todo, "review": review, "my_minutes": my_minutes,
        "overdue": visit_plans.minutes_overdue() if user.has_role(Role.SM, Role.GM) else [],
        "may_plan": bool(mine)})


@login_required
@require_GET
def visit_plan_pdf(request, plan_id: int):
    p = visit_plans.plans_visible_to(request.user).filter(pk=plan_id).first()
    if p is None:
        raise Http404("走访单不存在或无权查看")
    return _send(request, forms_more.visit_plan_doc(request.user, p), "pdf", f"客户走访单-{p.pk}")


@login_required
@require_POST
def minutes_new(request, visit_id: int):
    v = Visit.objects.filter(pk=visit_id).first()
    back = _detail(v.customer_id, "minutes") if v else "/"
    return _run(request, back, lambda: visit_plans.write_minutes(
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
    return _run(request, back, fn, "会谈纪要已更新", "visit.minutes_2wd")


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
    return _send(request, forms_more.minutes_doc(request.user, m), "pdf", f"会谈纪要-{m.pk}", m.visit.customer)


# --- upkeep ----------------------------------------------------------------------------------------------------------


@login_required
@require_POST
def verify(request, pk: int):
    back = request.POST.get("next") or _detail(pk)
    if not back.startswith("/"):
        back = "/"
    return _run(request, back, lambda: upkeep.verify_customer(request.user, pk, request.POST.get("note", "")),
                "档案已核实", "cust.archive_quarterly_review")


@login_required
def upkeep_page(request):
    user = request.user
    if request.method == "POST" and request.POST.get("checked"):
        return _run(request, reverse("customers:upkeep") + "#complete",
                    lambda: upkeep.record_completeness_check(user, _int(request.POST["checked"], 0)),
                    "已记录档案完整性检查", "cust.archive_quarterly_review")
    if request.method == "POST":
        return _run(request, reverse("customers:upkeep"), lambda: upkeep.submit_info_report(
            user, request.POST.get("changes", ""), request.POST.get("competition", ""), request.POST.get("other", "")),
            "客户信息报告已提交", "cust.monthly_info_report")
    today = timezone.localdate()
    month = upkeep.month_of(today)
    visible = selectors.customers_visible_to(user)
    if not user.has_role(Role.SM, Role.GM, Role.CIA, Role.CSM):
        visible = visible.filter(owner=user)
    unverified = upkeep.unverified_this_quarter(visible.select_related("owner"), today).order_by("owner_id", "name")
    team = None
    if user.has_role(Role.GM):
        team = None
    elif user.has_role(Role.SM):
        from yewu.org.selectors import managed_team_ids

        team = managed_team_ids(user)
    return render(request, "customers/upkeep.html", {
        "unverified": list(unverified[:300]), "unverified_count": unverified.count(),
        "quarter_end": rules.quarter_end(today), "month": month,
        "due": rules.info_report_due(month), "reports": list(upkeep.reports_visible_to(user)[:100]),
        "mine_done": upkeep.InfoReport.objects.filter(user=user, month=month).first(),
        "is_sp": user.has_role(Role.SP),
        "missing": upkeep.missing_reports(month, team) if user.has_role(Role.SM, Role.GM) else [],
        "incomplete": upkeep.incomplete_archives(visible) if user.has_role(Role.CIA) else None,
    })


@login_required
@require_GET
def info_report_file(request, report_id: int):
    try:
        r = upkeep.report_for(request.user, report_id)
    except NotFound as e:
        raise Http404(e.message) from e
    return _send(request, forms_more.info_report_doc(request.user, r), "pdf", f"客户信息报告-{r.user.username}-{r.month:%Y%m}")


@login_required
@require_GET
def info_reports_xlsx(request):
    try:
        month = upkeep.parse_month(request.GET.get("month") or f"{timezone.localdate():%Y-%m}")
    except YewuError as e:
        return error_response(e)
    reps = list(upkeep.reports_visible_to(request.user).filter(month=month))
    rows = [[r.user.name, r.user.team.name if r.user.team_id else "", timezone.localtime(r.submitted_at).replace(tzinfo=None),
             "是" if r.late else "", r.changes, r.competition, r.other] for r in reps]
    data = exports.table_xlsx(title=f"客户信息报告 {month:%Y年%m月}", headers=["业务员", "团队", "提交时间", "逾期", "客户变动情况",
                                                                          "竞争环境", "其他"], rows=rows,
                              notes=[f"每月1–{rules.info_report_due(month).day}日提交（cust.monthly_info_report）"],
                              widths=[10, 10, 17, 6, 50, 50, 30], sheet="报告")
    _log_export(request.user, what="客户信息报告", fmt="xlsx", rows=len(rows), filters={"month": f"{month:%Y-%m}"})
    return file_response(data, f"客户信息报告-{month:%Y%m}.xlsx", exports.XLSX_MIME)


__all__ = ["VisitPlan"]
