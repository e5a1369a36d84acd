"""Small helpers for the service pages: show a refusal with its rule, redirect back."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import redirect

from yewu.common.errors import YewuError
from yewu.org.permissions import ability as spec
from yewu.org.permissions import can


def refused(request, e: YewuError) -> None:
    fields = "；".join(f"{k}：{v}" for k, v in (e.fields or {}).items() if str(v) not in e.message)
    messages.error(request, f"{e.message}" + (f"（{fields}）" if fields else "")
                   + (f" [{e.rule}]" if e.rule else ""))


def back(request, default: str):
    return redirect(request.POST.get("next") or default)


def need(user, ability: str) -> None:
    """Pages: 403 (Django's page) unless the user has the ability."""
    if not can(user, ability):
        ab = spec(ability)
        raise Forbidden(f"无权{ab.label} [{ab.rule}]")
