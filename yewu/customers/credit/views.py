"""Pages and document downloads of credit (§2.7): investigations, ratings, the credit work list, the rating
approval. Thin: parse → service → redirect with a message; a rule refusal is shown with its rule id."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from yewu.approvals import services as approvals
from yewu.common.errors import NotFound, YewuError
from yewu.common.parsers import parse_date
from yewu.customers.credit import services as credit
from yewu.customers.documents import records as paper
from yewu.customers.documents.views import check_export_one, error_response, send_form
from yewu.customers.models import VisitPlan
from yewu.customers.web import decimal_or_text, detail_url, int_or, run_and_redirect
from yewu.org.permissions import can
from yewu.policy import credit as rules

# --- customer page context -------------------------------------------------------------------------------








# --- credit --------------------------------------------------------------------------------------------------


@login_required
@require_POST
def credit_investigate(request, pk: int):
    p = request.POST

    def go():
        # a malformed date is a refusal shown on the page (was a 500 from strptime)
        data = credit.InvestigationIn(
            investigated_on=parse_date(p.get("investigated_on"), field="investigated_on", label="调查日期", required=False),
            registered_capital=decimal_or_text(p.get("registered_capital")), annual_sales=decimal_or_text(p.get("annual_sales")),
            years_in_business=int_or(p.get("years_in_business")) if p.get("years_in_business") else None,
            employees=int_or(p.get("employees")) if p.get("employees") else None,
            **{k: p.get(k, "") for k in credit.INVESTIGATION_TEXT},
        )
        credit.submit_investigation(request.user, pk, data)

    return run_and_redirect(request, detail_url(pk, "credit"), go, "客户信用调查表已提交", "credit.investigation_cadence")


@login_required
@require_POST
def credit_rate(request, pk: int):
    p = request.POST
    scores = {code: int_or(p.get(f"score_{code}"), -1) for code in rules.CRITERIA}
    data = credit.RatingIn(investigation_id=int_or(p.get("investigation_id"), 0), scores=scores,
                           grade=p.get("grade", ""), credit_limit=decimal_or_text(p.get("credit_limit")) or Decimal("0"),
                           term_days=int_or(p.get("term_days"), -1), avg_monthly_sales=decimal_or_text(p.get("avg_monthly_sales")) or 0,
                           note=p.get("note", ""))
    return run_and_redirect(request, detail_url(pk, "credit"), lambda: credit.rate_customer(request.user, pk, data),
                "信用评等已提交授信额度管理小组审批", "credit.limit_grant")


@login_required
@require_POST
def approval_decide(request, approval_id: int):
    """Approve/reject a step from the customer page or the visit-plan list (the engine checks the approver)."""
    approve = request.POST.get("decision") == "approve"
    back = request.POST.get("next") or "/"
    if not back.startswith("/"):
        back = "/"
    return run_and_redirect(request, back, lambda: approvals.decide(request.user, approval_id, approve, request.POST.get("comment", "")),
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
        return send_form(request, paper.investigation_doc(user, c, inv), fmt, f"客户信用调查表-{c.pk}-{inv.pk}", c)
    r = c.credit_ratings.filter(pk=doc_id).select_related("evaluator").first()
    if r is None:
        raise Http404("评等表不存在")
    return send_form(request, paper.rating_doc(user, c, r, credit.approval_steps(r)), fmt, f"客户信用评等表-{c.pk}-{r.pk}", c)


@login_required
def credit_worklist(request):
    user = request.user
    if not can(user, "uses_credit_worklist"):
        raise DjangoPermissionDenied("信用工作台仅限财务、客服和经理")
    return render(request, "customers/credit_worklist.html", {"wl": credit.credit_worklist(user)})


# --- archive access --------------------------------------------------------------------------------------------






# --- visit plans and minutes --------------------------------------------------------------------------------------














# --- upkeep ----------------------------------------------------------------------------------------------------------










__all__ = ["VisitPlan"]
