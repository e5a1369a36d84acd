"""The web lead entry page (/leads/) of the lead specialist and the managers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from yewu.common.errors import YewuError
from yewu.customers.archive import selectors
from yewu.customers.archive.services import ContactIn, CustomerIn
from yewu.customers.forms import (
    LeadForm,
)
from yewu.customers.leads import services as lead_services
from yewu.customers.models import Source
from yewu.customers.web import PAGE_SIZE, flash_decision, rule_msg
from yewu.org.permissions import can


@login_required
def leads(request):
    user = request.user
    if not can(user, "works_web_leads"):
        raise DjangoPermissionDenied("网络线索录入仅限网络推广专员和业务经理")
    error = None
    if request.method == "POST":
        form = LeadForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            phone = d["phone"].strip()
            digits = "".join(ch for ch in phone if ch.isdigit())
            is_mobile = len(digits) >= 11 and digits[-11] == "1"
            contact = ContactIn(name=d["contact"], mobile=phone if is_mobile else "",
                                         phone="" if is_mobile else phone, email=d["email"])
            data = CustomerIn(name=d["name"], city=d["city"], source=Source.WEB, contacts=[contact],
                                       extra={"needs": d["needs"]} if d["needs"] else {})
            try:
                c, decision = lead_services.enter_lead(user, data, tags=d["tags"].strip())
            except YewuError as e:
                error = e
                for k, v in (e.fields or {}).items():
                    target = {"contacts.0.name": "contact", "contacts.0.mobile": "phone", "contacts.0.phone": "phone",
                              "contacts.0.email": "email", "contacts": "phone"}.get(k, k)
                    if target in form.fields:
                        form.add_error(target, v)
            else:
                messages.success(request, rule_msg(f"线索「{c.name}」已进入公海，等待业务经理分配", "cust.web_lead_intake"))
                flash_decision(request, decision)
                return redirect("customers:leads")
        else:
            error = YewuError("请检查标红的字段")
    else:
        form = LeadForm()
    mine = (selectors.customers_visible_to(user).filter(created_by=user, is_web_lead=True)
            .select_related("owner").order_by("-created_at"))
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    v = selectors.viewer(user)
    rows = [{"c": c, "level": selectors.archive_level(user, c, v)} for c in page.object_list]
    return render(request, "customers/leads.html", {"form": form, "error": error, "page": page, "rows": rows})
