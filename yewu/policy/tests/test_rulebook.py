"""The rulebook's texts say the settings in force: every number that is a company setting is its placeholder, and
a rule page reads enum settings by their Chinese label (the settings page keeps the stored value beside it)."""

import re

import pytest

from yewu.policy import versions as pv
from yewu.policy.config import DEFAULTS
from yewu.policy.rulebook import RULES, filled, placeholders

NUMERIC = ("money", "pct", "wd", "days", "months", "int", "decimal")
NUMBER = re.compile(r"(?<![\d.,])\d[\d,]*(?:\.\d+)?(?![\d])")


def test_every_placeholder_is_a_setting_key():
    unknown = [(r.id, key) for r in RULES.values() for key in placeholders(r.text) if key not in DEFAULTS]
    assert unknown == []
    assert all(r.name and r.text for r in RULES.values())
    # no placeholder left unfilled or half-written ("{price.x" or "price.x}")
    for r in RULES.values():
        text = filled(r.text, lambda k: pv.display(pv.setting(k).default, k, plain=True))
        assert "{" not in text and "}" not in text, r.id


def test_no_setting_of_a_rule_is_written_as_a_number():
    """A number that is a setting of the rule is its placeholder: a change of the setting changes the text."""
    hard = []
    for r in RULES.values():
        numbers = set(NUMBER.findall(re.sub(r"\{[^}]*\}", " ", r.name + " " + r.text)))
        for s in pv.all_settings():
            if s.rule == r.id and s.kind in NUMERIC and s.default:
                as_written = {pv.display(s.default, s.key), pv.display(s.default, s.key).replace(",", ""),
                              pv.display(s.default, s.key, plain=True)}
                hard += [(r.id, s.key, n) for n in numbers if n in as_written or n.replace(",", "") in as_written]
    assert hard == []


def test_the_number_check_finds_a_hard_coded_setting():
    text = "老客户账期订单金额超过 20,000.00 元，须业务经理批准。"
    setting = pv.setting("approve.credit_over_20k_manager.amount")
    assert pv.display(setting.default, setting.key) in set(NUMBER.findall(text))


@pytest.mark.parametrize("key,value,plain,stored", [
    ("price.special_commission.mode", "proportional", "按比例", "按比例（proportional）"),
    ("price.special_commission.mode", "whole_steps", "按整百分点", "按整百分点（Alt）（whole_steps）"),
    ("approve.credit_over_50k_gm.mode", "sm_then_gm", "业务经理后总经理", "业务经理后总经理（sm_then_gm）"),
    ("contract.phone_approval.recorder_roles", "CS,CSM", "客服、客服经理", "CS,CSM"),
    ("commission.statement.tiers", "0:5,5:2,10:1", "< 5 单 5%、5–9 单 2%、≥ 10 单 1%", "0:5,5:2,10:1"),
    ("input.bounds.max_quantity", pv.Decimal("10000000"), "10,000,000", "10000000"),
])
def test_plain_display_names_the_value_the_settings_page_keeps_the_stored_one(key, value, plain, stored):
    assert pv.display(value, key, plain=True) == plain
    assert pv.display(value, key) == stored


def test_plain_labels_hold_no_stored_value():
    snake = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@])")
    raw_labels = [s.key for s in pv.all_settings() if snake.search(pv.plain_label(s.key))
                  or any(v in pv.plain_label(s.key) for v, _ in s.choices)]
    assert raw_labels == []
    assert pv.plain_label("credit.grade_policy.b_cap") == pv.setting("credit.grade_policy.b_cap").label
