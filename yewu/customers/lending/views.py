"""Pages of archive lending: request access to a confidential archive, the 借阅卡 (borrow card) as PDF/Excel."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_GET, require_POST

from yewu.common.errors import YewuError
from yewu.customers.archive import selectors
from yewu.customers.documents import records as paper
from yewu.customers.documents.views import error_response, send_form
from yewu.customers.lending import services as access
from yewu.customers.web import detail_url, int_or, run_and_redirect


@login_required
@require_POST
def access_request(request, pk: int):
    return run_and_redirect(request, detail_url(pk, "access"),
                lambda: access.request_access(request.user, pk, request.POST.get("purpose", ""),
                                              int_or(request.POST.get("working_days"), 0)),
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
    doc = paper.borrow_card_doc(request.user, c, log["grants"], log["reads"])
    return send_form(request, doc, fmt, f"借阅卡-{c.pk}", c, rows=len(log["grants"]) + len(log["reads"]))
