"""The rule reference (`/rules/`, `/rules/<rule id>/`): what a rule id next to a decision means — the rule's name,
its text (yewu.policy.rulebook, summarised from the company's written rules) with the settings in force filled
in, and each of its settings with the current value and the default. Any logged-in user may read it."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from yewu.org.permissions import can
from yewu.org.selectors import get_policy
from yewu.policy import rulebook
from yewu.policy import versions as pv


def _show(cfg, key: str) -> str:
    try:
        return pv.display(cfg[key], key)
    except KeyError:
        return "—"


def settings_of(rule_id: str, cfg) -> list[dict]:
    """The settings whose key belongs to this rule (``<rule id>.<parameter>``), with value in force and default."""
    out = []
    for s in pv.all_settings():
        if s.rule == rule_id:
            out.append({"key": s.key, "label": s.label, "unit": s.unit, "current": _show(cfg, s.key),
                        "default": pv.display(s.default, s.key), "changed": _show(cfg, s.key) != pv.display(s.default, s.key)})
    return out


RULE_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


@login_required
def rule_page(request, rule_id: str):
    r = rulebook.rule(rule_id)
    cfg = get_policy()
    rows = settings_of(rule_id, cfg)
    if r is None and not rows and not RULE_ID.fullmatch(rule_id):
        raise Http404
    # a rule the rulebook does not summarise yet still gets its page (the id, and that there is no text yet):
    # every rule id on a screen is a link, and a link never ends in a 404
    text = rulebook.filled(r.text, lambda k: _show(cfg, k)) if r else "这条规则的说明尚未收录。"
    return render(request, "desk/rule.html", {"rule_id": rule_id, "name": r.name if r else "", "text": text,
                                              "rows": rows, "version": getattr(cfg, "version", None),
                                              "may_change": can(request.user, "changes_settings")})


@login_required
def rule_list(request):
    cfg = get_policy()
    rules = [{"id": r.id, "name": r.name, "text": rulebook.filled(r.text, lambda k: _show(cfg, k))}
             for r in rulebook.RULES.values()]
    return render(request, "desk/rules.html", {"rules": rules})
