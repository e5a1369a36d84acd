"""The public page (no login): file a complaint, a service request or an inquiry; see its status with the
reference number and the phone number. Throttled per IP and per phone (yewu.service.public.services)."""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect

from yewu.common.errors import YewuError

from . import services
from .api import client_ip


@csrf_protect
def form(request):
    ctx = {"types": services.PUBLIC_TYPES, "form": request.POST}
    if request.method == "POST":
        p = request.POST
        try:
            t = services.submit(client_ip(request), services.PublicIn(
                type=p.get("type", ""), name=p.get("name", "")[:100], phone=p.get("phone", "")[:40],
                region=p.get("region", "")[:60], content=p.get("content", "")[:4000], website=p.get("website", "")[:100]))
            return render(request, "service/public_done.html", {"number": t.number})
        except YewuError as e:
            ctx["error"], ctx["status"] = e, e.status
            return render(request, "service/public_form.html", ctx, status=e.status)
    return render(request, "service/public_form.html", ctx)


def status(request):
    ctx = {"number": request.GET.get("number", "")[:30]}
    if request.GET.get("number") or request.GET.get("phone"):
        try:
            ctx["s"] = services.status(client_ip(request), request.GET.get("number", ""), request.GET.get("phone", ""))
        except YewuError as e:
            ctx["error"] = e
            return render(request, "service/public_status.html", ctx, status=e.status)
    return render(request, "service/public_status.html", ctx)
