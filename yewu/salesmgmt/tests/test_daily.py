"""daily.quantified_activity, daily.table_by_0900, daily.shortfall_coaching, daily.supervision."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from yewu.audit.models import AuditEntry
from yewu.common.models import Notification
from yewu.customers.models import Visit
from yewu.finance.models import Receipt
from yewu.policy.calendar import TZ
from yewu.salesmgmt import tasks
from yewu.salesmgmt.models import CallLog, CoachingNote, DepartmentTable


@pytest.fixture
def targets(company, api_client, clock, jpost):
    clock(2025, 9, 20, 10)
    rows = [{"salesperson_id": sp.pk, "collections": "100000.00", "visits": 60, "calls": 360, "new_intent": 54, "met": 18}
            for sp in (company.sales1, company.sales2)]
    for month in ("2025-09", "2025-10"):
        assert jpost(api_client(company.manager), "/api/v1/targets", {"month": month, "rows": rows}).status_code == 200


def receipt(co, customer, amount, day, n=[0]):  # noqa: B006 — a counter for unique numbers
    n[0] += 1
    return Receipt.objects.create(number=f"SK{n[0]:05d}", customer=customer, amount=Decimal(amount), arrived_on=day,
                                  method="transfer", recorded_by=co.finance)


def test_actuals_come_from_records_and_sp_logs_calls_with_one_tap(company, api_client, clock, jpost, targets, make_customer):
    clock(2025, 9, 26, 9)
    cust = make_customer(company.sales1)
    receipt(company, cust, "3000.00", date(2025, 9, 26))
    Visit.objects.create(customer=cust, user=company.sales1, at=datetime(2025, 9, 26, 10, tzinfo=TZ), channel="visit",
                         purpose="拜访", contacts_met="王经理")
    sp = api_client(company.sales1)
    for outcome in ("interested", "no_answer", "follow_up"):
        r = jpost(sp, "/api/v1/daily/calls", {"outcome": outcome})
        assert r.status_code == 200
    assert r.json()["calls_today"] == 3
    assert jpost(sp, "/api/v1/daily/calls", {"outcome": "maybe"}).status_code == 400
    assert jpost(api_client(company.manager), "/api/v1/daily/calls", {"outcome": "order"}).status_code == 403
    rows = sp.get("/api/v1/daily/activity?day=2025-09-26").json()["rows"]
    assert len(rows) == 1
    m = {x["metric"]: x for x in rows[0]["metrics"]}
    assert m["collections"]["actual"] == "3000.00" and m["calls"]["actual"] == 3 and m["visits"]["actual"] == 1
    assert m["met"]["actual"] == 1 and m["new_intent"]["actual"] == 1


def test_correction_needs_reason_and_is_audited(company, api_client, clock, jpost, targets):
    clock(2025, 9, 26, 17)
    c = api_client(company.manager)
    body = {"salesperson_id": company.sales1.pk, "day": "2025-09-26", "metric": "calls", "value": 12, "reason": ""}
    r = jpost(c, "/api/v1/daily/corrections", body)
    assert r.status_code == 422 and r.json()["rule"] == "daily.quantified_activity" and "reason" in r.json()["fields"]
    body.update(value="-1", reason="漏记")
    assert jpost(c, "/api/v1/daily/corrections", body).status_code == 422
    body.update(value=12, reason="外出时用手机打的 12 通未登记")
    assert jpost(api_client(company.sales1), "/api/v1/daily/corrections", body).status_code == 403
    assert jpost(api_client(company.manager2), "/api/v1/daily/corrections", body).status_code == 403
    assert jpost(c, "/api/v1/daily/corrections", body).status_code == 200
    rows = c.get("/api/v1/daily/activity?day=2025-09-26").json()["rows"]
    assert {x["metric"]: x for x in rows[0]["metrics"]}["calls"]["actual"] == 12
    e = AuditEntry.objects.get(rule="daily.quantified_activity", action="update")
    assert e.reason.startswith("外出") and e.before["value"] == "0" and e.after["value"] == "12"


def test_table_drafted_at_1800_submitted_before_0900_next_working_day(company, api_client, clock, jpost, targets,
                                                                      make_customer, adm):
    clock(2025, 9, 26, 18, 0)  # Fri
    assert tasks.run_draft()["drafted"] == 2
    t = DepartmentTable.objects.get(team=company.team1, day=date(2025, 9, 26))
    assert t.due_at.astimezone(TZ) == datetime(2025, 9, 28, 9, 0, tzinfo=TZ)  # adjusted Sunday
    assert [r["salesperson"] for r in t.rows] == ["张三", "李四"]
    assert t.rows[0]["next_day"] == "2025-09-28" and t.rows[0]["next_targets"]["visits"] is not None
    # nothing done: every SP is on the SM's shortfall list, due by the end of the next working day
    notes = CoachingNote.objects.filter(day=date(2025, 9, 26))
    assert notes.count() == 2 and notes[0].due_at.astimezone(TZ) == datetime(2025, 9, 28, 23, 59, 59, tzinfo=TZ)
    sm = api_client(company.manager)
    r = jpost(sm, f"/api/v1/daily/tables/{t.pk}/submit", {"submitted_at": "2025-09-28T08:00:00+08:00"})
    assert r.status_code == 400 and r.json()["rule"] == "daily.table_by_0900" and "submitted_at" in r.json()["fields"]
    assert jpost(api_client(company.sales1), f"/api/v1/daily/tables/{t.pk}/submit", {}).status_code in (403, 404)
    assert jpost(api_client(company.manager2), f"/api/v1/daily/tables/{t.pk}/submit", {}).status_code in (403, 404)
    clock(2025, 9, 28, 8, 59, 59)
    r = jpost(sm, f"/api/v1/daily/tables/{t.pk}/submit", {"notes": "张三下周重点跟进", "row_notes": {str(company.sales1.pk): "已辅导"}})
    assert r.status_code == 200 and r.json()["late"] is False and r.json()["state"] == "submitted"
    assert Notification.objects.filter(user=adm, rule="daily.table_by_0900").exists()
    assert jpost(sm, f"/api/v1/daily/tables/{t.pk}/submit", {}).status_code == 409
    assert api_client(adm).get(f"/api/v1/daily/tables/{t.pk}").json()["rows"][0]["note"] == "已辅导"
    # the other team submits at 09:00:00 exactly: late
    t2 = DepartmentTable.objects.get(team=company.team2, day=date(2025, 9, 26))
    clock(2025, 9, 28, 9, 0, 0)
    r = jpost(api_client(company.manager2), f"/api/v1/daily/tables/{t2.pk}/submit", {})
    assert r.status_code == 200 and r.json()["late"] is True


def test_overdue_table_notifies_sm_and_adm(company, clock, targets, adm):
    clock(2025, 9, 30, 18)
    tasks.run_draft()
    clock(2025, 10, 9, 9, 0)
    assert tasks.run_timers()["tables_overdue"] >= 2
    assert Notification.objects.filter(user=company.manager, rule="daily.table_by_0900").exists()


def test_no_table_on_a_holiday(company, clock, targets):
    clock(2025, 10, 3, 18)
    assert tasks.run_draft()["drafted"] == 0


def test_table_pdf_and_excel(company, api_client, clock, targets, adm):
    clock(2025, 9, 26, 18)
    tasks.run_draft()
    t = DepartmentTable.objects.get(team=company.team1, day=date(2025, 9, 26))
    c = api_client(company.manager)
    pdf = c.get(f"/api/v1/daily/tables/{t.pk}/pdf")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    x = c.get(f"/api/v1/daily/tables/{t.pk}/xlsx")
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(x.content)).active
    assert "部门管理表" in ws["A1"].value and ws["A4"].value == "张三" and ws["B4"].value == "到账"
    assert api_client(company.sales3).get(f"/api/v1/daily/tables/{t.pk}").status_code == 404


def test_coaching_note_by_the_team_sm(company, api_client, clock, jpost, targets):
    clock(2025, 9, 26, 18)
    tasks.run_draft()
    n = CoachingNote.objects.get(salesperson=company.sales1, day=date(2025, 9, 26))
    lst = api_client(company.manager).get("/api/v1/daily/shortfalls").json()
    assert {x["salesperson"] for x in lst} == {"张三", "李四"}
    assert jpost(api_client(company.manager2), f"/api/v1/daily/shortfalls/{n.pk}/coaching", {"note": "x"}).status_code == 404
    assert jpost(api_client(company.manager), f"/api/v1/daily/shortfalls/{n.pk}/coaching", {"note": ""}).status_code == 400
    clock(2025, 9, 28, 10)
    r = jpost(api_client(company.manager), f"/api/v1/daily/shortfalls/{n.pk}/coaching", {"note": "电话量不足，明早 9:20 检查清单"})
    assert r.status_code == 200 and r.json()["late"] is False
    assert CallLog.objects.count() == 0


def test_supervision_window(company, api_client, clock, jpost):
    clock(2025, 9, 26, 9, 25)
    r = jpost(api_client(company.manager), "/api/v1/daily/supervision",
              {"salesperson_id": company.sales1.pk, "kind": "call_list", "result": "清单 25 家，已确认"})
    assert r.status_code == 200 and r.json()["in_window"] is True
    clock(2025, 9, 26, 10, 0)
    r = jpost(api_client(company.manager), "/api/v1/daily/supervision",
              {"salesperson_id": company.sales1.pk, "kind": "call_list", "result": "补查"})
    assert r.json()["in_window"] is False
