"""What issue 13 still lacked: the draft hour from the setting, SM supervision (call-list check per SP, accompanied
visit per week), the paper documents (PDF with CJK, Excel), bad input refused naming rule and field with nothing
changed, weekly action items with the week's visit plans."""

import io
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from yewu.audit.models import AuditEntry
from yewu.policy.calendar import TZ
from yewu.salesmgmt import tasks
from yewu.salesmgmt.models import ActualCorrection, DailyTarget, DepartmentTable, MonthlyTarget, RouteVisit

from .test_daily import receipt, targets  # noqa: F401  (fixture)


def pdf_text(content: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


# --- daily.table_by_0900: the draft hour comes from the settings ---------------------------------------------


def test_the_draft_runs_from_the_hour_of_the_setting(company, clock, targets):  # noqa: F811
    from yewu.org.models import PolicyVersion

    clock(2025, 9, 26, 17, 55)
    assert tasks.run_draft()["drafted"] == 0  # D: 18:00
    PolicyVersion.objects.create(values={"daily.table_by_0900.draft_hour": 17},
                                 effective_at=datetime(2025, 9, 26, 0, 0, tzinfo=TZ))
    clock(2025, 9, 26, 16, 55)
    assert tasks.run_draft()["drafted"] == 0
    assert not DepartmentTable.objects.exists()
    clock(2025, 9, 26, 17, 0)
    assert tasks.run_draft()["drafted"] == 2
    clock(2025, 9, 26, 17, 5)
    assert tasks.run_draft()["drafted"] == 0  # already drafted at or after the hour: not redone every 5 minutes


def test_a_hand_draft_of_the_afternoon_is_refreshed_at_the_hour(company, api_client, clock, jpost, targets):  # noqa: F811
    clock(2025, 9, 26, 15, 0)
    r = jpost(api_client(company.manager), "/api/v1/daily/tables/draft", {"team_id": company.team1.pk, "day": "2025-09-26"})
    assert r.status_code == 200
    clock(2025, 9, 26, 18, 0)
    assert tasks.run_draft()["drafted"] == 2
    t = DepartmentTable.objects.get(team=company.team1, day=date(2025, 9, 26))
    assert timezone.localtime(t.drafted_at).hour == 18


def test_the_job_registry_does_not_fix_the_draft_time():
    from yewu.common.jobs import JOBS

    assert JOBS["salesmgmt_draft"].daily_at is None and JOBS["salesmgmt_draft"].every_seconds == 300


# --- daily.supervision -----------------------------------------------------------------------------------------


def test_call_list_checks_per_sp_and_weekly_accompanied_visit(company, api_client, clock, jpost, client):
    sm = api_client(company.manager)
    clock(2025, 9, 22, 9, 25)  # Monday
    jpost(sm, "/api/v1/daily/supervision", {"salesperson_id": company.sales1.pk, "kind": "call_list", "result": "清单 25 家"})
    clock(2025, 9, 22, 9, 45)
    jpost(sm, "/api/v1/daily/supervision", {"salesperson_id": company.sales2.pk, "kind": "call_list", "result": "补查"})
    b = sm.get("/api/v1/daily/supervision?day=2025-09-22").json()
    team = next(t for t in b["teams"] if t["team_id"] == company.team1.pk)
    st = {c["salesperson"]: (c["status"], c["result"]) for c in team["checks"]}
    assert st == {"张三": ("ok", "清单 25 家"), "李四": ("late", "补查")}
    weeks = {w["week"]: w["status"] for w in team["weeks"]}
    assert weeks["2025-09-22"] == "open" and weeks["2025-09-15"] == "missing"
    clock(2025, 9, 26, 10, 0)  # Friday: the week's last working day?  No: Sun 09-28 is an adjusted working day
    b = sm.get("/api/v1/daily/supervision?day=2025-09-26").json()
    team = next(t for t in b["teams"] if t["team_id"] == company.team1.pk)
    assert {c["status"] for c in team["checks"]} == {"missing"}
    assert team["weeks"][0]["due_on"] == "2025-09-28"
    jpost(sm, "/api/v1/daily/supervision", {"salesperson_id": company.sales1.pk, "kind": "accompanied",
                                            "result": "陪同张三促成天河五金 5 万元订单"})
    team = next(t for t in sm.get("/api/v1/daily/supervision?day=2025-09-26").json()["teams"]
                if t["team_id"] == company.team1.pk)
    assert team["weeks"][0]["status"] == "ok" and team["weeks"][0]["count"] == 1
    # the SM's own page shows what is missing
    clock(2025, 9, 29, 10, 0)
    client.force_login(company.manager)
    page = client.get("/salesmgmt/supervision/").content.decode()
    assert "未检查" in page and "陪同促成拜访" in page
    assert "今日电话清单未按时检查" in client.get("/salesmgmt/").content.decode()
    # an SP cannot see the supervision board
    assert api_client(company.sales1).get("/api/v1/daily/supervision").status_code == 403


# --- documents from live data ----------------------------------------------------------------------------------


def test_documents_pdf_with_cjk_and_excel(company, api_client, clock, jpost, client, targets, make_customer):  # noqa: F811
    clock(2025, 9, 26, 17, 0)
    cust = make_customer(company.sales1)
    receipt(company, cust, "3000.00", date(2025, 9, 25))
    jpost(api_client(company.sales1), "/api/v1/daily/calls", {"outcome": "interested"})
    jpost(api_client(company.sales1), "/api/v1/daily/worklog", {"day": "2025-09-26", "content": "拜访天河五金，谈新品"}, method="put")
    jpost(api_client(company.sales1), "/api/v1/plans", {"kind": "monthly", "start": "2025-10-01",
                                                        "items": [{"text": "开发 5 家新经销商", "planned": 5}]})
    client.force_login(company.manager)
    t = pdf_text(client.get("/salesmgmt/targets/?month=2025-09&format=pdf").content)
    assert "目标分解表" in t and "张三" in t and "100,000.00" in t and "人民币大写" in t and "贰拾万元整" in t
    ws = load_workbook(io.BytesIO(client.get("/salesmgmt/targets/?month=2025-09&format=xlsx").content)).active
    assert ws["A1"].value.startswith("目标分解表")
    t = pdf_text(client.get("/salesmgmt/plans/?format=pdf").content)
    assert "行动计划表" in t and "开发 5 家新经销商" in t
    sp = api_client(company.sales1)
    t = pdf_text(sp.get("/api/v1/daily/worklog/pdf?month=2025-09").content)
    assert "工作日志" in t and "拜访天河五金" in t and "有意向 1" in t
    assert api_client(company.sales3).get(f"/api/v1/daily/worklog/pdf?month=2025-09&salesperson_id={company.sales1.pk}").status_code == 403
    t = pdf_text(client.get("/salesmgmt/leaderboard/?format=pdf&today=2025-09-26").content)
    assert "到账播报" in t and "张三" in t and "3,000.00" in t and "叁仟元整" in t
    ws = load_workbook(io.BytesIO(client.get("/salesmgmt/leaderboard/?format=xlsx&today=2025-09-26").content)).active
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert "张三" in cells and Decimal("3000.00") in cells
    t = pdf_text(client.get("/salesmgmt/route-visits/?format=pdf").content)
    assert "线路拜访表" in t
    assert client.get(f"/salesmgmt/worklog/pdf/?month=2025-09&sp={company.sales1.pk}").status_code == 200


# --- bad input: 4xx naming rule and field, nothing changed -----------------------------------------------------


def test_bad_input_of_the_issue_changes_nothing(company, api_client, clock, jpost, targets, make_customer):  # noqa: F811
    sm = api_client(company.manager)
    clock(2025, 9, 29, 10)
    t = MonthlyTarget.objects.get(salesperson=company.sales1, month=date(2025, 10, 1))
    before_days = list(DailyTarget.objects.filter(target=t).order_by("day").values_list("day", "visits", "collections"))
    audits_before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    days = {d.isoformat(): v for d, v, _ in before_days}
    # targets that do not sum
    bad = {**days, "2025-10-09": days["2025-10-09"] + 1}
    r = jpost(sm, f"/api/v1/targets/{t.pk}/days", {"metric": "visits", "days": bad}, method="put")
    assert r.status_code == 422 and r.json()["rule"] == "target.daily_decomposition" and "days" in r.json()["fields"]
    # a day moved outside the month
    bad = {**days, "2025-11-03": 1, "2025-10-09": days["2025-10-09"] - 1}
    r = jpost(sm, f"/api/v1/targets/{t.pk}/days", {"metric": "visits", "days": bad}, method="put")
    assert r.status_code == 422 and "days.2025-11-03" in r.json()["fields"]
    # a non-working day of the month
    r = jpost(sm, f"/api/v1/targets/{t.pk}/days", {"metric": "visits", "days": {**days, "2025-10-04": 1, "2025-10-09": days["2025-10-09"] - 1}},
              method="put")
    assert r.status_code == 422 and "days.2025-10-04" in r.json()["fields"]
    # negative / fractional counts on a day
    for v in (-1, "1.5"):
        r = jpost(sm, f"/api/v1/targets/{t.pk}/days", {"metric": "visits", "days": {**days, "2025-10-09": v}}, method="put")
        assert r.status_code == 422 and r.json()["rule"] == "target.daily_decomposition" and "days.2025-10-09" in r.json()["fields"]
    # fractional cents of money on a day
    r = jpost(sm, f"/api/v1/targets/{t.pk}/days", {"metric": "collections", "days": {"2025-10-09": "0.005"}}, method="put")
    assert r.status_code == 422 and "days.2025-10-09" in r.json()["fields"]
    assert list(DailyTarget.objects.filter(target=t).order_by("day").values_list("day", "visits", "collections")) == before_days
    # a correction without a reason; a negative / fractional corrected count
    for body, field in (({"value": 5, "reason": ""}, "reason"), ({"value": -2, "reason": "x"}, "value"),
                        ({"value": "2.5", "reason": "x"}, "value")):
        r = jpost(sm, "/api/v1/daily/corrections", {"salesperson_id": company.sales1.pk, "day": "2025-09-26",
                                                    "metric": "calls", **body})
        assert r.status_code == 422 and r.json()["rule"] == "daily.quantified_activity" and field in r.json()["fields"], r.content
    assert not ActualCorrection.objects.exists()
    # a late submission dressed as on time: the server clock decides
    clock(2025, 9, 26, 18)
    tasks.run_draft()
    tbl = DepartmentTable.objects.get(team=company.team1, day=date(2025, 9, 26))
    clock(2025, 9, 28, 9, 0, 0)
    r = jpost(sm, f"/api/v1/daily/tables/{tbl.pk}/submit", {"submitted_at": "2025-09-28T08:59:00+08:00"})
    assert r.status_code == 400 and r.json()["rule"] == "daily.table_by_0900" and "submitted_at" in r.json()["fields"]
    tbl.refresh_from_db()
    assert tbl.state == "draft" and tbl.submitted_at is None
    r = jpost(sm, f"/api/v1/daily/tables/{tbl.pk}/submit", {})
    assert r.status_code == 200 and r.json()["late"] is True  # 09:00:00 is late
    # a route visit with a step skipped or out of order
    cust = make_customer(company.sales1)
    sp = api_client(company.sales1)
    for steps, field in (([1, 2, 4, 5, 6, 7, 8], "steps.3"), ([1, 3, 2, 4, 5, 6, 7, 8], "steps.2"),
                         ([1, 2, 3, 4, 5, 6, 7], "steps.8")):
        r = jpost(sp, "/api/v1/route-visits", {"customer_id": cust.pk, "steps": [{"step": s} for s in steps],
                                               "next_visit_on": "2025-10-09"})
        assert r.status_code == 422 and r.json()["rule"] == "route.visit_8_steps" and field in r.json()["fields"], r.content
    r = jpost(sp, "/api/v1/route-visits", {"customer_id": cust.pk, "steps": [{"step": s} for s in range(1, 9)]})
    assert r.status_code == 422 and "next_visit_on" in r.json()["fields"]
    assert not RouteVisit.objects.exists()
    assert not AuditEntry.objects.filter(pk__gt=audits_before, rule__in=[
        "route.visit_8_steps", "daily.quantified_activity", "target.daily_decomposition"]).exists()


# --- visit.weekly_plan -----------------------------------------------------------------------------------------


def test_weekly_items_link_with_the_weeks_visit_plan(company, api_client, clock, jpost, make_customer):
    from yewu.customers.models import Visit, VisitPlan

    clock(2025, 9, 24, 10)
    a, b = make_customer(company.sales1), make_customer(company.sales1)
    vp = VisitPlan.objects.create(user=company.sales1, starts_at=datetime(2025, 9, 29, 9, tzinfo=TZ),
                                  ends_at=datetime(2025, 9, 29, 17, tzinfo=TZ), objectives="新品推广",
                                  state=VisitPlan.State.APPROVED)
    vp.customers.set([a])
    sp = api_client(company.sales1)
    r = jpost(sp, "/api/v1/plans", {"kind": "weekly", "start": "2025-09-29", "items": [
        {"text": "拜访 A 推新品", "planned": 1, "customer_id": a.pk}, {"text": "拜访 B 催款", "planned": 1, "customer_id": b.pk}]})
    assert r.status_code == 200, r.content
    other = make_customer(company.sales3)
    r2 = jpost(sp, "/api/v1/plans", {"kind": "weekly", "start": "2025-09-29", "items": [
        {"text": "x", "planned": 1, "customer_id": other.pk}]})
    assert r2.status_code == 400 and r2.json()["rule"] == "visit.weekly_plan" and "items.0.customer_id" in r2.json()["fields"]
    Visit.objects.create(customer=a, user=company.sales1, at=datetime(2025, 9, 29, 10, tzinfo=TZ), channel="visit",
                         purpose="拜访", contacts_met="王经理")
    plan = next(p for p in sp.get("/api/v1/plans?kind=weekly").json() if p["period_start"] == "2025-09-29")
    by = {i["text"]: (i["in_visit_plan"], i["visited"]) for i in plan["items"]}
    assert by == {"拜访 A 推新品": (True, True), "拜访 B 催款": (False, False)}
    assert [v["customers"] for v in plan["visit_plans"]] == [[a.name]]


@pytest.mark.parametrize("path", ["/salesmgmt/training/", "/salesmgmt/supervision/"])
def test_sp_may_not_open_manager_pages(company, client, path):
    client.force_login(company.sales1)
    assert client.get(path).status_code in (302, 403)


def test_public_selector_today_vs_actuals_for_home_pages(company, clock, targets, make_customer):  # noqa: F811
    from yewu.salesmgmt.targets.selectors import today_vs_actuals

    clock(2025, 9, 26, 16)
    receipt(company, make_customer(company.sales1), "3000.00", date(2025, 9, 26))
    me = today_vs_actuals(company.sales1)
    assert [r["salesperson"] for r in me["rows"]] == ["张三"]
    coll = next(x for x in me["rows"][0]["metrics"] if x["metric"] == "collections")
    assert coll["actual"] == "3000.00" and coll["target"] == "4347.82"  # 100,000.00 over 23 working days of Sep 2025 (Sun 28 adjusted), 14 × .83 first
    team = today_vs_actuals(company.manager, team=True)
    assert {r["salesperson"] for r in team["rows"]} == {"张三", "李四"}
    assert team["totals"][0] == {"metric": "collections", "label": "到账", "target": "8695.64", "actual": "3000.00",
                                 "pct": Decimal("34.5")}
    assert today_vs_actuals(company.sales3, team=True)["rows"][0]["salesperson"] == "王五"
