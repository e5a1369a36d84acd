"""Pure rules: process.publish_approval (submit check, roll-out date), working hours, process.monitoring figures."""

from datetime import date, datetime
from decimal import Decimal

from yewu.policy.calendar import TZ, WorkCalendar
from yewu.policy.processes import Instance, StepTiming, publish_check, rollout_due, summarize, working_hours_between

CAL = WorkCalendar()


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=TZ)


def test_submit_refused_names_steps_without_role_or_limit():
    d = publish_check([
        {"code": "c2", "role": "ADM", "limit_kind": "wd", "limit_n": 3},
        {"code": "c3", "role": "", "limit_kind": "wd", "limit_n": 1},
        {"code": "c5", "role": "SM", "limit_kind": "", "limit_n": None},
        {"code": "c6", "role": "SM", "limit_kind": "wd", "limit_n": None},  # N WD without N is no limit
        {"code": "c9", "role": "ADM", "limit_kind": "immediately", "limit_n": None},
    ])
    assert d.refused and d.rule == "process.publish_approval"
    assert d.data["steps_without_role"] == ["c3"]
    assert d.data["steps_without_limit"] == ["c5", "c6"]
    assert "c3" in d.message() and "c5、c6" in d.message()


def test_complete_definition_needs_the_gm():
    d = publish_check([{"code": "s1", "role": "SP", "limit_kind": "same_day", "limit_n": None}])
    assert not d.refused and d.approvers == ("GM",)
    assert publish_check([]).refused


def test_rollout_is_due_the_next_working_day():
    assert rollout_due(date(2025, 9, 26), CAL) == date(2025, 9, 28)  # Fri → Sun 09-28 (adjusted working day)
    assert rollout_due(date(2025, 9, 30), CAL) == date(2025, 10, 9)  # National Day holidays skipped


def test_working_hours_count_business_hours_of_working_days_only():
    assert working_hours_between(at("2025-09-01 09:00"), at("2025-09-01 11:00"), CAL) == Decimal("2.00")
    assert working_hours_between(at("2025-09-01 11:00"), at("2025-09-03 10:00"), CAL) == Decimal("15.00")
    # Fri 16:00 → Mon 09:00: 1.5 h Friday, weekend nothing, 0.5 h Monday
    assert working_hours_between(at("2025-09-05 16:00"), at("2025-09-08 09:00"), CAL) == Decimal("2.00")
    assert working_hours_between(at("2025-09-01 12:10"), at("2025-09-01 12:50"), CAL) == Decimal("0.00")  # lunch


def test_summary_counts_on_time_late_and_open_overdue():
    now = at("2025-09-20 12:00")
    due1, due2 = at("2025-09-02 23:59:59"), at("2025-09-05 23:59:59")
    insts = [
        Instance("P04", "order:1", "A", "/a", at("2025-09-01 09:00"), (
            StepTiming("SM", "SM", at("2025-09-01 09:00"), at("2025-09-01 11:00"), due1),)),
        Instance("P04", "order:2", "B", "/b", at("2025-09-04 14:00"), (
            StepTiming("SM", "SM", at("2025-09-04 14:00"), at("2025-09-08 09:30"), due2),
            StepTiming("GM", "GM", at("2025-09-08 09:30"), None, at("2025-09-10 23:59:59")))),
        Instance("P04", "order:3", "C", "/c", at("2025-09-12 16:00"), (
            StepTiming("GM", "GM", at("2025-09-12 16:00"), None, at("2025-09-30 23:59:59")),)),  # open, not due
    ]
    ps = summarize(insts, CAL, now)["P04"]
    assert ps.instances == 3
    sm, gm = ps.steps
    assert (sm.count, sm.on_time, sm.late, sm.median_hours, sm.avg_hours) == (2, 1, 1, Decimal("7.25"), Decimal("7.25"))
    assert (gm.count, gm.on_time, gm.late, gm.on_time_pct) == (0, 0, 1, Decimal("0.0"))
    assert ps.on_time_pct == Decimal("33.3")
    assert [i.ref for i, _ in ps.overdue] == ["order:2"]
    assert [st for _, st in ps.overdue[0][1]] == ["late", "overdue"]


def test_step_due_per_limit_kind():
    from yewu.policy.processes import step_due

    t = at("2025-09-26 10:00")  # Friday
    assert step_due("wd", 1, t, CAL) == at("2025-09-28 23:59:59")  # adjusted working Sunday
    assert step_due("days", 7, t, CAL) == at("2025-10-03 23:59:59")
    assert step_due("hours", 24, t, CAL) == at("2025-09-27 10:00")
    assert step_due("same_day", None, t, CAL) == step_due("immediately", None, t, CAL) == at("2025-09-26 23:59:59")
    assert step_due("monthly", None, t, CAL) is None
