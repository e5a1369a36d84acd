"""process.monitoring on a small hand-built month (2025-09) and process.version_pinned; access by role."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest, ApprovalStep
from yewu.common.errors import PermissionDenied
from yewu.customers.models import Customer
from yewu.policy.calendar import TZ
from yewu.processes import selectors, services
from yewu.processes.models import ProcessDefinition

NOW = datetime(2025, 9, 24, 12, 0, tzinfo=TZ)


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=TZ)


def mk_request(company, doc_type, doc_id, team, created, steps, state="pending"):
    """steps: (stage, role, due, decided or None, state)."""
    req = ApprovalRequest.objects.create(doc_type=doc_type, doc_id=str(doc_id), doc_label=f"{doc_type} #{doc_id}",
                                         link=f"/x/{doc_type}/{doc_id}/", chain_snapshot=[], submitter=company.sales1,
                                         team=team, state=state)
    ApprovalRequest.objects.filter(pk=req.pk).update(created_at=at(created))
    for i, (stage, role, due, decided, st) in enumerate(steps):
        ApprovalStep.objects.create(request=req, order=i, stage=stage, role=role, state=st, due_at=at(due),
                                    decided_at=at(decided) if decided else None,
                                    decided_by=company.gm if decided else None)
    return req


def mk_lead(company, name, owner, received, assigned=None, contacted=None):
    return Customer.objects.create(name=name, name_key=f"k-{name}", city="广州", source="web", collected_on=date(2025, 9, 1),
                                   entry_due_at=at(received), owner=owner, created_by=company.leads,
                                   lead_received_at=at(received), assigned_at=at(assigned) if assigned else None,
                                   first_contact_at=at(contacted) if contacted else None)


@pytest.fixture
def month(company, builtin):
    t1, t2 = company.team1, company.team2
    # P04 orders: A on time twice; B SM late, GM open past due; F SM on time then rejected (GM skipped)
    mk_request(company, "order", 1, t1, "2025-09-01 09:00", [
        (0, "SM", "2025-09-02 23:59:59", "2025-09-01 11:00", "approved"),
        (1, "GM", "2025-09-03 23:59:59", "2025-09-03 10:00", "approved")], state="approved")
    mk_request(company, "order", 2, t2, "2025-09-04 14:00", [
        (0, "SM", "2025-09-05 23:59:59", "2025-09-08 09:30", "approved"),
        (1, "GM", "2025-09-10 23:59:59", None, "pending")])
    mk_request(company, "order", 3, t1, "2025-09-12 16:00", [
        (0, "SM", "2025-09-15 23:59:59", "2025-09-12 17:00", "rejected"),
        (1, "GM", "2025-09-16 23:59:59", None, "skipped")], state="rejected")
    # not in September / voided: ignored
    mk_request(company, "order", 4, t1, "2025-10-09 09:00", [(0, "SM", "2025-10-10 23:59:59", None, "pending")])
    mk_request(company, "order", 5, t1, "2025-09-02 09:00", [(0, "SM", "2025-09-03 23:59:59", None, "skipped")],
               state="cancelled")
    # P05 contract: CS ‖ FIN review; CS on time, FIN a day late
    mk_request(company, "contract", 7, t1, "2025-09-09 08:00", [
        (0, "CS", "2025-09-10 23:59:59", "2025-09-09 10:00", "approved"),
        (0, "FIN", "2025-09-10 23:59:59", "2025-09-11 09:00", "approved")], state="approved")
    # P01 web leads: allocated on time but first contact late; a pool lead not allocated past its due
    mk_lead(company, "线索甲", company.sales1, "2025-09-01 10:00", "2025-09-01 15:00", "2025-09-10 10:00")
    mk_lead(company, "线索乙", None, "2025-09-19 19:00")


def row(m, code):
    return next(ps for d, ps in m.rows if ps.process == code)


def test_monitoring_figures_for_the_gm(company, month):
    m = selectors.monitoring(company.gm, "2025-09", now=NOW)
    p04 = row(m, "P04")
    assert p04.instances == 3
    sm, gm = p04.steps
    assert sm.label == "s2 账期审批（业务经理）" and gm.label == "s3 账期审批（总经理）"
    # SM: 2.00 h (A), 12.50 h (B: Thu 14:00 → Mon 09:30), 1.00 h (F)
    assert (sm.count, sm.median_hours, sm.avg_hours, sm.on_time, sm.late, sm.on_time_pct) == (
        3, Decimal("2.00"), Decimal("5.17"), 2, 1, Decimal("66.7"))
    # GM: A decided after 15.00 working hours on time; B open past its due
    assert (gm.count, gm.median_hours, gm.avg_hours, gm.on_time, gm.late, gm.on_time_pct) == (
        1, Decimal("15.00"), Decimal("15.00"), 1, 1, Decimal("50.0"))
    assert (p04.on_time_pct, p04.overdue_count) == (Decimal("60.0"), 1)
    assert p04.overdue[0][0].ref == "order:2"

    p05 = row(m, "P05")
    cs, fin = p05.steps
    assert (p05.instances, cs.avg_hours, cs.on_time, fin.avg_hours, fin.late) == (1, Decimal("1.50"), 1, Decimal("16.50"), 1)
    assert (p05.on_time_pct, p05.overdue_count) == (Decimal("50.0"), 1)

    p01 = row(m, "P01")
    alloc, contact = p01.steps
    assert (p01.instances, alloc.count, alloc.avg_hours, alloc.on_time, alloc.late) == (2, 1, Decimal("4.00"), 1, 1)
    assert (contact.count, contact.avg_hours, contact.late) == (1, Decimal("52.00"), 1)
    assert (p01.on_time_pct, p01.overdue_count) == (Decimal("33.3"), 2)
    assert row(m, "P09").instances == 0  # every published process has a row


def test_sm_sees_only_own_team_and_the_pool(company, month):
    m = selectors.monitoring(company.manager, "2025-09", now=NOW)
    assert row(m, "P04").instances == 2 and row(m, "P04").overdue_count == 0
    assert row(m, "P05").instances == 1
    assert row(m, "P01").instances == 2  # own team's lead + the unassigned pool lead
    m2 = selectors.monitoring(company.manager2, "2025-09", now=NOW)
    assert (row(m2, "P04").instances, row(m2, "P04").overdue_count, row(m2, "P05").instances) == (1, 1, 0)
    assert row(m2, "P01").instances == 1


def test_csm_sees_the_cs_processes_only_and_others_are_refused(company, month, api_client):
    m = selectors.monitoring(company.csmanager, "2025-09", now=NOW)
    assert [ps.process for _, ps in m.rows] == ["P05", "P06", "P09"]
    assert row(m, "P05").instances == 1
    for u in (company.sales1, company.cs, company.finance, company.leads):
        with pytest.raises(PermissionDenied):
            selectors.monitoring(u, "2025-09")
        r = api_client(u).get("/api/v1/processes/monitoring?month=2025-09")
        assert r.status_code == 403 and r.json()["rule"] == "process.monitoring"
    c = Client()
    c.force_login(company.sales1)
    assert c.get("/processes/monitoring/?month=2025-09").status_code == 403


def test_api_and_excel_export(company, month, api_client):
    r = api_client(company.gm).get("/api/v1/processes/monitoring?month=2025-09")
    assert r.status_code == 200
    p04 = next(p for p in r.json()["processes"] if p["code"] == "P04")
    assert (p04["instances"], p04["on_time_pct"], p04["overdue"]) == (3, "60.0", 1)
    assert p04["overdue_list"][0]["steps"][1]["state"] == "overdue"
    assert api_client(company.gm).get("/api/v1/processes/monitoring?month=2025-13").status_code == 400
    lst = api_client(company.sales1).get("/api/v1/processes").json()
    p04def = next(p for p in lst if p["code"] == "P04")["published"]
    assert p04def["version"] == 1 and p04def["steps"][1]["limit"] == "1 个工作日"

    from openpyxl import load_workbook

    c = Client()
    c.force_login(company.gm)
    resp = c.get("/processes/monitoring/?month=2025-09&format=xlsx")
    wb = load_workbook(BytesIO(resp.content))
    rows = [list(r) for r in wb["流程监控"].iter_rows(values_only=True)]
    p04row = next(r for r in rows if r[0] == "P04")
    assert (p04row[2], p04row[9], p04row[10]) == (3, 60.0, 1)
    assert any(r[1] == "order #2" for r in wb["逾期清单"].iter_rows(values_only=True))
    page = c.get("/processes/monitoring/?month=2025-09").content.decode()
    assert "60.0%" in page and "/x/order/2/" in page


def test_instance_keeps_the_version_it_started_with(company, builtin, admin_user):
    old = approvals.start(doc_type="order", doc_id=101, submitter=company.sales1, roles=["SM", "GM"], label="订单 101",
                          link="/orders/101/")
    v1 = ProcessDefinition.objects.get(code="P04", version=1)
    assert old.process_version == v1
    d = services.new_version(admin_user, "P04", "发货时限调整")
    services.update_step(admin_user, d.steps.get(code="s6").pk, limit_n="3")
    services.submit(admin_user, d.pk)
    services.decide(company.gm, d.pk, True)
    new = approvals.start(doc_type="order", doc_id=102, submitter=company.sales1, roles=["SM"], label="订单 102")
    old.refresh_from_db()
    assert (old.process_version.version, new.process_version.version) == (1, 2)
    assert old.process_version.status == "retired"
    # the drill-down shows v1 for the running instance, now past its SM step's due time
    ApprovalStep.objects.filter(request=old, order=0).update(due_at=timezone.now() - timedelta(days=1))
    m = selectors.monitoring(company.gm, timezone.localdate().strftime("%Y-%m"))
    od = {i.ref: i for i, _ in row(m, "P04").overdue}
    assert od["order:101"].version == "P04 v1"
    c = Client()
    c.force_login(company.gm)
    assert "P04 v1" in c.get("/processes/monitoring/").content.decode()
    # documents outside any process are not pinned
    other = approvals.start(doc_type="write_off", doc_id=1, submitter=company.sales1, roles=["SM"])
    assert other.process_version is None
