"""target.monthly_set, target.daily_decomposition, plan.change_reason through the API."""

from collections import Counter
from datetime import date
from decimal import Decimal

from yewu.audit.models import AuditEntry
from yewu.salesmgmt.models import DailyTarget, MonthlyTarget, TargetChange


def grid(co, collections="100000.00", visits=60):
    return {"month": "2025-10", "rows": [
        {"salesperson_id": co.sales1.pk, "collections": collections, "visits": visits, "calls": 360, "new_intent": 54,
         "met": 18},
        {"salesperson_id": co.sales2.pk, "collections": "50000", "visits": 40, "calls": 200, "new_intent": 54, "met": 18}]}


def test_sm_sets_team_grid_and_split_matches_spec(company, api_client, clock, jpost):
    clock(2025, 9, 29, 10)
    r = jpost(api_client(company.manager), "/api/v1/targets", grid(company))
    assert r.status_code == 200, r.content
    assert r.json()["set"] == 2 and r.json()["late"] is False
    t = MonthlyTarget.objects.get(salesperson=company.sales1, month=date(2025, 10, 1))
    days = list(DailyTarget.objects.filter(target=t))
    assert len(days) == 18
    assert Counter(d.collections for d in days) == {Decimal("5555.56"): 10, Decimal("5555.55"): 8}
    assert Counter(d.visits for d in days) == {4: 6, 3: 12}
    assert AuditEntry.objects.filter(rule="target.monthly_set", action="create").count() == 2


def test_sp_sees_only_own_targets(company, api_client, clock, jpost):
    clock(2025, 9, 29, 10)
    jpost(api_client(company.manager), "/api/v1/targets", grid(company))
    rows = api_client(company.sales1).get("/api/v1/targets?month=2025-10").json()["rows"]
    assert [r["salesperson"] for r in rows] == ["张三"]
    assert rows[0]["metrics"][0]["target"] == "100000.00"
    assert api_client(company.sales1).get(f"/api/v1/targets/{company.sales2.pk}?month=2025-10").status_code == 403
    other = api_client(company.manager2).get("/api/v1/targets?month=2025-10").json()["rows"]
    assert [r["salesperson"] for r in other] == ["王五"]
    assert len(api_client(company.gm).get("/api/v1/targets?month=2025-10").json()["rows"]) == 3


def test_bad_input_is_refused_naming_rule_and_field_and_changes_nothing(company, api_client, clock, jpost):
    clock(2025, 9, 29, 10)
    c = api_client(company.manager)
    for field, value in (("visits", -1), ("calls", "2.5"), ("collections", "1.005")):
        body = grid(company)
        body["rows"][1][field] = value
        r = jpost(c, "/api/v1/targets", body)
        assert r.status_code == 422 and r.json()["rule"] == "target.monthly_set", r.content
        assert f"rows.1.{field}" in r.json()["fields"]
    assert MonthlyTarget.objects.count() == 0
    r = jpost(api_client(company.sales1), "/api/v1/targets", grid(company))
    assert r.status_code == 403 and MonthlyTarget.objects.count() == 0
    body = grid(company)
    body["rows"].append({"salesperson_id": company.sales3.pk, "visits": 1})
    assert jpost(c, "/api/v1/targets", body).status_code == 403  # another team's SP
    assert MonthlyTarget.objects.count() == 0


def test_sm_moves_between_days_sum_must_hold(company, api_client, clock, jpost):
    clock(2025, 9, 29, 10)
    c = api_client(company.manager)
    jpost(c, "/api/v1/targets", grid(company))
    t = MonthlyTarget.objects.get(salesperson=company.sales1)
    days = c.get(f"/api/v1/targets/{company.sales1.pk}?month=2025-10").json()["days"]
    split = {d["day"]: d["targets"]["visits"] for d in days}
    split["2025-10-09"] = str(int(split["2025-10-09"]) + 1)
    r = jpost(c, f"/api/v1/targets/{t.pk}/days", {"metric": "visits", "days": split}, method="put")
    assert r.status_code == 422 and r.json()["rule"] == "target.daily_decomposition" and "days" in r.json()["fields"]
    split["2025-10-31"] = str(int(split["2025-10-31"]) - 1)
    r = jpost(c, f"/api/v1/targets/{t.pk}/days", {"metric": "visits", "days": split}, method="put")
    assert r.status_code == 200
    assert DailyTarget.objects.get(target=t, day=date(2025, 10, 9)).visits == 5
    split["2025-11-03"] = "0"
    r = jpost(c, f"/api/v1/targets/{t.pk}/days", {"metric": "visits", "days": split}, method="put")
    assert r.status_code == 422 and "days.2025-11-03" in r.json()["fields"]
    assert sum(DailyTarget.objects.filter(target=t).values_list("visits", flat=True)) == 60


