"""Helpers shared by the customer pages: field errors onto forms, rule-tagged messages, safe redirects."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalStep
from yewu.common.errors import NotFound, YewuError
from yewu.customers.archive import selectors
from yewu.customers.models import Customer
from yewu.org.models import Role
from yewu.org.permissions import can
from yewu.org.selectors import managed_team_ids, salespeople


def is_manager(user) -> bool:
    return can(user, "manages_customers")


def salesperson_choices(user) -> list[tuple[int, str]]:
    """Active salespeople a manager may hand customers to: own team(s), GM all (services re-check)."""
    sps = salespeople().select_related("team")
    if not can(user, "manages_all_teams"):
        sps = sps.filter(team_id__in=managed_team_ids(user))
    return [(u.id, f"{u.name}（{u.team.name if u.team else '无团队'}）") for u in sps]


def apply_field_errors(err: YewuError, form=None, contacts=None, rows=None) -> None:
    """Attach the service's field errors to the Django form fields (``contacts.<i>.<field>`` → contact row)."""
    for key, msg in (err.fields or {}).items():
        parts = key.split(".")
        if parts[0] == "contacts" and contacts:
            if len(parts) == 3 and parts[1].isdigit():
                i = int(parts[1])
                i = rows[i] if rows and i < len(rows) else i
                if i < len(contacts) and parts[2] in contacts[i].fields:
                    contacts[i].add_error(parts[2], msg)
                    continue
            contacts[0].add_error(None, msg)
        elif form is not None and key in form.fields:
            form.add_error(key, msg)


def rule_msg(text: str, rule: str | None):
    if rule:
        return format_html('{} <span class="rule">{}</span>', text, rule)
    return text


def flash_decision(request, decision) -> None:
    for r in decision.reasons:
        messages.warning(request, rule_msg(r.message, r.rule))


def safe_next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return default


def visible_or_404(user, pk: int) -> Customer:
    c = selectors.customer_for(user, pk)
    if c is None:
        raise Http404("客户不存在或无权查看")
    return c


def fmt_value(value, field=None, users: dict | None = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and getattr(field, "choices", None):
        return dict(field.choices).get(value, str(value))
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


def int_or_none(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def detail_url(pk: int, anchor: str = "") -> str:
    return reverse("customers:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def int_or(v, default=None):
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def decimal_or_text(v):
    v = (v or "").strip().replace(",", "")
    if not v:
        return None
    try:
        return Decimal(v)
    except InvalidOperation:
        return v  # the service names the field


def run_and_redirect(request, back: str, fn, ok: str, rule: str = ""):
    try:
        fn()
    except NotFound as e:
        raise Http404(e.message) from e
    except YewuError as e:
        messages.error(request, rule_msg(e.message, e.rule))
    else:
        messages.success(request, rule_msg(ok, rule) if rule else ok)
    return HttpResponseRedirect(back)


ROLE_LABELS = dict(Role.choices)


def pending_step_of(approval_id):

    if not approval_id:
        return None
    return ApprovalStep.objects.filter(request_id=approval_id, state="pending").select_related("request").first()


def can_decide(user, step) -> bool:
    return step is not None and approvals.can_decide(user, step).allowed


PAGE_SIZE = 20
