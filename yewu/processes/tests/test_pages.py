"""The pages: definitions list, one process with the draft → submit → GM approval flow, nav link."""

from django.test import Client

from yewu.processes.models import ProcessDefinition


def login(user):
    c = Client()
    c.force_login(user)
    return c


def test_list_and_detail_pages(company, builtin):
    c = login(company.manager)
    page = c.get("/processes/").content.decode()
    assert "P01" in page and "P12" in page and "订单到回款" in page and 'href="/processes/monitoring/"' in page
    assert 'href="/processes/"' in page  # nav link for SM
    detail = c.get("/processes/P04/").content.decode()
    assert "账期审批（业务经理）" in detail and "1 个工作日" in detail and "创建新版本" not in detail
    assert c.get("/processes/P99/").status_code == 404
    sp = login(company.sales1).get("/").content.decode()
    assert 'href="/processes/"' not in sp


def test_draft_submit_and_gm_approval_through_the_pages(company, builtin, admin_user):
    adm = login(admin_user)
    r = adm.post("/processes/P11/new-version/", {"note": "纪要时限"}, follow=True)
    assert "已创建 P11 v2" in r.content.decode()
    d = ProcessDefinition.objects.get(code="P11", version=2)
    step = d.steps.get(code="s4")
    r = adm.post(f"/processes/steps/{step.pk}/", {"action": step.action, "role": "", "limit_kind": "wd", "limit_n": "2"},
                 follow=True)
    r = adm.post(f"/processes/definitions/{d.pk}/submit/", follow=True)
    assert "步骤 s4 缺少负责角色" in r.content.decode() and "process.publish_approval" in r.content.decode()
    adm.post(f"/processes/steps/{step.pk}/", {"action": step.action, "role": "SP", "limit_kind": "wd", "limit_n": "3"})
    adm.post(f"/processes/definitions/{d.pk}/submit/")
    d.refresh_from_db()
    assert d.status == "submitted"
    sm = login(company.manager)
    assert "批准并发布" not in sm.get("/processes/P11/?v=2").content.decode()
    sm.post(f"/processes/definitions/{d.pk}/decide/", {"action": "approve"})
    d.refresh_from_db()
    assert d.status == "submitted"
    gm = login(company.gm)
    assert "批准并发布" in gm.get("/processes/P11/?v=2").content.decode()
    r = gm.post(f"/processes/definitions/{d.pk}/decide/", {"action": "approve"}, follow=True)
    assert "已批准并发布" in r.content.decode()
    d.refresh_from_db()
    assert (d.status, d.steps.get(code="s4").limit_n) == ("published", 3)
    assert ProcessDefinition.objects.get(code="P11", version=1).status == "retired"


def test_decide_form_follows_the_engine_delegate_sees_it_submitter_not(company, builtin, admin_user):
    """process.publish_approval: whoever the approval engine lets decide (here the GM's dated delegate,
    approval.overdue) gets the approve/reject form on the process page; a non-approver does not."""
    from datetime import timedelta

    from django.utils import timezone

    from yewu.approvals import services as approvals
    from yewu.processes import services

    d = services.new_version(admin_user, "P11", "纪要时限")
    services.submit(admin_user, d.pk)
    today = timezone.localdate()
    approvals.delegate(company.gm, delegate_id=company.manager.pk, role="GM", starts_on=today,
                       ends_on=today + timedelta(days=3))
    form = f'action="/processes/definitions/{d.pk}/decide/"'
    assert form in login(company.gm).get(f"/processes/P11/?v={d.version}").content.decode()
    assert form in login(company.manager).get(f"/processes/P11/?v={d.version}").content.decode()
    assert form not in login(company.manager2).get(f"/processes/P11/?v={d.version}").content.decode()
    assert form not in login(admin_user).get(f"/processes/P11/?v={d.version}").content.decode()
    d = services.decide(company.manager, d.pk, True)  # the engine agrees
    assert d.status == "published"
