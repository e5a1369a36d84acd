"""Process definitions (/processes/), one process with its versions (/processes/<code>/) and the monitoring
table (/processes/monitoring/, `process.monitoring`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yewu.common.errors import PermissionDenied, YewuError
from yewu.org.models import Role
from yewu.policy.processes import LIMIT_KINDS

from . import selectors, services
from .models import ProcessDefinition


@login_required
def process_list(request):
    return render(request, "processes/list.html", {"rows": selectors.current_list(),
                                                   "can_manage": services.can_manage(request.user),
                                                   "can_monitor": request.user.has_role(Role.GM, Role.SM, Role.CSM)})


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
        "can_decide": pending is not None and request.user.has_role(Role.GM) and pending.submitter_id != request.user.pk,
        "limit_kinds": [(k, lab.replace("{n} ", "N ")) for k, lab in LIMIT_KINDS.items()],
        "roles": Role.choices,
        "has_open": any(x.status in services.OPEN_STATES for x in versions),
    }
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
    from .models import ProcessStep

    step = ProcessStep.objects.select_related("definition").filter(pk=pk).first() or _404()
    fields = {k: request.POST.get(k, "").strip() for k in ("role", "limit_kind", "limit_n", "action", "department",
                                                             "instructions", "branch_condition")}
    fields["is_approval"] = request.POST.get("is_approval") == "1"
    try:
        services.update_step(request.user, step.pk, **fields)
        messages.success(request, f"步骤 {step.code} 已保存")
    except (YewuError, ValueError) as e:
        messages.error(request, getattr(e, "message", str(e)))
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
