"""The pages added for the backend features that had an API only: the sales contract on the order page and the
contract review in the inbox (SPEC §4.4), form PDFs and the customer-signed delivery (§9.1,
`ship.goods_issue_note`), PROD's custom ship dates (`delivery.custom_production`), the late lines and the return
flow (`return.flow`). Every refusal is shown to the user with its rule id."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from yewu.finance import order_payments
from yewu.orders.contracts import services as contracts
from yewu.orders.models import Contract, Order, OrderLine, ReturnRequest, Shipment
from yewu.orders.ordering import services
from yewu.orders.shipping import services as ship_svc

from .test_delivery import ops  # noqa: F401  (fixture)
from .test_orders_api import make_existing

CHECK = {"cl_economics": "利润合理", "cl_feasibility": "可按期交货", "cl_legality": "条款合法", "cl_price": "不低于底价"}


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200
    return r.content.decode()


def msgs(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def post(client, url, data=None) -> str:
    """POST, follow the redirect, return the messages shown."""
    r = client.post(url, data or {}, follow=True)
    assert r.status_code == 200
    return msgs(r)


def credit_order(shop, qty="200"):
    """Existing customer, CREDIT 20,000.00: no approval needed, but a contract is (CREDIT ≥ 20,000.00)."""
    make_existing(shop, shop.gz)
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, qty, "100.00")])
    return services.submit_order(shop.company.sales1, o.pk)


# --- contracts -------------------------------------------------------------------------------------------------


def test_contract_drafted_reviewed_in_inbox_signed_and_filed_through_pages(shop, ops):  # noqa: F811
    co = shop.company
    o = credit_order(shop)
    url = f"/orders/{o.pk}/"
    sp, cs, fin, wh = login(co.sales1), login(co.cs), login(co.finance), login(ops.wh)
    html = page(sp, url)
    assert 'id="contract"' in html and "contract.required" in html and "20,000.00" in html and "尚未起草合同" in html
    assert 'id="contract-form"' in html
    assert 'id="contract-form"' not in page(wh, url) and "contract.required" in page(wh, url)  # WH sees why, may not draft

    # a refusal on the page names its rule: no signing before review
    m = post(sp, f"/orders/{o.pk}/contract/", {"terms": "送货上门，月结30天", "and_submit": "0"})
    assert "合同草稿已保存" in m
    c = Contract.objects.get(order=o)
    assert c.status == "draft" and c.terms == "送货上门，月结30天"
    assert "（contract.review_1wd）" in post(sp, f"/orders/{o.pk}/contract/sign/")
    assert "已有合同" in post(sp, f"/orders/{o.pk}/contract/", {"terms": "x"})
    m = post(sp, f"/orders/{o.pk}/contract/submit/")
    assert "合同已送评审：客服、财务" in m
    c.refresh_from_db()
    assert c.status == "in_review"

    # CS's inbox: the checklist form, not the bare approve button
    inbox = page(cs, "/approvals/")
    assert "合同评审" in inbox and o.number in inbox
    for k in CHECK:
        assert f'name="{k}"' in inbox
    assert 'name="credit_opinion"' in inbox and f"/api/v1/contracts/{c.pk}/review.pdf" in inbox
    # the generic approve endpoint refuses the step (it needs the checklist)
    assert "contract.review_1wd" in post(cs, f"/approvals/{c.approval_id}/decide/", {"action": "approve"})
    # a checklist with a blank item is refused, naming it; nothing is decided
    r = cs.post(f"/approvals/{c.approval_id}/contract-review/", {**CHECK, "cl_legality": "", "action": "approve",
                                                                  "credit_opinion": "信用良好"})
    m = msgs(r)
    assert "（contract.review_1wd）" in m and m.endswith("未填：合法性意见")
    html = r.content.decode()  # the form comes back with what was typed, the blank marked
    assert 'value="利润合理"' in html and 'value="信用良好"' in html and html.count('class="has-error"') == 1
    assert c.approval.steps.get(role="CS").state == "pending"
    # a salesperson has no such step
    m = post(sp, f"/approvals/{c.approval_id}/contract-review/", {**CHECK, "action": "approve", "credit_opinion": "x"})
    assert "（approval.inbox）" in m and c.approval.steps.get(role="CS").state == "pending"
    m = post(cs, f"/approvals/{c.approval_id}/contract-review/", {**CHECK, "action": "approve", "credit_opinion": "信用良好"})
    assert "等待其他评审" in m
    assert 'id="contract-sign-form"' not in page(sp, url)  # FIN has not passed yet
    m = post(fin, f"/approvals/{c.approval_id}/contract-review/", {**CHECK, "action": "approve", "credit_opinion": "额度内"})
    assert "评审全部通过" in m
    c.refresh_from_db()
    assert c.status == "approved"
    step = c.approval.steps.get(role="FIN")
    assert step.data["credit_opinion"] == "额度内" and step.data["checklist"]["price"] == "不低于底价"

    # the reviews with their checklists on the order page; the SP signs and sees the number
    html = page(sp, url)
    assert "额度内" in html and "信用良好" in html and 'id="contract-sign-form"' in html
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert "签订日期" in post(sp, f"/orders/{o.pk}/contract/sign/", {"signed_on": tomorrow})
    m = post(sp, f"/orders/{o.pk}/contract/sign/", {"signed_on": timezone.localdate().isoformat()})
    number = f"YWXS-{timezone.localdate():%Y%m%d}-01"
    assert number in m and "contract.filing_1wd" in m
    html = page(sp, url)
    assert number in html and "contract.number_format" in html and "ledger.xlsx?month=" in html
    assert 'id="contract-file-form"' not in html  # filing is CS's job
    assert "contract.filing_1wd" in post(sp, f"/orders/{o.pk}/contract/file/", {
        "scan": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 scan", content_type="application/pdf")})
    # CS files the scan; the review form and ledger open with the session
    assert 'id="contract-file-form"' in page(cs, url)
    assert "contract.filing_1wd" in post(cs, f"/orders/{o.pk}/contract/file/")  # no file chosen
    m = post(cs, f"/orders/{o.pk}/contract/file/", {
        "scan": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 scan", content_type="application/pdf")})
    assert "已归档" in m
    html = page(sp, url)
    assert "已归档" in html and f"/orders/{o.pk}/contract/scan/" in html
    assert sp.get(f"/orders/{o.pk}/contract/scan/").content == b"%PDF-1.4 scan"
    r = sp.get(f"/api/v1/contracts/{c.pk}/review.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    # signed: the warehouse may ship now
    assert 'id="ship-form"' in page(wh, url)


def test_new_customer_contract_needs_due_diligence_before_review(shop):
    co = shop.company
    new = shop.customer("新客户甲")
    o, _ = services.create_order(co.sales1, customer_id=new.pk, settlement="PREPAY",
                                 lines=[services.LineIn(shop.custom.pk, "2", "1000.00")])
    url = f"/orders/{o.pk}/"
    html = page(login(co.sales1), url)
    assert "订单含定制产品" in html and "新客户资信调查" in html and 'name="dd_licence"' in html
    sp = login(co.sales1)
    m = post(sp, f"/orders/{o.pk}/contract/", {"terms": "定制，款到发货", "and_submit": "1"})
    assert "合同草稿已保存" in m and "资信调查" in m and "（contract.review_1wd）" in m
    c = Contract.objects.get(order=o)
    assert c.status == "draft" and c.approval_id is None
    dd = {"dd_licence": "有效至2030年", "dd_reputation": "良好", "dd_performance": "无违约", "dd_qualifications": ""}
    assert "（contract.review_1wd）" in post(sp, f"/orders/{o.pk}/contract/submit/", dd)
    dd["dd_qualifications"] = "齐全"
    assert "合同已送评审" in post(sp, f"/orders/{o.pk}/contract/submit/", dd)
    c.refresh_from_db()
    assert c.status == "in_review" and c.due_diligence["qualifications"] == "齐全"
    # another salesperson does not even see the order
    assert login(co.sales3).get(url).status_code == 404
    assert login(co.sales3).post(f"/orders/{o.pk}/contract/submit/").status_code == 404


def test_major_contract_gm_step_is_a_plain_decision_in_the_inbox(shop):
    co = shop.company
    make_existing(shop, shop.gz)
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="PREPAY",
                                 lines=[services.LineIn(shop.custom.pk, "100", "1000.00")])  # 100,000.00: major
    c = contracts.submit_review(co.sales1, contracts.create_contract(co.sales1, o.pk).pk)
    for u in (co.cs, co.finance):
        post(login(u), f"/approvals/{c.approval_id}/contract-review/", {**CHECK, "action": "approve", "credit_opinion": "同意"})
    gm = login(co.gm)
    inbox = page(gm, "/approvals/")
    assert "合同评审" in inbox and "第 3/3 步" in inbox and 'name="cl_economics"' not in inbox
    assert f"/approvals/{c.approval_id}/contract-review/" in inbox
    assert "评审全部通过" in post(gm, f"/approvals/{c.approval_id}/contract-review/", {"action": "approve"})
    assert Contract.objects.get(pk=c.pk).status == "approved"
    assert "重大合同" in page(login(co.sales1), f"/orders/{o.pk}/")


# --- forms and signed delivery --------------------------------------------------------------------------------


def test_form_links_and_customer_signed_delivery(shop, ops):  # noqa: F811
    co = shop.company
    o = credit_order(shop, "200")
    shop.signed_contract(o)
    line = o.lines.get()
    s = ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(line.pk, "100")])
    url = f"/orders/{o.pk}/"
    sp_html = page(login(co.sales1), url)
    assert f"/api/v1/orders/{o.pk}/pdf" in sp_html and f"/api/v1/orders/{o.pk}/backorder.pdf" in sp_html
    assert f"/api/v1/shipments/{s.pk}/note.pdf" in sp_html
    assert "over-credit.pdf" not in sp_html  # within the limit
    wh = login(ops.wh)
    wh_html = page(wh, url)
    assert f"/api/v1/shipments/{s.pk}/note.pdf" in wh_html and f"/api/v1/orders/{o.pk}/pdf" not in wh_html  # no prices
    assert wh.get(f"/api/v1/shipments/{s.pk}/note.pdf")["Content-Type"] == "application/pdf"
    # neither a signed copy nor the e-signature: refused with the rule, nothing recorded
    today = timezone.localdate().isoformat()
    m = post(wh, f"/orders/{o.pk}/shipments/{s.pk}/delivered/", {"delivered_on": today, "signed_by_name": "王收货"})
    assert "（ship.goods_issue_note）" in m
    assert Shipment.objects.get(pk=s.pk).delivered_on is None
    assert "日期" in post(wh, f"/orders/{o.pk}/shipments/{s.pk}/delivered/", {"delivered_on": "2026-13-01", "e_signature": "1"})
    photo = SimpleUploadedFile("签收.jpg", b"\xff\xd8\xff photo", content_type="image/jpeg")
    m = post(wh, f"/orders/{o.pk}/shipments/{s.pk}/delivered/", {"delivered_on": today, "signed_by_name": "王收货",
                                                                  "signed_copy": photo})
    assert "已登记客户签收" in m
    s.refresh_from_db()
    assert s.delivered_on == timezone.localdate() and s.signed_by_name == "王收货" and s.signed_copy_id
    html = page(login(co.sales1), url)
    assert "客户已签收" in html and f"/api/v1/shipments/{s.pk}/signed-copy" in html
    m = post(wh, f"/orders/{o.pk}/shipments/{s.pk}/delivered/", {"delivered_on": today, "e_signature": "1"})
    assert "已于" in m and "（ship.goods_issue_note）" in m


def test_over_credit_form_linked_when_the_order_exceeds_the_limit(shop):
    co = shop.company
    c = shop.customer("额度客户", grade="B", limit="10000.00")
    make_existing(shop, c)
    o, _ = services.create_order(co.sales1, customer_id=c.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, "150", "100.00")])
    o = services.submit_order(co.sales1, o.pk)
    html = page(login(co.sales1), f"/orders/{o.pk}/")
    assert f"/api/v1/orders/{o.pk}/over-credit.pdf" in html and "超信销货申请表" in html


# --- PROD's custom ship dates and the late lines ------------------------------------------------------------------


def test_prod_enters_custom_ship_dates_on_its_page(shop, ops):  # noqa: F811
    co = shop.company
    make_existing(shop, shop.gz)
    o, _ = services.create_order(co.sales1, customer_id=shop.gz.pk, settlement="COD",
                                 lines=[services.LineIn(shop.cable.pk, "10", "100.00"),
                                        services.LineIn(shop.custom.pk, "10", "1000.00")])
    shop.signed_contract(o)
    o = services.submit_order(co.sales1, o.pk)
    cus = o.lines.get(kind="custom")
    prod = login(ops.prod)
    assert "没有待录入交期的定制产品" in page(prod, "/orders/custom-dates/")  # no deposit yet
    assert 'href="/orders/custom-dates/"' in page(prod, "/orders/")  # PROD's nav link
    assert 'href="/orders/custom-dates/"' not in page(login(co.sales1), "/orders/")
    order_payments.record_payment(co.finance, o.pk, "3000.00")
    html = page(prod, "/orders/custom-dates/")
    assert o.number in html and f"/orders/{o.pk}/lines/{cus.pk}/ship-date/" in html and "1000.00" not in html
    assert "delivery.custom_production" in html
    # the salesperson sees the list but cannot enter the date
    sp = login(co.sales1)
    assert f"/orders/{o.pk}/lines/{cus.pk}/ship-date/" not in page(sp, "/orders/custom-dates/")
    future = timezone.localdate() + timedelta(days=20)
    m = post(sp, f"/orders/{o.pk}/lines/{cus.pk}/ship-date/", {"ship_on": future.isoformat(), "back": "list"})
    assert "（delivery.custom_production）" in m
    m = post(prod, f"/orders/{o.pk}/lines/{cus.pk}/ship-date/",
             {"ship_on": (timezone.localdate() - timedelta(days=1)).isoformat(), "back": "list"})
    assert "早于今天" in m
    std = o.lines.get(kind="standard")
    assert "（delivery.standard_3_4d）" in post(prod, f"/orders/{o.pk}/lines/{std.pk}/ship-date/", {"ship_on": future.isoformat()})
    m = post(prod, f"/orders/{o.pk}/lines/{cus.pk}/ship-date/", {"ship_on": future.isoformat(), "back": "list"})
    assert f"交期已录入：{future:%Y-%m-%d}" in m
    assert OrderLine.objects.get(pk=cus.pk).promised_ship_on == future
    assert "没有待录入交期的定制产品" in page(prod, "/orders/custom-dates/")


def test_late_lines_page_lists_lines_after_their_promised_day_with_reason(shop, ops):  # noqa: F811
    co = shop.company
    o = credit_order(shop, "100")  # 10,000.00: no contract needed
    o2 = credit_order(shop, "50")
    today = timezone.localdate()
    OrderLine.objects.filter(order=o).update(promised_ship_on=today - timedelta(days=3))
    OrderLine.objects.filter(order=o2).update(promised_ship_on=today)  # the promised day itself is on time
    for u in (co.manager, co.gm, ops.wh):
        html = page(login(u), "/orders/late-lines/")
        assert o.number in html and o2.number not in html
        assert "delivery.standard_3_4d" in html and "3 天" in html and "至 " in html
        assert 'href="/orders/late-lines/"' in html  # nav link
    assert 'href="/orders/late-lines/"' not in page(login(co.sales1), "/orders/")
    assert o.number not in page(login(co.manager2), "/orders/late-lines/")  # other team's orders
    assert "延期" in page(login(co.sales1), f"/orders/{o.pk}/")


# --- returns ---------------------------------------------------------------------------------------------------


@pytest.fixture
def delivered(shop, ops):  # noqa: F811
    make_existing(shop, shop.gz)
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="COD",
                                 lines=[services.LineIn(shop.cable.pk, "10", "100.00"),
                                        services.LineIn(shop.custom.pk, "2", "1000.00")])
    shop.signed_contract(o)
    services.submit_order(shop.company.sales1, o.pk)
    order_payments.record_payment(shop.company.finance, o.pk, "600.00")
    std, cus = o.lines.order_by("id")
    s = ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(std.pk, "8"), ship_svc.ShipLineIn(cus.pk, "2")])
    ship_svc.confirm_delivery(ops.wh, s.pk, delivered_on=timezone.localdate(), e_signature=True)
    return Order.objects.get(pk=o.pk), std, cus


def test_return_flow_on_the_order_page(shop, ops, delivered):  # noqa: F811
    o, std, cus = delivered
    co = shop.company
    url = f"/orders/{o.pk}/"
    sp, sm, qc, wh, fin = (login(u) for u in (co.sales1, co.manager, ops.qc, ops.wh, co.finance))
    html = page(sp, url)
    assert 'id="return-apply"' in html and "可退 8" in html
    assert 'id="return-apply"' not in page(wh, url)
    # refusals with the rule: more than shipped; a custom product without a quality defect
    m = post(sp, f"/orders/{o.pk}/returns/", {"line_id": std.pk, "quantity": "8.001", "reason": "客户多订"})
    assert "（return.flow）" in m
    m = post(sp, f"/orders/{o.pk}/returns/", {"line_id": cus.pk, "quantity": "1", "reason": "不想要了"})
    assert "定制" in m and "return.flow" in m
    assert not ReturnRequest.objects.exists()
    m = post(sp, f"/orders/{o.pk}/returns/", {"line_id": std.pk, "quantity": "3", "reason": "客户多订"})
    r = ReturnRequest.objects.get()
    assert r.number in m and "待业务经理确认" in m and r.amount == 300
    html = page(sp, url)
    assert f"/api/v1/returns/{r.pk}/note.pdf" in html and "下一步：业务经理确认" in html
    assert f"/returns/{r.pk}/confirm/" not in html  # the SP holds no step
    # SM: confirm (a rejection needs a reason)
    assert f"/returns/{r.pk}/confirm/" in page(sm, url)
    assert "驳回理由" in post(sm, f"/orders/{o.pk}/returns/{r.pk}/reject/", {"comment": ""})
    assert "return.flow" in post(qc, f"/orders/{o.pk}/returns/{r.pk}/inspect/", {"is_ours": "1", "condition": "完好"})
    assert "经理已确认" in post(sm, f"/orders/{o.pk}/returns/{r.pk}/confirm/", {"comment": "属实"})
    # QC inspects; the SM then approves; WH receives on a red-ink note; FIN records the credit note
    assert f"/returns/{r.pk}/inspect/" in page(qc, url)
    assert "是否为本公司产品" in post(qc, f"/orders/{o.pk}/returns/{r.pk}/inspect/", {"condition": "完好"})
    assert "质检已检验" in post(qc, f"/orders/{o.pk}/returns/{r.pk}/inspect/", {"is_ours": "1", "condition": "包装完好"})
    assert "（return.flow）" in post(wh, f"/orders/{o.pk}/returns/{r.pk}/receive/")  # not approved yet
    assert "已批准" in post(sm, f"/orders/{o.pk}/returns/{r.pk}/approve/")
    assert f"/returns/{r.pk}/receive/" in page(wh, url)
    m = post(wh, f"/orders/{o.pk}/returns/{r.pk}/receive/")
    r.refresh_from_db()
    assert r.status == "received" and r.red_note_number and r.red_note_number in m
    assert OrderLine.objects.get(pk=std.pk).returned_qty == 3
    assert "（return.flow）" in post(sp, f"/orders/{o.pk}/returns/{r.pk}/credit/", {"reference": "HZ-1"})
    assert f"/returns/{r.pk}/credit/" in page(fin, url)
    assert "财务已冲红" in post(fin, f"/orders/{o.pk}/returns/{r.pk}/credit/", {"reference": "HZ-0001"})
    html = page(sp, url)
    assert "HZ-0001" in html and r.red_note_number in html and "已退 3" in html and "下一步" not in html.split('id="returns"')[1]


def test_return_more_than_30_days_after_delivery_needs_the_gm_too(shop, ops, delivered):  # noqa: F811
    o, std, _ = delivered
    co = shop.company
    Order.objects.filter(pk=o.pk).update(delivered_on=timezone.localdate() - timedelta(days=31))
    m = post(login(co.sales1), f"/orders/{o.pk}/returns/", {"line_id": std.pk, "quantity": "1", "reason": "破损",
                                                            "quality_defect": "1"})
    assert "总经理" in m
    r = ReturnRequest.objects.get()
    from yewu.orders.returns import services as returns

    returns.confirm(co.manager, r.pk)
    returns.inspect(ops.qc, r.pk, is_ours=True, condition="外皮破损")
    assert "待总经理批准" in post(login(co.manager), f"/orders/{o.pk}/returns/{r.pk}/approve/")
    html = page(login(co.gm), f"/orders/{o.pk}/")
    assert "下一步：总经理批准" in html and f"/returns/{r.pk}/approve/" in html
    assert "已批准" in post(login(co.gm), f"/orders/{o.pk}/returns/{r.pk}/approve/", {"comment": "同意"})
