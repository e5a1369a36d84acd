"""SPEC §7 sales management rules, with SPEC's worked figures."""

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from yewu.policy import salesmgmt as sm
from yewu.policy.calendar import TZ, WorkCalendar

CAL = WorkCalendar()


# --- target.daily_decomposition ---


def test_october_2025_has_18_working_days_including_saturday_the_11th():
    days = sm.month_working_days(2025, 10, CAL)
    assert len(days) == 18
    assert days[:4] == [date(2025, 10, 9), date(2025, 10, 10), date(2025, 10, 11), date(2025, 10, 13)]
    assert days[-1] == date(2025, 10, 31)


def test_spec_example_100000_over_october_2025():
    dec = sm.daily_decomposition(Decimal("100000.00"), 2025, 10, CAL)
    split = dec.data["split"]
    assert Counter(split.values()) == {Decimal("5555.56"): 10, Decimal("5555.55"): 8}
    assert split[date(2025, 10, 9)] == Decimal("5555.56")  # the first r days get one cent more
    assert split[date(2025, 10, 31)] == Decimal("5555.55")
    assert sum(split.values()) == Decimal("100000.00")
    assert "10 天 × 5,555.56 + 8 天 × 5,555.55" in dec.message()


def test_spec_example_60_visits_over_october_2025():
    split = sm.daily_decomposition(60, 2025, 10, CAL, metric="visits").data["split"]
    assert Counter(split.values()) == {4: 6, 3: 12}
    assert list(split.values())[:6] == [4] * 6


@settings(max_examples=150, deadline=None)
@given(year=st.integers(2005, 2027), month=st.integers(1, 12), cents=st.integers(0, 10**11),
       metric=st.sampled_from(["collections", "visits", "calls"]))
def test_split_sums_exactly_and_parts_differ_by_at_most_one_unit(year, month, cents, metric):
    total = (Decimal(cents) / 100).quantize(Decimal("0.01")) if metric == "collections" else cents % 100000
    split = sm.daily_decomposition(total, year, month, CAL, metric=metric).data["split"]
    assert sum(split.values()) == total
    units = [int(v * 100) if metric == "collections" else v for v in split.values()]
    assert max(units) - min(units) <= 1
    assert list(split) == sm.month_working_days(year, month, CAL)


def test_sm_moves_keep_the_sum_and_stay_in_the_month():
    split = sm.daily_decomposition(60, 2025, 10, CAL, metric="visits").data["split"]
    moved = dict(split)
    moved[date(2025, 10, 9)] += 2
    moved[date(2025, 10, 31)] -= 2
    assert sm.check_day_moves("visits", 60, 2025, 10, moved, CAL).allowed
    bad = dict(split)
    bad[date(2025, 10, 9)] += 1
    dec = sm.check_day_moves("visits", 60, 2025, 10, bad, CAL)
    assert dec.refused and dec.rule == "target.daily_decomposition" and dec.reasons[0].figures["field"] == "days"
    outside = dict(split)
    outside[date(2025, 11, 3)] = 0
    dec = sm.check_day_moves("visits", 60, 2025, 10, outside, CAL)
    assert dec.refused and "不在" in dec.message()
    holiday = dict(split)
    holiday[date(2025, 10, 3)] = 0  # National Day holiday
    assert sm.check_day_moves("visits", 60, 2025, 10, holiday, CAL).refused


def test_moves_refuse_negative_and_fractional_counts():
    split = sm.daily_decomposition(60, 2025, 10, CAL, metric="visits").data["split"]
    neg = dict(split)
    neg[date(2025, 10, 9)] = -1
    neg[date(2025, 10, 10)] = split[date(2025, 10, 10)] + 5
    assert sm.check_day_moves("visits", 60, 2025, 10, neg, CAL).refused
    frac = dict(split)
    frac[date(2025, 10, 9)] = "3.5"
    frac[date(2025, 10, 10)] = "4.5"
    assert sm.check_day_moves("visits", 60, 2025, 10, frac, CAL).refused


def test_target_values_at_the_boundary():
    assert sm.parse_target_value("collections", "1,000.50").data["value"] == Decimal("1000.50")
    assert sm.parse_target_value("collections", "1.005").refused
    assert sm.parse_target_value("visits", "-1").refused
    assert sm.parse_target_value("calls", "2.5").refused
    assert sm.parse_target_value("calls", "abc").refused
    assert sm.parse_target_value("calls", "40").data["value"] == 40


# --- target.monthly_set ---


