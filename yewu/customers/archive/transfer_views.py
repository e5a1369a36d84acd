"""The button under a refused duplicate: ask the owner's manager to transfer the customer (transfer_requests)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from yewu.common.errors import YewuError
from yewu.org.permissions import can

from .transfer_requests import request_transfer


@login_required
@require_POST
def transfer_request(request, pk: int):
    if not can(request.user, "imports_customers"):  # who may file customers may ask for one filed by another
        messages.error(request, "无权申请转移客户（cust.first_to_file）")
        return redirect("customers:list")
    try:
        c, manager, new = request_transfer(request.user, pk, request.POST.get("reason", ""))
    except YewuError as e:
        messages.error(request, f"{e.message}（{e.rule}）" if e.rule else e.message)
        return redirect("customers:new")
    messages.success(request, f"已向 {manager.name} 申请将「{c.name}」转给您，请等待处理" if new
                     else f"已申请过，{manager.name} 处理后会通知您")
    return redirect("customers:list")
