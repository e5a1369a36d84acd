"""Customer pages through the Django test client: status codes, row-level access, forms and rule errors."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from yewu.customers.services import ContactIn, CustomerIn, enter_lead, file_customer

from yewu.common.models import Notification
from yewu.customers.models import Customer, OwnershipChange, ReviewState, Visit


def login(user):
    c = Client()
    c.force_login(user)
    return c


def cust(name="广州电缆有限公司", city="广州", mobile="13800138000", **kw):
    return CustomerIn(name=name, city=city, source="direct", contacts=[ContactIn(name="陈先生", mobile=mobile)], **kw)


def new_post(**over):
    data = {"name": "广州电缆有限公司", "city": "广州", "source": "direct", "demand_grade": "C", "kind": "enterprise",
            "invoice_choice": "vat_special", "collected_on": timezone.localdate().isoformat(),
            "c0-name": "陈先生", "c0-mobile": "13800138000"}
    data.update(over)
    return data


def test_login_required(company):
    for url in ["/customers/", "/customers/new/", "/worklist/", "/leads/", "/notifications/"]:
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_list_search_filters_and_export_link(company):
    file_customer(company.sales1, cust())
    file_customer(company.sales1, cust(name="深圳华强电子", city="深圳", mobile="13900000001"))
    file_customer(company.sales3, cust(name="佛山陶瓷厂", city="佛山", mobile="13900000002"))
    c = login(company.sales1)
    r = c.get("/customers/")
    body = r.content.decode()
    assert r.status_code == 200
    assert "广州电缆有限公司" in body and "深圳华强电子" in body and "佛山陶瓷厂" not in body  # acl.sp_scope
    assert "待审核" in body and "新建客户" in body
    r = c.get("/customers/", {"q": "gzdl"})
    body = r.content.decode()
    assert "广州电缆有限公司" in body and "深圳华强电子" not in body
    assert 'href="/customers/export.xlsx?q=gzdl"' in body
    assert "深圳华强电子" in c.get("/customers/", {"q": "0001"}).content.decode()  # phone digits
    assert "广州电缆" not in c.get("/customers/", {"city": "深圳"}).content.decode().split("<tbody>")[1]


def test_sp_sees_pool_summary_only(company):
    lead, _ = enter_lead(company.leads, cust(name="网络线索甲", mobile="13700000001"))
    c = login(company.sales1)
    body = c.get("/customers/").content.decode()
    assert "公海客户（摘要）" in body and "网络线索甲" in body
    assert f'/customers/{lead.pk}/' not in body  # summary is not a link
    assert c.get(f"/customers/{lead.pk}/").status_code == 404
    # the manager sees it in the list (pool scope) and can open it
    m = login(company.manager)
    assert "网络线索甲" in m.get("/customers/", {"scope": "pool"}).content.decode()
    assert m.get(f"/customers/{lead.pk}/").status_code == 200


def test_file_customer_redirects_to_detail(company):
    c = login(company.sales1)
    r = c.post("/customers/new/", new_post(**{"c0-title": "采购经理", "industry": "电线电缆"}))
    cu = Customer.objects.get(name="广州电缆有限公司")
    assert r.status_code == 302 and r["Location"] == f"/customers/{cu.pk}/"
    assert cu.owner == company.sales1 and cu.industry == "电线电缆"
    body = c.get(r["Location"]).content.decode()
    assert "已建档" in body and "陈先生" in body and "采购经理" in body and "张三" in body


def test_new_form_shows_service_errors_and_keeps_input(company):
    c = login(company.sales1)
    r = c.post("/customers/new/", new_post(**{"c0-mobile": "", "industry": "五金"}))
    body = r.content.decode()
    assert r.status_code == 200
    assert "cust.required_fields" in body and 'class="rule"' in body
    assert 'value="广州电缆有限公司"' in body and 'value="五金"' in body
    r = c.post("/customers/new/", new_post(**{"c0-mobile": "12345"}))
    assert "格式不正确" in r.content.decode()
    r = c.post("/customers/new/", new_post(collected_on=(timezone.localdate() + timedelta(days=2)).isoformat()))
    assert "cust.entry_2wd" in r.content.decode()
    assert not Customer.objects.exists()


def test_duplicate_names_owner_and_date(company):
    first, _ = file_customer(company.sales1, cust())
    c = login(company.sales2)
    r = c.post("/customers/new/", new_post(name="广州电缆公司", **{"c0-mobile": "13900139000"}))
    body = r.content.decode()
    assert r.status_code == 200
    assert "客户已存在" in body and "张三" in body and "cust.duplicate" in body
    assert timezone.localtime(first.created_at).date().isoformat() in body
    assert "仍然建档" not in body  # SP gets no override
    assert Customer.objects.count() == 1


def test_manager_can_force_similarity_only(company):
    file_customer(company.sales1, cust(name="广州市恒通电线电缆制造有限公司"))
    m = login(company.manager)
    post = new_post(name="广州市恒通电线电揽制造有限公司", owner=str(company.sales2.pk), **{"c0-mobile": "13900139001"})
    r = m.post("/customers/new/", post)
    body = r.content.decode()
    assert "仍然建档" in body and "cust.duplicate" in body
    r = m.post("/customers/new/", {**post, "force": "1", "force_reason": ""})
    assert "请填写仍然建档的理由" in r.content.decode()
    r = m.post("/customers/new/", {**post, "force": "1", "force_reason": "不同工厂，已电话核实"})
    assert r.status_code == 302
    cu = Customer.objects.get(name="广州市恒通电线电揽制造有限公司")
    assert cu.owner == company.sales2
    assert OwnershipChange.objects.get(customer=cu).reason == "不同工厂，已电话核实"


def test_late_entry_warning_shown(company):
    c = login(company.sales1)
    r = c.post("/customers/new/", new_post(collected_on=(timezone.localdate() - timedelta(days=20)).isoformat()),
               follow=True)
    body = r.content.decode()
    assert "逾期录入" in body and "cust.entry_2wd" in body


def test_detail_access_and_404(company):
    mine, _ = file_customer(company.sales1, cust())
    other, _ = file_customer(company.sales3, cust(name="佛山陶瓷厂", city="佛山", mobile="13900000002"))
    c = login(company.sales1)
    r = c.get(f"/customers/{mine.pk}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "客户通讯录" in body and "记录拜访" in body and "信用信息" in body
    assert "/card.pdf" in body and "/visits.xlsx" in body
    assert "调整负责人" not in body  # not a manager
    assert c.get(f"/customers/{other.pk}/").status_code == 404
    assert c.get(f"/customers/{other.pk}/edit/").status_code == 404
    assert c.post(f"/customers/{other.pk}/visits/new/", {"channel": "phone", "purpose": "x"}).status_code == 404
    assert c.get("/customers/999999/").status_code == 404
    # another team's manager cannot see it either; the GM can
    assert login(company.manager2).get(f"/customers/{mine.pk}/").status_code == 404
    assert login(company.gm).get(f"/customers/{mine.pk}/").status_code == 200


def test_cs_sees_card_of_confidential_customer_without_credit(company):
    cu, _ = file_customer(company.sales1, cust())
    Customer.objects.filter(pk=cu.pk).update(confidentiality="confidential")
    body = login(company.cs).get(f"/customers/{cu.pk}/").content.decode()
    assert "服务卡" in body and "陈先生" in body
    assert "信用信息" not in body and "记录拜访" not in body and "动态" not in body
    Customer.objects.filter(pk=cu.pk).update(confidentiality="top_secret")
    body = login(company.cs).get(f"/customers/{cu.pk}/").content.decode()
    assert "只能看到名称和负责人" in body and "陈先生" not in body and "张三" in body


def test_log_visit_and_timeline(company):
    cu, _ = file_customer(company.sales1, cust())
    c = login(company.sales1)
    r = c.post(f"/customers/{cu.pk}/visits/new/", {"channel": "phone", "purpose": "介绍新产品", "content": "客户有兴趣",
                                                   "step": "introduction"})
    assert r.status_code == 302
    v = Visit.objects.get(customer=cu)
    assert v.user == company.sales1
    body = c.get(f"/customers/{cu.pk}/").content.decode()
    assert "介绍新产品" in body and "客户有兴趣" in body and "产品介绍" in body
    # service error keeps input
    r = c.post(f"/customers/{cu.pk}/visits/new/", {"channel": "phone", "purpose": "", "content": "保留的内容"})
    body = r.content.decode()
    assert r.status_code == 400 and "目的不能为空" in body and "保留的内容" in body


def test_add_contact_and_csrf(company):
    cu, _ = file_customer(company.sales1, cust())
    c = login(company.sales1)
    r = c.post(f"/customers/{cu.pk}/contacts/new/", {"nc-name": "王工", "nc-mobile": "13600000000"})
    assert r.status_code == 302 and cu.contacts.filter(name="王工").exists()
    r = c.post(f"/customers/{cu.pk}/contacts/new/", {"nc-name": "刘工"})
    assert r.status_code == 400 and "联系人需要手机、电话或邮箱之一" in r.content.decode()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(company.sales1)
    assert strict.post(f"/customers/{cu.pk}/visits/new/", {"channel": "phone", "purpose": "x"}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in c.get(f"/customers/{cu.pk}/").content.decode()


def test_edit_shows_changes_in_timeline(company):
    cu, _ = file_customer(company.sales1, cust())
    c = login(company.sales1)
    r = c.get(f"/customers/{cu.pk}/edit/")
    assert r.status_code == 200 and 'value="广州电缆有限公司"' in r.content.decode()
    data = {"name": cu.name, "city": "广州", "source": "direct", "demand_grade": "B", "kind": "enterprise",
            "invoice_choice": "general", "status": "prospect", "confidentiality": "secret", "industry": "电缆"}
    r = c.post(f"/customers/{cu.pk}/edit/", data)
    assert r.status_code == 302
    cu.refresh_from_db()
    assert cu.demand_grade == "B" and cu.invoice_choice == "general" and cu.industry == "电缆"
    body = c.get(f"/customers/{cu.pk}/").content.decode()
    assert "修改档案" in body and "<del>增值税专用发票</del> → <ins>普通发票</ins>" in body
    # SP may not set 机密: the rule is shown, input kept
    r = c.post(f"/customers/{cu.pk}/edit/", {**data, "confidentiality": "top_secret", "industry": "电缆2"})
    body = r.content.decode()
    assert r.status_code == 200 and "cust.confidentiality" in body and 'value="电缆2"' in body
    # another SP of the same team cannot edit
    assert login(company.sales2).get(f"/customers/{cu.pk}/edit/").status_code == 404


def test_manager_transfer_and_review(company):
    cu, _ = file_customer(company.sales1, cust())
    m = login(company.manager)
    body = m.get(f"/customers/{cu.pk}/").content.decode()
    assert "调整负责人" in body and "审核通过" in body and "王五" not in body.split("确认调整")[0].split("调整负责人")[1]
    r = m.post(f"/customers/{cu.pk}/transfer/", {"to_user_id": company.sales2.pk, "reason": ""})
    assert r.status_code == 400 and "调整原因不能为空" in r.content.decode()
    r = m.post(f"/customers/{cu.pk}/transfer/", {"to_user_id": company.sales2.pk, "reason": "张三休产假"})
    assert r.status_code == 302
    cu.refresh_from_db()
    assert cu.owner == company.sales2
    body = m.get(f"/customers/{cu.pk}/").content.decode()
    assert "<del>张三</del> → <ins>李四</ins>" in body and "张三休产假" in body
    r = m.post(f"/customers/{cu.pk}/review/", {"decision": "return", "note": ""}, follow=True)
    assert "审核意见不能为空" in r.content.decode()
    m.post(f"/customers/{cu.pk}/review/", {"decision": "accept"})
    cu.refresh_from_db()
    assert cu.review_state == ReviewState.ACCEPTED
    # SP cannot transfer or review
    s = login(company.sales2)
    assert s.post(f"/customers/{cu.pk}/transfer/", {"to_user_id": company.sales1.pk, "reason": "x"}).status_code == 403


def test_worklist_access_and_one_click_allocation(company):
    assert login(company.sales1).get("/worklist/").status_code == 403
    assert login(company.leads).get("/worklist/").status_code == 403
    lead, _ = enter_lead(company.leads, cust(name="网络线索乙", mobile="13700000002"))
    file_customer(company.sales1, cust())  # sales1 has 1 customer → suggestion is sales2 (0)
    m = login(company.manager)
    r = m.get("/worklist/")
    body = r.content.decode()
    assert r.status_code == 200
    for text in ["公海 / 待分配", "首次联系逾期", "逾期录入", "待审核档案", "cust.web_lead_allocation",
                 "cust.first_contact_1w", "cust.entry_2wd", "cust.manager_review", "分配给 李四", "网络线索乙"]:
        assert text in body
    r = m.post(f"/worklist/allocate/{lead.pk}/", {"to_user_id": company.sales2.pk})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.owner == company.sales2
    # cross-team assignee refused with the rule shown on the work list
    lead2, _ = enter_lead(company.leads, cust(name="网络线索丙", mobile="13700000003"))
    r = m.post(f"/worklist/allocate/{lead2.pk}/", {"to_user_id": company.sales3.pk})
    assert r.status_code == 422 and "cust.manager_override" in r.content.decode()


def test_worklist_first_contact_overdue_reassign(company):
    cu, _ = file_customer(company.sales1, cust())
    Customer.objects.filter(pk=cu.pk).update(assigned_at=timezone.now() - timedelta(days=10))
    m = login(company.manager)
    body = m.get("/worklist/").content.decode()
    assert "已逾期" in body and "改派" in body
    r = m.post(f"/worklist/reassign/{cu.pk}/", {"to_user_id": company.sales2.pk, "reason": "逾期未联系"})
    assert r.status_code == 302
    cu.refresh_from_db()
    assert cu.owner == company.sales2
    body = login(company.sales1).get("/customers/").content.decode()
    assert "广州电缆" not in body.split("<tbody>")[1].split("</tbody>")[0]


def test_leads_page(company):
    assert login(company.sales1).get("/leads/").status_code == 403
    c = login(company.leads)
    r = c.post("/leads/", {"name": "东莞五金商行", "city": "东莞", "contact": "黄生", "phone": "13500000000",
                           "needs": "询价线束", "tags": "线束"})
    assert r.status_code == 302
    lead = Customer.objects.get(name="东莞五金商行")
    assert lead.is_web_lead and lead.owner is None and lead.lead_tags == "线束" and lead.needs == "询价线束"
    body = c.get("/leads/").content.decode()
    assert "东莞五金商行" in body and "待分配" in body
    m = login(company.manager)
    m.post(f"/worklist/allocate/{lead.pk}/", {"to_user_id": company.sales1.pk})
    body = c.get("/leads/").content.decode()
    assert "已分配" in body and "张三" not in body  # LS sees only the status
    r = c.post("/leads/", {"name": "东莞五金", "city": "东莞", "contact": "黄生", "phone": "13500000000"})
    assert r.status_code == 200 and "cust.duplicate" in r.content.decode()


def test_notifications(company):
    n = Notification.objects.create(user=company.sales1, key="k1", rule="cust.first_contact_1w", message="请尽快联系客户",
                                    link="/customers/")
    Notification.objects.create(user=company.sales2, key="k1", message="别人的通知")
    c = login(company.sales1)
    body = c.get("/notifications/").content.decode()
    assert "请尽快联系客户" in body and "别人的通知" not in body and "1 条未读" in body
    assert c.post("/notifications/read/", {"id": n.pk}).status_code == 302
    n.refresh_from_db()
    assert n.read_at is not None
    other = Notification.objects.get(user=company.sales2)
    c.post("/notifications/read/", {"id": other.pk})
    other.refresh_from_db()
    assert other.read_at is None


@pytest.mark.parametrize("url", ["/admin/org/user/", "/admin/audit/auditentry/",
                                 "/admin/org/team/", "/admin/org/policyversion/", "/admin/org/holidayoverride/"])
def test_admin_pages(company, url):
    from yewu.org.models import User

    admin = User.objects.create_superuser("root", password="x" * 10, roles=["SYS"])
    file_customer(company.sales1, cust())
    c = login(admin)
    assert c.get(url).status_code == 200


def test_audit_admin_is_read_only(company):
    from yewu.audit.models import AuditEntry
    from yewu.org.models import User
    from yewu.org.services import create_version

    admin = User.objects.create_superuser("root", password="x" * 10, roles=["SYS"])
    file_customer(company.sales1, cust())
    v = create_version(company.gm, changes={"price.special_floor.pct": "85"}, reason="调整特价下限")
    e = AuditEntry.objects.get(object_type="org.policyversion", object_id=str(v.pk))
    c = login(admin)
    assert c.get("/admin/audit/auditentry/add/").status_code == 403
    assert c.get(f"/admin/audit/auditentry/{e.pk}/change/").status_code == 200  # view only
    assert c.post(f"/admin/audit/auditentry/{e.pk}/delete/", {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("path", ["org/policyversion", "processes/processdefinition"])
def test_other_append_only_records_are_read_only_in_the_admin(company, path):
    from yewu.org.models import User

    admin = User.objects.create_superuser("root", password="x" * 10, roles=["SYS"])
    c = login(admin)
    assert c.get(f"/admin/{path}/").status_code == 200
    assert c.get(f"/admin/{path}/add/").status_code == 403
