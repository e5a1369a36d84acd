"""/settings/push/: where notifications are also sent (WeCom / DingTalk robots, e-mail), per user or team,
and the deliveries that failed (issue 15). Writes go through ``push_services`` and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.common.models import PushChannel, PushDelivery
from yewu.org.models import Team
from yewu.org.permissions import can

from . import push_services


def _channels(user):
    qs = PushChannel.objects.select_related("user", "team").order_by("id")
    return qs if can(user, "manages_push_channels") else qs.filter(user=user)


@login_required
def push_page(request):
    form = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("kind", "name", "target", "secret", "team")}
        try:
            push_services.add_channel(request.user, **form)
            messages.success(request, "已添加通知渠道")
            return redirect("/settings/push/")
        except YewuError as e:
            messages.error(request, f"{e.message}" + (f"（{e.rule}）" if e.rule else ""))
    manager = can(request.user, "manages_push_channels")
    failed = (PushDelivery.objects.filter(state=PushDelivery.State.FAILED).select_related("channel", "notification")
              .order_by("-id")[:50]) if manager else []
    return render(request, "org/push.html", {
        "channels": _channels(request.user), "failed": failed, "manager": manager, "form": form,
        "kinds": PushChannel.Kind.choices, "teams": Team.objects.order_by("name") if manager else [],
    })


@login_required
@require_POST
def push_toggle(request, pk: int):
    try:
        push_services.set_active(request.user, pk, request.POST.get("active") == "1")
    except YewuError as e:
        messages.error(request, e.message)
    return redirect("/settings/push/")
