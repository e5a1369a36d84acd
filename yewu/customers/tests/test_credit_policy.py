"""Pure credit, access and upkeep rules (yewu/policy/credit.py) at SPEC §2.7 / §1.3 / §2.5 / §2.6 boundaries."""

from datetime import date
from decimal import Decimal as D

import pytest

from yewu.policy import credit as r
from yewu.policy.calendar import WorkCalendar
from yewu.policy.config import DEFAULT

FULL = {"payment": 30, "capital": 20, "operation": 20, "relationship": 15, "reputation": 15}


def P(grade, limit, term=30, avg="0"):
    return r.CreditProposal(grade, D(limit), term, D(avg))


# --- credit.grade_policy -----------------------------------------------------------------------------


@pytest.mark.parametrize("limit,outcome", [("20000.00", "allowed"), ("20000.01", "refused"), ("0", "allowed")])
def test_grade_b_cap_20000(limit, outcome):
    d = r.check_grade_policy(P("B", limit))
    assert d.outcome == outcome and d.rule == "credit.grade_policy"
    if outcome == "refused":
        assert "20,000.00" in d.message()


@pytest.mark.parametrize("limit,outcome", [("5000.00", "allowed"), ("5000.01", "refused")])
def test_grade_c_cap_5000(limit, outcome):
    assert r.check_grade_policy(P("C", limit)).outcome == outcome


def test_grade_c_cash_by_default_limit_zero_no_term():
    assert r.check_grade_policy(P("C", "0", term=0)).allowed


@pytest.mark.parametrize("limit,term,outcome", [("0", 0, "allowed"), ("0.01", 0, "refused"), ("0", 30, "refused")])
def test_grade_d_no_credit_of_any_kind(limit, term, outcome):
    d = r.check_grade_policy(P("D", limit, term=term))
    assert d.outcome == outcome
    if outcome == "refused":
        assert "D 级" in d.message()


def test_grade_a_limit_at_one_terms_expected_sales_needs_no_gm():
    # avg monthly 60,000 × 30 ÷ 30 = 60,000
    d = r.check_grade_policy(P("A", "60000.00", 30, "60000"))
    assert d.allowed and d.reasons[0].figures["expected_term_sales"] == D("60000.00")


def test_grade_a_above_one_terms_expected_sales_needs_gm():
    d = r.check_grade_policy(P("A", "30000.01", 45, "20000"))  # 20,000 × 45 ÷ 30 = 30,000.00
    assert d.outcome == "needs_approval" and d.approvers == ("GM",)
    assert "30,000.00" in d.message()


def test_limit_needs_a_term_and_term_capped():
    assert r.check_grade_policy(P("B", "1000", term=0)).refused
    assert r.check_grade_policy(P("B", "1000", term=91)).refused
    assert r.check_grade_policy(P("B", "1000", term=90)).allowed


def test_unknown_grade_and_negative_limit_refused():
    assert r.check_grade_policy(P("E", "0")).refused
    assert r.check_grade_policy(P("B", "-1")).refused


# --- credit.limit_grant --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit,approvers", [
    ("50000.00", ("SM", "FD")), ("50000.01", ("SM", "FD", "GM")), ("0", ("SM", "FD")),
])
def test_limit_grant_gm_only_above_50000(limit, approvers):
    d = r.limit_grant_approvers(P("A", limit))
    assert d.approvers == approvers and d.rule == "credit.limit_grant"


def test_credit_decision_combines_gm_from_grade_a_basis():
    d = r.credit_decision(P("A", "40000", 30, "10000"))  # > expected 10,000 → GM although ≤ 50,000
    assert d.approvers == ("SM", "FD", "GM")
    assert [x.rule for x in d.reasons] == ["credit.grade_policy", "credit.limit_grant"]


def test_credit_decision_refused_passes_grade_reason():
    d = r.credit_decision(P("B", "20000.01"))
    assert d.refused and d.rule == "credit.grade_policy"


def test_gm_threshold_is_a_setting():
    cfg = DEFAULT.with_(**{"credit.limit_grant.gm_above": "30000"})
    assert "GM" in r.limit_grant_approvers(P("A", "30000.01"), cfg).approvers


# --- 客户信用评等表 -------------------------------------------------------------------------------------


def test_rating_total_and_suggested_grade_boundaries():
    assert r.rating_total(FULL) == 100
    assert [r.suggested_grade(t) for t in (85, 84, 70, 69, 55, 54)] == ["A", "B", "B", "C", "C", "D"]


@pytest.mark.parametrize("bad", [{**FULL, "payment": 31}, {k: v for k, v in FULL.items() if k != "capital"},
                                 {**FULL, "extra": 1}, {**FULL, "payment": -1}, {**FULL, "payment": True}])
