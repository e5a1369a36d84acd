"""Rule pages (issue 15): every rule id the system quotes or links has a rulebook entry, so a rule link never ends
in a 404 or an empty page; the pages say enum settings by their Chinese label, never the stored value."""

import re
from pathlib import Path

import pytest
from django.test import Client

from yewu.org.permissions import ABILITIES
from yewu.policy.rulebook import RULES

pytestmark = pytest.mark.django_db

PKG = Path(__file__).resolve().parents[2]  # yewu/
RULE_ID = r"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"
IN_CODE = [re.compile(p, re.M) for p in (r'Reason\(\s*"' + RULE_ID + '"', r'\brule="' + RULE_ID + '"',
                                   r'\brule_id="' + RULE_ID + '"', r'"rule":\s*"' + RULE_ID + '"',
                                   r'^\s*[A-Z_]*RULE = "' + RULE_ID + '"')]
IN_TEMPLATES = re.compile(r"/rules/" + RULE_ID + "/")
SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@])")


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def emitted_rule_ids() -> dict[str, str]:
    """Rule id → a file that quotes it: Reason("…"), rule="…", rule_id="…", "rule": "…", RULE = "…" in the code,
    /rules/<id>/ links in the templates, and the rule of every ability (quoted when access is refused)."""
    found: dict[str, str] = {}
    for path in PKG.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        for rx in IN_CODE:
            for m in rx.finditer(source):
                found.setdefault(m.group(1), str(path.relative_to(PKG)))
    for path in PKG.rglob("*.html"):
        for m in IN_TEMPLATES.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(1), str(path.relative_to(PKG)))
    for name, ability in ABILITIES.items():
        found.setdefault(ability.rule, f"ability {name}")
    return found


def test_every_rule_id_the_code_quotes_or_links_has_a_rulebook_entry():
    found = emitted_rule_ids()
    # the scan sees the ids it must (one of each kind of source)
    assert {"price.special_commission", "order.amount_change_voids_approval", "input.bounds", "public_form.throttle",
            "contract.phone_approval", "approval.inbox", "import.limits", "visit.minutes_2wd"} <= set(found)
    assert sorted(f"{rid} ({where})" for rid, where in found.items() if rid not in RULES) == []


def visible(html: str) -> str:
    html = re.sub(r'<span class="rule">[^<]*</span>', " ", html)
    html = re.sub(r"<(head|script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_every_rule_page_has_its_name_and_text_and_no_stored_value(company):
    c = login(company.sales1)
    bad = []
    for rid, r in RULES.items():
        resp = c.get(f"/rules/{rid}/")
        body = resp.content.decode()
        text = visible(body)
        if resp.status_code != 200 or r.name not in text or "尚未收录" in text or "{" in text.split("全部规则")[0]:
            bad.append((rid, resp.status_code))
        elif SNAKE.search(text):
            bad.append((rid, SNAKE.search(text).group(0)))
    assert bad == []
    listing = visible(c.get("/rules/").content.decode())
    assert [r.name for r in RULES.values() if r.name not in listing] == [] and not SNAKE.search(listing)


def test_an_unknown_rule_id_is_404_and_a_known_one_is_not(company):
    c = login(company.sales1)
    assert c.get("/rules/no.such_rule/").status_code == 404
    assert c.get("/rules/area.short_name/").status_code == 404
    assert c.get("/rules/quote.validity/").status_code == 200


def test_enum_setting_shows_its_chinese_label_only(company):
    page = login(company.sales1).get("/rules/price.special_commission/").content.decode()
    text = visible(page)
    assert "计算方式：按比例" in text  # the text with the setting filled in
    assert re.search(r'<td data-label="现值"><strong>按比例</strong>', page)  # the settings table
    assert "proportional" not in text and "whole_steps" not in text
    assert "提成降点的计算方式" in text


def test_a_rule_page_lists_the_settings_its_text_quotes(company):
    """quote.validity reads quote.validity_days (a setting named apart from the rule id) and lists it."""
    text = visible(login(company.sales1).get("/rules/quote.validity/").content.decode())
    assert "报价单自报价日期起 30 天内有效" in text and "报价有效期（自然日）" in text
