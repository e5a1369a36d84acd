"""SPEC §6 customer-service rules, pure (no database)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yewu.policy import service as rules
from yewu.policy.calendar import TZ, WorkCalendar
from yewu.policy.config import DEFAULT
from yewu.policy.customers import Candidate
from yewu.policy.processes import working_hours_between
from yewu.policy.quotes import BUSINESS_HOURS

CAL = WorkCalendar()


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


# --- ticket.first_response_1wd ---------------------------------------------------------------------------------

def test_first_response_due_is_end_of_next_working_day_across_national_day():
    due = rules.first_response_due(at(2025, 9, 30, 16), CAL)
    assert due.rule == "ticket.first_response_1wd"
    assert due.due_at == at(2025, 10, 9, 23, 59).replace(second=59)
    assert "2025-10-09" in due.label


def test_received_in_the_future_is_refused_naming_the_field():
    now = at(2025, 9, 30, 10)
    d = rules.check_received_at(now + timedelta(hours=2), now)
    assert d.refused and d.rule == "ticket.first_response_1wd" and d.reasons[0].figures["field"] == "received_at"
    assert rules.check_received_at(now - timedelta(hours=2), now).allowed


def test_tickets_assigned_by_the_web_lead_balance_rule():
    cands = [Candidate(1, "甲", 40, Decimal("1.0")), Candidate(2, "乙", 50, Decimal("1.5")), Candidate(3, "丙", 30, Decimal("0.8"))]
    assert rules.assign_by_balance(cands).data["suggested_user_id"] == 2  # SPEC example: B 33.3 lowest
    tie = [Candidate(5, "甲", 3, Decimal("1.0"), leads_last_30d=9), Candidate(7, "乙", 3, Decimal("1.0"), leads_last_30d=2)]
    assert rules.assign_by_balance(tie).data["suggested_user_id"] == 7
    assert rules.assign_by_balance([]).refused


# --- complaint clocks ------------------------------------------------------------------------------------------

def test_reply_5wd_spec_example():
    due = rules.reply_due(at(2025, 9, 29, 10), CAL)  # Mon
    assert due.rule == "complaint.reply_5wd"
    assert due.due_at.date() == date(2025, 10, 13)  # Mon (10-11 Sat is an adjusted working day)
    assert (due.due_at.hour, due.due_at.minute, due.due_at.second) == (23, 59, 59)


def test_solution_3wd_from_transfer():
    due = rules.solution_due(at(2025, 9, 30, 9), CAL)
    assert due.rule == "complaint.solution_3wd" and due.due_at.date() == date(2025, 10, 11)  # SPEC §10 example
    assert rules.solution_due(at(2025, 9, 30, 9), CAL, DEFAULT.with_(**{"complaint.solution_3wd.working_days": 1})).due_at.date() == date(2025, 10, 9)


def test_followup_5wd_and_dispatch_same_day():
    assert rules.followup_due(at(2025, 9, 29, 10), CAL).due_at.date() == date(2025, 10, 13)
    assert rules.dispatch_due(at(2025, 9, 29, 10)).due_at == datetime(2025, 9, 29, 23, 59, 59, tzinfo=TZ)


def test_followups_by_type():
    assert rules.followups_required("quality") == (2, None)
    assert rules.followups_required("service") == (1, 2)
    assert rules.followups_required("delivery") == (1, None)
    d = rules.check_followups("quality", 1)
    assert d.refused and d.rule == "complaint.followups_by_type" and d.reasons[0].figures["required"] == 2
    assert rules.check_followups("quality", 2).allowed
    assert rules.check_followups("other", 1).allowed
    with pytest.raises(ValueError):
        rules.followups_required("nonsense")


def test_close_satisfied():
    ok = rules.check_close("quality", ["dissatisfied", "satisfied"])
    assert ok.allowed and ok.data["reopen"] is False
    bad = rules.check_close("other", ["satisfied", "dissatisfied"])
    assert bad.refused and bad.rule == "complaint.close_satisfied" and bad.data["reopen"] is True
    few = rules.check_close("quality", ["very_satisfied"])
    assert few.refused and few.rule == "complaint.followups_by_type"
    none = rules.check_close("other", [])
    assert none.refused


def test_major_suggestion_for_key_customer_or_claim_of_10000():
    assert rules.major_suggestion(key_customer=True, claim_amount=None).data["suggest_major"]
    assert rules.major_suggestion(key_customer=False, claim_amount=Decimal("10000.00")).data["suggest_major"]
    d = rules.major_suggestion(key_customer=False, claim_amount=Decimal("9999.99"))
    assert not d.data["suggest_major"] and d.allowed
    assert rules.major_suggestion(key_customer=True, claim_amount=None).rule == "complaint.major_to_gm"
    assert rules.selector_role(True) == "GM" and rules.selector_role(False) == "DEPT_MANAGER"


def test_escalate_overdue_csm_at_once_gm_two_working_days_later():
    due = datetime(2025, 9, 29, 23, 59, 59, tzinfo=TZ)  # Mon
    assert rules.escalation(due, due - timedelta(seconds=1), CAL).data["levels"] == ()
    assert rules.escalation(due, due + timedelta(seconds=1), CAL).data["levels"] == ("CSM",)
    # 2 WD after Mon 09-29 = Thu 10-09 (National Day), so still CSM only on 10-09 noon
    assert rules.escalation(due, at(2025, 10, 9, 12), CAL).data["levels"] == ("CSM",)
    d = rules.escalation(due, at(2025, 10, 10, 0, 1), CAL)
    assert d.data["levels"] == ("CSM", "GM") and d.rule == "complaint.escalate_overdue"


def test_customer_consult_second_rejection_goes_to_gm():
    assert rules.consult_outcome(True, 0).data["next"] == "implement"
    assert rules.consult_outcome(False, 0).data["next"] == "department"
    assert rules.consult_outcome(False, 1).data["next"] == "gm"


def test_claim_manager_review_needs_sm_whatever_the_amount():
    d = rules.claim_review()
    assert d.approvers == ("SM",) and d.rule == "claim.manager_review"


def test_monthly_analysis_due_5th_working_day():
    # October 2025: 10-09, 10-10, 10-11 (Sat, adjusted), 10-13, 10-14 → the 5th working day is Tue 10-14
    assert rules.analysis_due(2025, 9, CAL) == date(2025, 10, 14)
    assert rules.analysis_due(2025, 12, CAL).year == 2026


# --- revisits --------------------------------------------------------------------------------------------------

FULL = {"channel": "phone", "contact": "王工", "visited_at": at(2025, 9, 29, 10), "satisfaction": "satisfied",
        "opinion": "无"}


def test_record_complete_refuses_each_missing_field():
    assert rules.check_record(FULL).allowed
    for k in rules.RECORD_FIELDS:
        d = rules.check_record({**FULL, k: "  " if k != "visited_at" else None})
        assert d.refused and d.rule == "revisit.record_complete" and list(d.data["fields"]) == [k]
    assert rules.check_record({**FULL, "satisfaction": "meh"}).refused


def test_quiet_hours_warn_but_never_refuse():
    assert rules.check_quiet_hours(at(2025, 9, 29, 10), CAL).outcome == "allowed"
    for t in (at(2025, 9, 29, 8, 59), at(2025, 9, 29, 12, 30), at(2025, 9, 29, 20, 0), at(2025, 10, 2, 10)):
        d = rules.check_quiet_hours(t, CAL)
        assert d.outcome == "warning" and d.allowed and d.rule == "revisit.quiet_hours"
    assert rules.check_quiet_hours(at(2025, 10, 11, 10), CAL).outcome == "allowed"  # adjusted Saturday
    cfg = DEFAULT.with_(**{"revisit.quiet_hours.windows": "08:00-21:00"})
    assert rules.check_quiet_hours(at(2025, 9, 29, 12, 30), CAL, cfg).outcome == "allowed"


def test_first_delivery_visit_within_3_calendar_days():
    due = rules.first_delivery_visit_due(at(2025, 9, 30, 15), DEFAULT)
    assert due.rule == "revisit.after_first_delivery_3d" and due.due_at.date() == date(2025, 10, 3)


def test_campaign_closes_only_at_100pct():
    m = [rules.CampaignMember(1, "甲", True), rules.CampaignMember(2, "乙", False, 3, False)]
    d = rules.check_campaign_close(m)
    assert d.refused and d.rule == "revisit.key_customers_100pct" and d.reasons[0].figures["open"] == [2]
    m[1] = rules.CampaignMember(2, "乙", False, 3, True)
    ok = rules.check_campaign_close(m)
    assert ok.allowed and ok.data["kpi"] == Decimal("50.0")


# --- service.arrival_sla -----------------------------------------------------------------------------------------

def test_arrival_sla_spec_example_urban_call_before_national_day():
    due = rules.arrival_due(at(2025, 9, 30, 16), "urban", CAL)
    assert due.rule == "service.arrival_sla" and due.due_at == at(2025, 10, 9, 14)


def test_arrival_sla_suburban_and_adjusted_saturday():
    assert rules.arrival_due(at(2025, 9, 30, 16), "suburban", CAL).due_at == at(2025, 10, 9, 15)
    # Fri 10-10 17:00 urban: 0.5 h Friday, then Sat 10-11 (adjusted working day) 08:30 + 5.5 h = 15:00
    assert rules.arrival_due(at(2025, 10, 10, 17), "urban", CAL).due_at == at(2025, 10, 11, 15)


def test_zones_from_the_district_setting():
    assert rules.zone_of("天河区") == "urban" and rules.zone_of("番禺") == "suburban" and rules.zone_of("南山") is None
    cfg = DEFAULT.with_(**{"service.arrival_sla.urban_districts": "天河,番禺"})
    assert rules.zone_of("番禺", cfg) == "urban"


def _business_seconds(start: datetime, end: datetime) -> float:
    """Seconds of 08:30–12:00 and 13:00–17:30 on CAL's working days between two instants, unrounded."""
    s, e, total = start.astimezone(TZ), end.astimezone(TZ), 0.0
    d = s.date()
    while d <= e.date():
        if CAL.is_working_day(d):
            for a, b in BUSINESS_HOURS:
                lo = max(s, datetime.combine(d, a, tzinfo=TZ))
                hi = min(e, datetime.combine(d, b, tzinfo=TZ))
                total += max(0.0, (hi - lo).total_seconds())
        d += timedelta(days=1)
    return total


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(UTC)),
       st.sampled_from(["urban", "suburban"]))
