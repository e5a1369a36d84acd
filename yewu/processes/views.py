"""Process definitions (/processes/), one process with its versions (/processes/<code>/) and the monitoring
table (/processes/monitoring/, `process.monitoring`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common import parsers
from yewu.common.errors import PermissionDenied, YewuError
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.policy.processes import LIMIT_KINDS

from . import selectors, services
from .models import ProcessDefinition, ProcessStep, Suggestion


@login_required
def process_list(request):
    return render(request, "processes/list.html", {"rows": selectors.current_list(),
                                                   "can_manage": services.can_manage(request.user),
                                                   "can_monitor": selectors.can_monitor(request.user)})


@login_required
def process_detail(request, code):
    versions = list(selectors.definitions().filter(code=code))
    if not versions:
        raise Http404("流程不存在")
    v = request.GET.get("v")
    d = next((x for x in versions if str(x.version) == v), None) if v else None
    if d is None:
        d = next((x for x in versions if x.status == ProcessDefinition.Status.PUBLISHED), versions[0])
    pending = services.pending_request(d)
    ctx = {
        "d": d, "versions": versions, "steps": list(d.steps.all()), "pending": pending,
        "can_manage": services.can_manage(request.user, d),
        "can_decide": services.can_decide(request.user, pending),
        "limit_kinds": [(k, lab.replace("{n} ", "N ")) for k, lab in LIMIT_KINDS.items()],
        "roles": Role.choices,
        "has_open": any(x.status in services.OPEN_STATES for x in versions),
    }
    ctx.update(_improvement_ctx(request.user, code))
    return render(request, "processes/detail.html", ctx)


def _back(code, version=None):
    return redirect(f"/processes/{code}/" + (f"?v={version}" if version else ""))


@login_required
@require_POST
def new_version(request, code):
    try:
        d = services.new_version(request.user, code, request.POST.get("note", ""))
        messages.success(request, f"已创建 {d.label}（草稿），可修改步骤后提交总经理审批")
        return _back(code, d.version)
    except YewuError as e:
        messages.error(request, e.message)
        return _back(code)


@login_required
@require_POST
def submit(request, pk):
    d = ProcessDefinition.objects.filter(pk=pk).first() or _404()
    try:
        services.submit(request.user, d.pk)
        messages.success(request, f"{d.label} 已提交总经理审批")
    except YewuError as e:
        messages.error(request, f"{e.message}（{e.rule}）" if e.rule else e.message)
    return _back(d.code, d.version)


@login_required
@require_POST
def decide(request, pk):
    d = ProcessDefinition.objects.filter(pk=pk).first() or _404()
    approve = request.POST.get("action") == "approve"
    try:
        d = services.decide(request.user, d.pk, approve, request.POST.get("comment", ""))
        if approve:
            messages.success(request, f"{d.label} 已批准并发布，推行（培训）期限 {d.rollout_due:%Y-%m-%d}")
        else:
            messages.success(request, f"{d.label} 已驳回，退回草稿")
    except YewuError as e:
        messages.error(request, e.message)
    return _back(d.code, d.version)


@login_required
@require_POST
def edit_step(request, pk):
    step = ProcessStep.objects.select_related("definition").filter(pk=pk).first() or _404()
    fields = {k: request.POST.get(k, "").strip() for k in ("role", "limit_kind", "limit_n", "action", "department",
                                                             "instructions", "branch_condition")}
    fields["is_approval"] = request.POST.get("is_approval") == "1"
    try:
        services.update_step(request.user, step.pk, **fields)
        messages.success(request, f"步骤 {step.code} 已保存")
    except YewuError as e:
        messages.error(request, e.message)
    return _back(step.definition.code, step.definition.version)


def _404():
    raise Http404("不存在")


@login_required
def monitoring(request):
    try:
        m = selectors.monitoring(request.user, request.GET.get("month"))
    except PermissionDenied as e:
        return render(request, "403.html", {"exception": e.message}, status=403)
    except YewuError as e:
        messages.error(request, e.message)
        m = selectors.monitoring(request.user, None)
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(selectors.monitoring_workbook(m),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="process-monitoring-{m.month}.xlsx"'
        return resp
    return render(request, "processes/monitoring.html", {"m": m})


# --- process.evaluation_audit: reviews, findings, suggestions ---------------------------------------------

def _improvement_ctx(user, code):
    cur = services.current(code)
    can_review = services.can_manage(user, cur)
    reviews = list(selectors.reviews(code)[:12])
    if can_review:  # the evaluation form is prefilled with the period's monitoring figures
        for r in reviews:
            r.prefill = None if r.done_at else selectors.period_figures(r.code, r.period_start, r.period_end)
    return {"reviews": reviews, "findings": selectors.findings(user, code),
            "suggestions": selectors.suggestions(user, code), "can_review": can_review,
            "can_verify": services.can_verify(user, cur), "today": timezone.localdate(),
            "admin_codes": selectors.administered_codes(user),
            "employees": User.objects.filter(is_active=True).order_by("id") if can_review else []}


def _next(request, default="/processes/improvement/"):
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/processes/") else default)


def _run(request, fn, ok):
    try:
        fn()
        messages.success(request, ok)
    except YewuError as e:
        messages.error(request, f"{e.message}（{e.rule}）" if e.rule else e.message)
    return _next(request)


@login_required
def improvement(request):
    fs = selectors.findings(request.user, open_only=request.GET.get("all") != "1")
    ss = selectors.suggestions(request.user)
    return render(request, "processes/improvement.html", {
        "findings": fs, "overdue_count": sum(1 for f in fs if f.overdue),
        "pending": [s for s in ss if s.state == Suggestion.State.SUBMITTED],
        "decided": [s for s in ss if s.state != Suggestion.State.SUBMITTED][:30],
        "rewards": [s for s in ss if s.reward_flag] if can(request.user, "oversees_all_processes") else [],
        "show_all": request.GET.get("all") == "1", "is_gm": can(request.user, "oversees_all_processes"),
        "admin_codes": selectors.administered_codes(request.user)})


@login_required
@require_POST
def complete_review(request, pk):
    return _run(request, lambda: services.complete_review(request.user, pk, request.POST.get("summary", "")),
                "评估/审计已完成")


@login_required
@require_POST
def add_finding(request, pk):

    def go():
        due = parsers.parse_date(request.POST.get("due_date"), field="due_date", label="整改期限", required=False,
                                   rule=services.EVAL_RULE)
        owner = request.POST.get("owner_id", "")
        services.add_finding(request.user, pk, request.POST.get("description", ""), int(owner) if owner.isdigit() else 0, due)
    return _run(request, go, "问题已登记，已通知整改责任人")


@login_required
@require_POST
def rectify(request, pk):
    return _run(request, lambda: services.rectify(request.user, pk, request.POST.get("rectification", "")),
                "整改已登记，等待验证")


@login_required
@require_POST
def verify(request, pk):
    approve = request.POST.get("action") == "verify"
    return _run(request, lambda: services.verify(request.user, pk, approve, request.POST.get("comment", "")),
                "整改已验证关闭" if approve else "已退回重新整改")


@login_required
@require_POST
def suggest(request, code):
    return _run(request, lambda: services.submit_suggestion(request.user, code, request.POST.get("text", "")),
                "改进建议已提交，感谢！")


@login_required
@require_POST
def decide_suggestion(request, pk):
    accept = request.POST.get("action") == "accept"
    return _run(request, lambda: services.decide_suggestion(request.user, pk, accept, request.POST.get("comment", ""),
                                                            start_version=request.POST.get("start_version") == "1"),
                "建议已采纳并标记奖励" if accept else "建议已处理（未采纳）")