def test_late_change_needs_reason_and_approval(company, api_client, clock, jpost):
    from yewu.approvals import services as approvals

    clock(2025, 9, 29, 10)
    c = api_client(company.manager)
    jpost(c, "/api/v1/targets", grid(company))
    clock(2025, 10, 15, 10)
    body = grid(company, collections="80000.00")
    r = jpost(c, "/api/v1/targets", body)
    assert r.status_code == 422 and r.json()["rule"] == "plan.change_reason"
    body.update(kind="unreachable", reason="最大客户停产两周")
    r = jpost(c, "/api/v1/targets", body)
    assert r.status_code == 200 and r.json()["approvers"] == ["GM"]  # the department total changes
    t = MonthlyTarget.objects.get(salesperson=company.sales1)
    assert t.collections == Decimal("100000.00")  # nothing changes before approval
    ch = TargetChange.objects.get()
    approvals.decide(company.gm, ch.approval_id, True, "同意")
    t.refresh_from_db()
    assert t.collections == Decimal("80000.00")
    days = DailyTarget.objects.filter(target=t)
    assert sum(d.collections for d in days) == Decimal("80000.00")
    assert days.get(day=date(2025, 10, 14)).collections == Decimal("5555.56")  # past days keep their figures


def test_moving_target_between_two_sps_needs_only_the_sm(company, api_client, clock, jpost):
    clock(2025, 9, 29, 10)
    jpost(api_client(company.manager), "/api/v1/targets", grid(company))
    clock(2025, 10, 15, 10)
    body = grid(company, collections="90000.00")
    body["rows"][1]["collections"] = "60000.00"
    body.update(kind="sudden_change", reason="客户转给李四")
    r = jpost(api_client(company.manager), "/api/v1/targets", body)
    assert r.json()["approvers"] == ["GM"]  # the SM asked: sod.no_self_approval sends the SM step to the GM


def test_sm_change_goes_to_an_approver_other_than_the_submitter(company, api_client, clock, jpost):
    from yewu.approvals import services as approvals
    from yewu.common.errors import YewuError

    clock(2025, 9, 29, 10)
    jpost(api_client(company.manager), "/api/v1/targets", grid(company))
    clock(2025, 10, 15, 10)
    body = grid(company, collections="90000.00")
    body["rows"][1]["collections"] = "60000.00"
    body.update(kind="sudden_change", reason="客户转给李四")
    jpost(api_client(company.manager), "/api/v1/targets", body)
    ch = TargetChange.objects.get()
    try:  # sod.no_self_approval: the SM who asked cannot approve
        approvals.decide(company.manager, ch.approval_id, True, "自批")
        self_approved = True
    except YewuError:
        self_approved = False
    assert not self_approved
    ch.refresh_from_db()
    assert ch.state == "pending"
    approvals.decide(company.gm, ch.approval_id, True, "同意")
    ch.refresh_from_db()
    assert ch.state == "approved"
    assert MonthlyTarget.objects.get(salesperson=company.sales2).collections == Decimal("60000.00")


def test_department_total_change_end_to_end_through_the_gm_inbox(company, api_client, clock, jpost, client):
    """SM asks (reason given) → the GM sees it in the approval inbox page → approves there → the figures change."""
    clock(2025, 9, 29, 10)
    jpost(api_client(company.manager), "/api/v1/targets", grid(company))
    clock(2025, 10, 15, 10)
    client.force_login(company.manager)
    post = {"month": "2025-10", "salesperson_id": [company.sales1.pk, company.sales2.pk], "kind": "sudden_change",
            "reason": "最大客户停产"}
    for sp, coll in ((company.sales1, "120000.00"), (company.sales2, "50000")):
        post.update({f"collections_{sp.pk}": coll, f"visits_{sp.pk}": 60 if sp == company.sales1 else 40,
                     f"calls_{sp.pk}": 360 if sp == company.sales1 else 200, f"new_intent_{sp.pk}": 54,
                     f"met_{sp.pk}": 18})
    client.post("/salesmgmt/targets/save/", post)
    ch = TargetChange.objects.get()
    assert ch.department_total_changes and ch.state == "pending"
    assert MonthlyTarget.objects.get(salesperson=company.sales1).collections == Decimal("100000.00")
    client.force_login(company.gm)
    page = client.get("/approvals/").content.decode()
    assert "目标变更 2025-10" in page
    r = client.post(f"/approvals/{ch.approval_id}/decide/", {"action": "approve", "comment": "同意"})
    assert r.status_code == 302
    ch.refresh_from_db()
    assert ch.state == "approved"
    t = MonthlyTarget.objects.get(salesperson=company.sales1)
    assert t.collections == Decimal("120000.00")
    assert sum(DailyTarget.objects.filter(target=t).values_list("collections", flat=True)) == Decimal("120000.00")
    page = client.get("/salesmgmt/targets/?month=2025-10").content.decode()
    assert "120000.00" in page and "变更审批中" not in page


def test_gm_changing_the_department_total_is_not_left_waiting_for_himself(company, api_client, clock, jpost):
    clock(2025, 9, 29, 10)
    jpost(api_client(company.manager), "/api/v1/targets", grid(company))
    clock(2025, 10, 15, 10)
    body = grid(company, collections="70000.00")
    body.update(kind="unreachable", reason="市场突变")
    r = jpost(api_client(company.gm), "/api/v1/targets", body)
    assert r.status_code == 200, r.content
    ch = TargetChange.objects.get()
    assert ch.state == "approved"  # the GM is the approver of department totals: his change is the approval
    assert MonthlyTarget.objects.get(salesperson=company.sales1).collections == Decimal("70000.00")