def test_property_arrival_deadline_is_exactly_n_business_hours_later(reg, zone):
    due = rules.arrival_due(reg, zone, CAL).due_at
    n = 6 if zone == "urban" else 7
    assert due > reg
    assert working_hours_between(reg, due, CAL) == Decimal(n)
    # and it is the earliest such instant: one second earlier is short of n hours, counted unrounded from the
    # registration's whole second (as add_working_hours counts; working_hours_between rounds to 0.01 h)
    start = reg.replace(microsecond=0)
    assert _business_seconds(start, due - timedelta(seconds=1)) < n * 3600 == _business_seconds(start, due)
    assert CAL.is_working_day(due.astimezone(TZ).date())


def test_arrival_check_flags_late():
    reg = at(2025, 9, 30, 16)
    assert not rules.arrival_check(reg, at(2025, 10, 9, 14), "urban", CAL).data["late"]
    late = rules.arrival_check(reg, at(2025, 10, 9, 15), "urban", CAL)
    assert late.data["late"] and late.outcome == "warning" and late.rule == "service.arrival_sla"


def test_dispatch_first_next_day_and_escalation():
    reg = at(2025, 9, 30, 16)
    d = rules.dispatch_check(reg, at(2025, 10, 9, 8), False, None, CAL)
    assert d.data["first"] and d.rule == "service.dispatch" and not d.data["escalate"]
    e = rules.dispatch_check(reg, at(2025, 10, 9, 15), True, at(2025, 10, 9, 14), CAL)
    assert e.data["escalate"] and not e.data["first"]