def test_monthly_set_deadline_is_the_previous_months_last_working_day():
    # October 2025 targets: September's last working day is Tue 09-30
    assert sm.monthly_set_deadline(2025, 10, CAL) == datetime(2025, 9, 30, 23, 59, 59, tzinfo=TZ)
    # November 2025: Fri 10-31
    assert sm.monthly_set_deadline(2025, 11, CAL) == datetime(2025, 10, 31, 23, 59, 59, tzinfo=TZ)
    ok = sm.check_monthly_set(2025, 10, datetime(2025, 9, 30, 23, 0, tzinfo=TZ), CAL)
    late = sm.check_monthly_set(2025, 10, datetime(2025, 10, 1, 0, 0, tzinfo=TZ), CAL)
    assert ok.data["late"] is False and late.data["late"] is True and late.rule == "target.monthly_set"


def test_targets_missing_after_deadline_only():
    before = datetime(2025, 9, 30, 12, 0, tzinfo=TZ)
    after = datetime(2025, 10, 1, 9, 0, tzinfo=TZ)
    assert sm.targets_missing(2025, 10, before, CAL, [], ["张三"]) == []
    assert sm.targets_missing(2025, 10, after, CAL, ["李四"], ["张三", "李四"]) == ["张三"]


# --- plan.change_reason ---


def test_change_needs_reason_and_sm_or_gm():
    assert sm.change_reason("sudden_change", "", False).refused
    assert sm.change_reason("whim", "想改", False).refused
    dec = sm.change_reason("unreachable", "大客户停产", False)
    assert dec.approvers == ("SM",) and dec.rule == "plan.change_reason"
    assert sm.change_reason("sudden_change", "区域调整", True).approvers == ("GM",)


# --- daily.table_by_0900 ---


def test_spec_examples_table_due():
    assert sm.table_due(date(2025, 9, 26), CAL) == datetime(2025, 9, 28, 9, 0, tzinfo=TZ)  # Fri → adjusted Sun
    assert sm.table_due(date(2025, 9, 30), CAL) == datetime(2025, 10, 9, 9, 0, tzinfo=TZ)  # Tue → Thu after holidays


def test_0900_exactly_is_late_and_0859_59_is_on_time():
    d = date(2025, 9, 26)
    on_time = sm.check_table_submission(d, datetime(2025, 9, 28, 8, 59, 59, tzinfo=TZ), CAL)
    late = sm.check_table_submission(d, datetime(2025, 9, 28, 9, 0, 0, tzinfo=TZ), CAL)
    assert on_time.data["late"] is False and late.data["late"] is True
    assert "逾期" in late.message()
    assert sm.check_table_submission(date(2025, 10, 1), datetime(2025, 10, 1, 8, tzinfo=TZ), CAL).refused


# --- shortfalls, corrections, leaderboard ---


def test_shortfalls_and_attainment():
    s = sm.shortfalls({"collections": Decimal("5555.56"), "visits": 4, "calls": 20, "new_intent": 3, "met": 1},
                      {"collections": Decimal("3000.00"), "visits": 4, "calls": 12, "new_intent": 3, "met": 2})
    assert [x["metric"] for x in s] == ["collections", "calls"]
    assert s[0]["gap"] == Decimal("2555.56") and s[1]["gap"] == 8
    assert sm.attainment_pct(Decimal("50"), Decimal("200")) == Decimal("25.0")
    assert sm.attainment_pct(1, 0) is None


def test_correction_needs_reason():
    assert sm.check_correction("calls", 5, "").rule == "daily.quantified_activity"
    assert sm.check_correction("calls", 5, " ").refused
    assert sm.check_correction("calls", "-2", "补录").refused
    assert sm.check_correction("calls", 5, "漏记两通").data["value"] == 5


def test_rank_with_ties_and_champions():
    rows = sm.rank([("张三", Decimal("3000")), ("李四", Decimal("5000")), ("王五", Decimal("3000")), ("赵六", Decimal(0))])
    assert [(r["rank"], r["name"]) for r in rows] == [(1, "李四"), (2, "张三"), (2, "王五"), (4, "赵六")]
    assert rows[1]["line"] == "张三 到账 3,000.00"
    assert sm.champion([("a", Decimal(0))]) == []
    assert sm.champion([("a", Decimal(2)), ("b", Decimal(2))]) == ["a", "b"]


def test_leaderboard_reports_previous_working_day():
    assert sm.leaderboard_day(date(2025, 10, 9), CAL) == date(2025, 9, 30)
    assert sm.leaderboard_day(date(2025, 9, 29), CAL) == date(2025, 9, 28)


