"""Pure contract rules after signing (SPEC §4.4, §10): phone approval eligibility, take-out return date over a
holiday, the register's "by the 5th" due date, dispute status moves."""

from datetime import UTC, date, datetime, timedelta

import pytest

from yewu.policy import contracts as rules
from yewu.policy.calendar import TZ, WorkCalendar

CAL = WorkCalendar()
NOW = datetime(2026, 3, 10, 11, 0, tzinfo=TZ)


def phone(**kw):
    base = dict(recorder_id=10, recorder_roles_={"CS"}, confirmer_id=11, confirmer_roles={"CSM"}, approver_id=1,
                submitter_id=20, beneficiary_id=20, travelling=True, urgent=True,
                called_at=NOW - timedelta(minutes=30), opened_at=NOW - timedelta(days=1), now=NOW, needs_form=False)
    base.update(kw)
    return rules.phone_approval_eligibility(**base)


def test_phone_approval_allowed_for_sales_support():
    assert phone().allowed


@pytest.mark.parametrize("kw,rule", [
    ({"recorder_roles_": {"SP"}}, "contract.phone_approval"),
    ({"recorder_roles_": {"ADM"}}, "contract.phone_approval"),  # administration is not sales support (SPEC §1.1)
    ({"confirmer_roles": {"FIN"}}, "contract.phone_approval"),
    ({"travelling": False}, "contract.phone_approval"),
    ({"urgent": False}, "contract.phone_approval"),
    ({"approver_id": 10}, "contract.phone_approval"),
    ({"confirmer_id": 20}, "sod.no_self_approval"),
    ({"recorder_id": 20}, "sod.no_self_approval"),
    ({"needs_form": True}, "contract.phone_approval"),
    ({"called_at": NOW + timedelta(minutes=6)}, "contract.phone_approval"),
    ({"called_at": NOW - timedelta(days=2)}, "contract.phone_approval"),  # before the step opened
    ({"called_at": NOW - timedelta(hours=72, seconds=1), "opened_at": NOW - timedelta(days=5)}, "contract.phone_approval"),
])
def test_phone_approval_refusals_name_the_rule(kw, rule):
    d = phone(**kw)
    assert d.refused and d.rule == rule


def test_phone_approval_age_boundary_and_settable_roles():
    assert phone(called_at=NOW - timedelta(hours=72), opened_at=NOW - timedelta(days=5)).allowed
    from yewu.policy.config import DEFAULT

    cfg = DEFAULT.with_(**{"contract.phone_approval.recorder_roles": "CS,CSM,ADM"})
    assert phone(recorder_roles_={"ADM"}, cfg=cfg).allowed


def test_phone_note_in_shanghai_time():
    at = datetime(2026, 3, 10, 2, 32, tzinfo=UTC)
    assert rules.phone_note("王总", "孙客服经理", at) == "电话确认审批: 王总 经 孙客服经理 确认 10:32"


def test_takeout_return_5wd_over_national_day():
    # out Tue 2025-09-30: 10-01…10-08 holidays; WD 1 = Thu 10-09, 2 = 10-10, 3 = Sat 10-11 (adjusted), 4 = 10-13, 5 = Tue 10-14
    assert rules.takeout_return_due(date(2025, 9, 30), CAL) == date(2025, 10, 14)
    # an ordinary week: Mon → next Mon
    assert rules.takeout_return_due(date(2026, 3, 9), CAL) == date(2026, 3, 16)


def test_takeout_requested_date_and_overdue_boundary():
    d = rules.takeout_due_check(date(2026, 3, 9), None, CAL)
    assert d.allowed and d.data["due_back_on"] == date(2026, 3, 16)
    assert rules.takeout_due_check(date(2026, 3, 9), date(2026, 3, 9), CAL).rule == "contract.filing_1wd"
    assert rules.takeout_due_check(date(2026, 3, 9), date(2026, 3, 20), CAL).data["due_back_on"] == date(2026, 3, 20)
    assert rules.takeout_overdue(date(2026, 3, 16), date(2026, 3, 16), False) is None  # the return day itself is on time
    r = rules.takeout_overdue(date(2026, 3, 16), date(2026, 3, 17), False)
    assert r.rule == "contract.filing_1wd" and r.figures["days_late"] == 1
    assert rules.takeout_overdue(date(2026, 3, 16), date(2026, 3, 30), True) is None


@pytest.mark.parametrize("month,due", [(date(2026, 1, 1), "2026-02-05"), (date(2025, 12, 1), "2026-01-05"),
                                       (date(2025, 9, 14), "2025-10-05")])  # the 5th even inside the National Day holiday
def test_register_due_by_the_5th(month, due):
    d = rules.register_due(month)
    assert d.date().isoformat() == due and (d.hour, d.minute, d.second) == (23, 59, 59)


def test_register_overdue_boundary():
    m = date(2026, 1, 1)
    last = datetime(2026, 2, 5, 23, 59, 59, tzinfo=TZ)
    assert rules.register_overdue(m, last, False) is None  # "by the 5th" = on or before
    r = rules.register_overdue(m, last + timedelta(seconds=1), False)
    assert r.rule == "contract.monthly_register" and r.figures["month"] == "2026-01"
    assert rules.register_overdue(m, last + timedelta(days=3), True) is None
    assert rules.register_confirmable(m, date(2026, 1, 31)).refused
    assert rules.register_confirmable(m, date(2026, 2, 1)).allowed
    assert rules.previous_month(date(2026, 1, 6)) == date(2025, 12, 1)


def test_dispute_moves():
    assert rules.dispute_initial_status("breach") == "open"
    assert rules.dispute_initial_status("arbitration") == "litigation"
    assert rules.dispute_move("open", "litigation").allowed
    assert rules.dispute_move("litigation", "resolved").allowed
    assert rules.dispute_move("resolved", "open").rule == "contract.dispute"
    assert rules.dispute_move("litigation", "open").refused