def test_rating_scores_validated(bad):
    with pytest.raises(ValueError):
        r.rating_total(bad)


def test_grade_other_than_suggestion_needs_a_reason():
    assert r.check_rating_grade(90, "A", "").allowed
    assert r.check_rating_grade(90, "B", "").refused
    d = r.check_rating_grade(90, "B", "新客户先给B级")
    assert d.outcome == "warning" and "新客户先给B级" in d.message()


# --- credit.investigation_cadence ------------------------------------------------------------------------


@pytest.mark.parametrize("grade,due", [("A", date(2025, 9, 30)), ("B", date(2025, 6, 30)), ("C", date(2025, 4, 30)),
                                       ("D", date(2025, 4, 30))])
def test_periodic_report_6_3_1_months(grade, due):
    assert r.next_report_due(date(2025, 3, 31), grade) == due


def test_add_months_end_of_month():
    assert r.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert r.add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert r.add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


@pytest.mark.parametrize("grade,limit,important", [("A", "0", True), ("B", "50000.00", False), ("B", "50000.01", True),
                                                   ("", "0", False)])
def test_important_customer(grade, limit, important):
    assert r.is_important(grade, D(limit)) is important


def test_important_customer_investigated_by_sm_in_person():
    assert r.check_investigator(important=True, roles=frozenset({"CS"}), is_owner_sm=False).refused
    assert r.check_investigator(important=True, roles=frozenset({"SM"}), is_owner_sm=True).allowed
    assert r.check_investigator(important=False, roles=frozenset({"CS"}), is_owner_sm=False).allowed
    assert r.check_investigator(important=False, roles=frozenset({"SP"}), is_owner_sm=False).refused


# --- cust.archive_access_request ---------------------------------------------------------------------------


@pytest.mark.parametrize("days,ok", [(0, False), (1, True), (5, True), (6, False)])
def test_access_period_max_5_working_days(days, ok):
    d = r.check_access_request(level="confidential", roles=frozenset({"SM"}), days=days)
    assert (not d.refused) is ok


def test_access_only_manager_rank_and_chain():
    assert r.check_access_request(level="confidential", roles=frozenset({"SP"}), days=3).refused
    assert r.check_access_request(level="top_secret", roles=frozenset({"CS"}), days=3).refused
    assert r.check_access_request(level="confidential", roles=frozenset({"SM"}), days=3).approvers == ("GM", "CSM")
    assert r.check_access_request(level="top_secret", roles=frozenset({"FD"}), days=3).approvers == ("CSM", "GM")
    # the CSM never grants own request
    assert r.check_access_request(level="top_secret", roles=frozenset({"CSM"}), days=3).approvers == ("GM",)
    assert r.check_access_request(level="secret", roles=frozenset({"SM"}), days=3).refused


# --- deadlines: visit.minutes_2wd, cust.monthly_info_report, cust.archive_quarterly_review ------------------


def test_minutes_due_2_working_days_over_national_day():
    cal = WorkCalendar()
    # meeting Tue 2025-09-30 → 1 WD Thu 10-09, 2 WD Fri 10-10
    due = r.minutes_deadline(date(2025, 9, 30), cal)
    assert (due.date(), due.hour, due.minute, due.second) == (date(2025, 10, 10), 23, 59, 59)
    due = r.minutes_deadline(date(2025, 9, 25), cal)  # Thu → Fri 26, Sun 28 (adjusted working day)
    assert due.date() == date(2025, 9, 28)


def test_info_report_due_on_the_7th():
    assert r.info_report_due(date(2025, 11, 1)) == date(2025, 11, 7)


def test_quarter_and_reminder_day():
    cal = WorkCalendar()
    assert r.quarter_start(date(2025, 11, 20)) == date(2025, 10, 1)
    assert r.quarter_end(date(2025, 11, 20)) == date(2025, 12, 31)
    assert r.quarterly_reminder_day(date(2025, 10, 1), cal) == date(2025, 12, 1)  # Monday
    assert r.quarterly_reminder_day(date(2025, 7, 10), cal) == date(2025, 9, 1)
    assert r.quarterly_reminder_day(date(2025, 4, 2), cal) == date(2025, 6, 3)  # 6-1 Sunday, 6-2 Dragon Boat
    assert r.verified_in_quarter(date(2025, 10, 1), date(2025, 12, 31))
    assert not r.verified_in_quarter(date(2025, 9, 30), date(2025, 12, 31))
    assert not r.verified_in_quarter(None, date(2025, 12, 31))
