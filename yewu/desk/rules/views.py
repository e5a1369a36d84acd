"""The rule reference (`/rules/`, `/rules/<rule id>/`): what a rule id next to a decision means — the rule's name,
its text (yewu.policy.rulebook, summarised from the company's written rules) with the settings in force filled
in, and each of its settings with the current value and the default. Any logged-in user may read it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from yewu.org.permissions import can
from yewu.org.selectors import get_policy
from yewu.policy import rulebook
from yewu.policy import versions as pv


def _show(cfg, key: str) -> str:
    """A setting's value in force as a rule page says it: a choice by its Chinese label alone (the settings page
    adds the stored value), role codes by the roles' names."""
    try:
        return pv.display(cfg[key], key, plain=True)
    except KeyError:
        return "—"


def settings_of(rule_id: str, cfg, text: str = "") -> list[dict]:
    """The settings whose key belongs to this rule (``<rule id>.<parameter>``), then any other setting its text
    quotes, each with the value in force and the default."""
    keys = [s.key for s in pv.all_settings() if s.rule == rule_id]
    keys += [k for k in dict.fromkeys(rulebook.placeholders(text)) if k not in keys and k in pv.DEFAULTS]
    out = []
    for key in keys:
        s = pv.setting(key)
        current, default = _show(cfg, key), pv.display(s.default, key, plain=True)
        out.append({"key": key, "label": pv.plain_label(key), "unit": s.unit, "current": current, "default": default,
                    "changed": current != default})
    return out


@login_required
def rule_page(request, rule_id: str):
    """A rule's page: 404 for an id that is neither in the rulebook nor the rule of a setting (every id the
    system shows is in the rulebook, so its links always end on a page with text)."""
    r = rulebook.rule(rule_id)
    cfg = get_policy()
    rows = settings_of(rule_id, cfg, r.text if r else "")
    if r is None and not rows:
        raise Http404
    text = rulebook.filled(r.text, lambda k: _show(cfg, k)) if r else ""
    return render(request, "desk/rule.html", {"rule_id": rule_id, "name": r.name if r else "", "text": text,
                                              "rows": rows, "version": getattr(cfg, "version", None),
                                              "may_change": can(request.user, "changes_settings")})


@login_required
def rule_list(request):
    cfg = get_policy()
    rules = [{"id": r.id, "name": r.name, "text": rulebook.filled(r.text, lambda k: _show(cfg, k))}
             for r in rulebook.RULES.values()]
    return render(request, "desk/rules.html", {"rules": rules})