def test_coaching_due_end_of_next_working_day():
    assert sm.coaching_due(date(2025, 9, 30), CAL) == datetime(2025, 10, 9, 23, 59, 59, tzinfo=TZ)


def test_supervision_window():
    assert sm.check_call_list_time(datetime(2025, 10, 9, 9, 25, tzinfo=TZ)).data["in_window"]
    assert not sm.check_call_list_time(datetime(2025, 10, 9, 9, 31, tzinfo=TZ)).data["in_window"]
    weeks = [date(2025, 10, 13), date(2025, 10, 20)]
    assert sm.weeks_without_accompanied_visit(weeks, [date(2025, 10, 15)]) == [date(2025, 10, 20)]


# --- route.visit_8_steps / route.safety_stock_1_5 ---


def test_route_steps_in_order_with_next_visit():
    day = date(2025, 10, 9)
    assert sm.check_route_steps(list(range(1, 9)), day, day + timedelta(days=7)).allowed
    skipped = sm.check_route_steps([1, 2, 4, 5, 6, 7, 8], day, day + timedelta(days=7))
    assert skipped.refused and skipped.reasons[0].figures["field"] == "steps.3"
    swapped = sm.check_route_steps([1, 3, 2, 4, 5, 6, 7, 8], day, day + timedelta(days=7))
    assert swapped.refused and swapped.rule == "route.visit_8_steps"
    assert sm.check_route_steps(list(range(1, 8)), day, None).reasons[0].figures["field"] == "steps.8"
    assert sm.check_route_steps(list(range(1, 9)), day, None).reasons[0].figures["field"] == "next_visit_on"
    assert sm.check_route_steps(list(range(1, 9)), day, day).refused


def test_spec_example_safety_stock():
    dec = sm.safety_stock_order(40, 25, 10)
    assert dec.data["qty"] == 40  # 1.5 × 40 − 25 = 35 → 40
    assert sm.safety_stock_order(40, 70, 10).data["qty"] == 0
    assert sm.safety_stock_order(40, 60, 10).data["qty"] == 0
    assert sm.safety_stock_order(40, 59, 10).data["qty"] == 10
    assert sm.safety_stock_order(40, 25, 0).refused


def test_weekly_sell_through_from_counts():
    t = date(2025, 10, 31)
    counts = [sm.StockCount(t - timedelta(days=28), 100), sm.StockCount(t - timedelta(days=14), 40, 20),
              sm.StockCount(t, 50, 90)]
    # sold = (100 + 20 − 40) + (40 + 90 − 50) = 160 over 4 weeks → 40 a week
    assert sm.weekly_sell_through(counts, t) == Decimal("40.00")


# --- plans, reports, training ---


def test_variance_needs_cause_and_countermeasure():
    assert sm.check_variance(10, 10, "", "").allowed
    assert sm.check_variance(10, 7, "", "加拜访").reasons[0].figures["field"] == "cause"
    assert sm.check_variance(10, 7, "客户停产", "").reasons[0].figures["field"] == "countermeasure"
    assert sm.check_variance(10, 7, "客户停产", "开发新客户").allowed


def test_report_and_plan_deadlines():
    assert sm.weekly_report_due(date(2025, 9, 22)) == datetime(2025, 9, 29, 12, 0, tzinfo=TZ)
    # September 2025 monthly report: October's 3rd working day is Sat 10-11
    assert sm.monthly_report_due(2025, 9, CAL) == datetime(2025, 10, 11, 23, 59, 59, tzinfo=TZ)
    assert sm.weekly_plan_due(date(2025, 10, 13), CAL) == datetime(2025, 10, 11, 12, 0, tzinfo=TZ)  # adjusted Sat


def test_training_gaps():
    facts = sm.TrainingFacts("张三", True, None, False, date(2025, 3, 1), 0, 0)
    msgs = [r.message for r in sm.training_gaps(facts, date(2025, 10, 1), [date(2025, 9, 22)],
                                                [date(2025, 9, 22), date(2025, 9, 29)])]
    assert any("入职培训" in m for m in msgs) and any("集中培训" in m for m in msgs)
    assert any("2025-09-29" in m for m in msgs) and not any("2025-09-22" in m for m in msgs)
    ok = sm.TrainingFacts("李四", False, date(2025, 1, 5), True, date(2025, 2, 1), 4, 2)
    assert sm.training_gaps(ok, date(2025, 10, 1), [], []) == []