def test_close_signature():
    d = rules.check_job_close(signed=False)
    assert d.refused and d.rule == "service.close_signature" and "signature" in d.data["fields"]
    assert rules.check_job_close(signed=True).allowed
    c = rules.check_job_close(signed=True, carry_in=True, pickup_receipt=True, register_entry=True, repair_tag=True)
    assert c.refused and list(c.data["fields"]) == ["supervisor_inspected"]


def test_survey_next_working_day_and_renewal_one_month_before():
    assert rules.survey_due(date(2025, 9, 30), CAL) == date(2025, 10, 9)
    assert rules.renewal_notice_on(date(2026, 3, 31)) == date(2026, 2, 28)
    assert rules.renewal_notice_on(date(2026, 1, 15)) == date(2025, 12, 15)


def test_a_fraction_of_a_second_does_not_carry_the_deadline_over_the_lunch_break():
    # Tue 2025-04-01 15:00:00.000001 (07:00 UTC), urban: 2.5 h that day + 3.5 h the next morning → 12:00, not 13:00
    reg = datetime(2025, 4, 1, 7, 0, 0, 1, tzinfo=UTC)
    d = rules.arrival_due(reg, "urban", CAL)
    due = d.due_at
    assert due.astimezone(TZ) == datetime(2025, 4, 2, 12, 0, tzinfo=TZ)
    assert d.rule == "service.arrival_sla" and "2025-04-02 12:00 前" in d.label
    assert working_hours_between(reg, due - timedelta(minutes=1), CAL) < Decimal(6)
