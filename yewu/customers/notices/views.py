"""The user's notification list (/notifications/) and marking notifications read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yewu.common.models import Notification
from yewu.customers.web import int_or_none, safe_next


@login_required
def notifications(request):
    qs = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "customers/notifications.html", {"page": page, "unread": unread, "only_unread": only_unread})


@login_required
@require_POST
def notifications_read(request):
    qs = Notification.objects.filter(user=request.user, read_at__isnull=True)
    pk = int_or_none(request.POST.get("id"))
    if pk is not None:
        qs = qs.filter(pk=pk)
    n = qs.update(read_at=timezone.now())
    if pk is None:
        messages.success(request, f"已将 {n} 条通知标为已读")
    target = safe_next(request, reverse("customers:notifications"))
    return HttpResponseRedirect(target)
