"""Issue 12 walk-through on a phone-size screen: CS takes a call and files a complaint → the department proposes →
its manager selects → the customer is consulted → implemented → return visits → closed; a technician closes a job
with a signature drawn on the screen; the public form used without login. Screenshots in screenshots/service-*.png."""


from pathlib import Path

import pytest

from yewu.customers.tests.conftest import make_customer  # noqa: F401  (fixture)

from .conftest import PHONE

SHOTS_PDF = Path("/tmp/shots-service")
SHOTS_PDF.mkdir(exist_ok=True)


@pytest.fixture
def setup(company, make_customer):  # noqa: F811
    from yewu.org.models import Department, User

    lead = User.objects.create_user(username="qc", password="demo1234", roles=["QC"], display_name="褚质检")
    qa = Department.objects.create(name="质检部", manager=lead)
    lead.department = qa
    lead.save()
    cust = make_customer(company.sales1, name="广州电缆贸易有限公司", mobile="13912345678")
    return {"qa": qa, "lead": lead, "cust": cust}


@pytest.fixture
def login(site, browser):
    """site.login with a minute's patience: the first request of a fresh live server can be slow on a busy machine."""
    contexts = []

    def go(username):
        ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(60000)
        page.goto(site.url("/login/"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo1234")
        page.click("button.primary")
        page.wait_for_url(site.url("/"))
        return page

    yield go
    for ctx in contexts:
        ctx.close()


def _post_action(page, button_text):
    page.get_by_role("button", name=button_text).click()
    page.wait_for_load_state("networkidle")


def test_complaint_from_call_to_close(site, login, setup, company):
    from yewu.service.models import Complaint

    page = login("cs")
    page.goto(site.url("/service/tickets/new/?q=gzdl"))
    page.get_by_role("link", name="广州电缆贸易有限公司").click()
    page.select_option("select[name=type]", "complaint")
    page.select_option("select[name=channel]", "phone")
    page.fill("textarea[name=content]", "YJV 电缆绝缘层开裂，要求处理")
    page.locator("details.inline-form summary").click()
    page.select_option("select[name=category]", "quality")
    site.shot(page, "service-1-quick-entry")
    page.get_by_role("button", name="受理").click()
    page.wait_for_url("**/service/tickets/*/")
    assert "ticket.first_response_1wd" in page.content()
    site.shot(page, "service-2-ticket")
    c = Complaint.objects.get()
    page.goto(site.url(f"/service/complaints/{c.pk}/"))
    page.fill("textarea[name=finding]", "经核实属实")
    page.select_option("select[name=department_id]", str(setup["qa"].pk))
    _post_action(page, "成立，转交部门")
    assert "质检部 褚质检" in page.content()
    site.shot(page, "service-3-dispatched")

    lead = login("qc")
    lead.goto(site.url("/approvals/"))  # the leader finds the task in the approvals inbox
    assert c.number in lead.content() and "请提出解决方案" in lead.content()
    site.shot(lead, "service-3b-leader-inbox")
    lead.get_by_role("link", name=f"{c.number}", exact=False).first.click()
    lead.wait_for_url(f"**/service/complaints/{c.pk}/")
    lead.fill("textarea[name=solutions]", "免费更换问题批次\n按米数退款")
    _post_action(lead, "提交方案")
    lead.locator("input[name=solution_id]").first.check()
    _post_action(lead, "选定")
    site.shot(lead, "service-4-selected")
    assert Complaint.objects.get().step == "consulting"

    page.goto(site.url(f"/service/complaints/{c.pk}/"))
    page.fill("textarea[name=opinion]", "同意更换")
    _post_action(page, "客户同意")
    lead.goto(site.url(f"/service/complaints/{c.pk}/"))
    lead.fill("input[name=note]", "已更换 200 米")
    _post_action(lead, "已实施")
    for sat in ("satisfied", "very_satisfied"):
        page.goto(site.url(f"/service/complaints/{c.pk}/"))
        page.fill("input[name=contact]", "采购王工")
        page.select_option("select[name=satisfaction]", sat)
        page.fill("form[action='visit/'] textarea[name=opinion]", "无")
        _post_action(page, "保存回访")
    _post_action(page, "满意，结案")
    assert Complaint.objects.get().step == "closed"
    assert "已结案" in page.content()
    site.shot(page, "service-5-closed")
    page.locator("#documents").scroll_into_view_if_needed()
    site.shot(page, "service-5b-forms", full_page=False)
    for kind in ("record", "investigation", "transfer", "opinion", "handling"):
        r = page.request.get(site.url(f"/service/complaints/{c.pk}/documents/{kind}.pdf"))
        assert r.status == 200 and r.body()[:4] == b"%PDF", kind


def test_technician_closes_job_with_signature(site, login, setup, company):
    from yewu.service.jobs import services as jobs
    from yewu.service.models import ServiceJob

    j = jobs.register_job(company.cs, jobs.JobIn(category="A", district="天河", problem="接头发热",
                                                 customer_id=setup["cust"].pk))
    jobs.dispatch(company.cs, j.pk, company.sales2.pk)
    jobs.arrive(company.sales2, j.pk)
    page = login("sales2")
    page.goto(site.url(f"/service/jobs/{j.pk}/"))
    page.fill("textarea[name=work_done]", "更换接头，测试正常")
    page.fill("input[name=signer_name]", "客户电工")
    # without a signature: refused, the job stays open
    _post_action(page, "结单")
    assert "service.close_signature" in page.content() and ServiceJob.objects.get().state == "arrived"
    page.fill("textarea[name=work_done]", "更换接头，测试正常")
    page.fill("input[name=signer_name]", "客户电工")
    page.locator("#sig").scroll_into_view_if_needed()
    box = page.locator("#sig").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 80)
    page.mouse.down()
    for i in range(1, 30):
        page.mouse.move(box["x"] + 20 + i * 9, box["y"] + 80 + (25 if i % 2 else -25))
    page.mouse.up()
    site.shot(page, "service-6-signing")
    _post_action(page, "结单")
    j = ServiceJob.objects.get()
    assert j.state == "closed" and j.signature.startswith("data:image/png") and j.invoice_requested_at
    site.shot(page, "service-7-job-closed")
    r = page.request.get(site.url(f"/service/jobs/{j.pk}/documents/voucher.pdf"))
    assert r.status == 200 and r.body()[:4] == b"%PDF"
    (SHOTS_PDF / "voucher-signed.pdf").write_bytes(r.body())


def test_unsolved_on_site_and_the_next_day_survey(site, login, setup, company):
    from yewu.service.jobs import services as jobs
    from yewu.service.models import ServiceJob

    j = jobs.register_job(company.cs, jobs.JobIn(category="C", district="番禺", problem="配电柜跳闸",
                                                 customer_id=setup["cust"].pk))
    jobs.dispatch(company.cs, j.pk, company.sales2.pk)
    jobs.arrive(company.sales2, j.pk)
    page = login("sales2")
    page.goto(site.url(f"/service/jobs/{j.pk}/"))
    page.fill("form[action='unsolved/'] textarea[name=note]", "需更换进口断路器，现场无备件")
    _post_action(page, "上报（业务员、服务主管 → 业务经理 → 总经理）")
    assert ServiceJob.objects.get().unsolved_level == 1 and "现场未解决" in page.content()
    site.shot(page, "service-10-unsolved")
    cs = login("cs")
    cs.goto(site.url("/service/jobs/surveys/"))
    assert j.number in cs.content() or "今天没有待做的调查" in cs.content()
    cs.goto(site.url(f"/service/jobs/{j.pk}/"))
    for item, level in (("attitude", "4"), ("skill", "3"), ("arrival", "4"), ("follow_through", "2")):
        cs.select_option(f"select[name={item}]", level)
    _post_action(cs, "保存调查")
    assert "服务态度 4 分" in cs.content()
    site.shot(cs, "service-11-survey")
    csm = login("csmanager")
    csm.goto(site.url("/service/jobs/technicians/"))
    assert "李四" in csm.content()
    site.shot(csm, "service-12-technicians")


def test_quarterly_campaign_to_the_summary_report(site, login, setup, company, make_customer):  # noqa: F811
    from yewu.service.models import Campaign

    key1 = setup["cust"]
    key2 = make_customer(company.sales1, name="广州五羊机电", mobile="13811112222")
    for k in (key1, key2):
        k.key_customer = True
        k.save(update_fields=["key_customer"])
    page = login("csmanager")
    page.goto(site.url("/service/campaigns/"))
    _post_action(page, "建立（自动纳入全部重点客户）")
    camp = Campaign.objects.get()
    assert camp.members.count() == 2
    page.select_option("form[action='visit/'] select[name=customer_id]", str(key1.pk))
    page.select_option("form[action='visit/'] select[name=channel]", "phone")
    page.fill("form[action='visit/'] input[name=contact]", "王经理")
    page.select_option("form[action='visit/'] select[name=satisfaction]", "satisfied")
    page.fill("form[action='visit/'] textarea[name=opinion]", "无")
    _post_action(page, "保存回访")
    for n in range(3):
        page.fill(f"#m-{key2.pk} input[name=note]", f"第{n + 1}次无人接听")
        page.locator(f"#m-{key2.pk}").get_by_role("button", name="记未接通").click()
        page.wait_for_load_state("networkidle")
    page.locator(f"#m-{key2.pk}").get_by_role("button", name="经理签认").click()
    page.wait_for_load_state("networkidle")
    site.shot(page, "service-13-campaign")
    page.fill("textarea[name=summary]", "本季度重点客户全部覆盖，一家三次未接通经签认。")
    _post_action(page, "结束活动并生成回访总结报告")
    assert Campaign.objects.get().closed_at is not None and "已结束" in page.content()
    r = page.request.get(site.url(f"/service/campaigns/{camp.pk}/report.pdf"))
    assert r.status == 200 and r.body()[:4] == b"%PDF"
    (SHOTS_PDF / "campaign-report.pdf").write_bytes(r.body())
    site.shot(page, "service-14-campaign-closed")


def test_public_form_without_login(site, login, browser, setup):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    page.goto(site.url("/service/public/"))
    page.select_option("select[name=type]", "service")
    page.fill("input[name=name]", "陈先生")
    page.fill("input[name=phone]", "13700001234")
    page.fill("input[name=region]", "广州番禺")
    page.fill("textarea[name=content]", "厂房电缆冒烟，请尽快派人")
    site.shot(page, "service-8-public-form")
    page.get_by_role("button", name="提交").click()
    number = page.locator("#ref").inner_text()
    assert number.startswith("YWKF-")
    page.goto(site.url(f"/service/public/status/?number={number}&phone=13700001234"))
    assert "待处理" in page.content() and "冒烟" not in page.content()
    site.shot(page, "service-9-public-status")
    ctx.close()
