"""Phone pages for the order follow-up work: PROD enters a custom line's ship date on its list
(`delivery.custom_production`), the warehouse records the customer-signed delivery with a photo
(`ship.goods_issue_note`), the salesperson applies for a return and the sales manager confirms it
(`return.flow`), and the late-lines page explains each late line."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from yewu.finance import order_payments
from yewu.orders.models import Order, OrderLine, OrderStatus, ReturnRequest, Shipment
from yewu.orders.ordering import services
from yewu.orders.shipping import services as ship_svc
from yewu.org.models import User

from .test_orders_walkthrough import fits_phone, shot

JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def data(company):
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer
    from yewu.orders.models import Contract

    cable = Product.objects.create(code="DL-YJV-3x4", name="电力电缆 YJV", specification="3×4mm²", kind="standard", unit="米")
    GuidePrice.objects.create(product=cable, price=Decimal("100.00"), effective_from=date(2020, 1, 1))
    box = Product.objects.create(code="DZ-PXG-01", name="定制配电箱", specification="按图纸", kind="custom", unit="台")
    GuidePrice.objects.create(product=box, price=Decimal("1000.00"), effective_from=date(2020, 1, 1))
    cust = Customer.objects.create(
        name="广州恒通机电设备有限公司", name_key="广州恒通机电设备", city="广州", source="direct", collected_on=date.today(),
        entry_due_at=timezone.now(), owner=company.sales1, created_by=company.sales1,
        delivery_address="广州市天河区天河路100号", credit_grade="A", credit_limit=Decimal("200000.00"), term_days=30)
    first, _ = services.create_order(company.sales1, customer_id=cust.pk, settlement="PREPAY",
                                     lines=[services.LineIn(cable.pk, "10", "100.00")])
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.CLOSED, paid_amount=first.total)
    mk = {u: User.objects.create_user(username=u, password="demo1234", roles=[r], display_name=n)
          for u, r, n in (("wh", "WH", "钱库管"), ("prod", "PROD", "孙生产"), ("qc", "QC", "周质检"))}
    o, _ = services.create_order(company.sales1, customer_id=cust.pk, settlement="COD",
                                 lines=[services.LineIn(cable.pk, "10", "100.00"), services.LineIn(box.pk, "2", "1000.00")])
    Contract.objects.create(order=o, customer=cust, amount=o.total, status="signed", number="YWXS-20260101-01",
                            signed_on=date.today(), created_by=company.sales1)
    services.submit_order(company.sales1, o.pk)
    return Order.objects.get(pk=o.pk), mk


def test_prod_date_signed_delivery_return_and_late_lines_on_a_phone(site, company):
    o, mk = data(company)
    std, cus = o.lines.order_by("id")
    order_payments.record_payment(company.finance, o.pk, "600.00")

    # 1. PROD: its nav link, the custom line waiting for a date, entered on the phone
    prod = site.login("prod")
    prod.click("nav summary:has-text('销售')")  # the nav groups links by what the role does
    prod.click("nav a[href='/orders/custom-dates/']")
    row = prod.locator(f"#cl-{cus.pk}")
    expect(row).to_contain_text(o.number)
    expect(row).to_contain_text("定制配电箱")
    expect(prod.locator("body")).to_contain_text("delivery.custom_production")
    assert fits_phone(prod)
    shot(prod, "10_prod_custom_dates_phone")
    ship_on = timezone.localdate() + timedelta(days=10)
    row.locator("input[name=ship_on]").fill(ship_on.isoformat())
    row.locator("button").click()
    expect(prod.locator(".msg.success")).to_contain_text(f"交期已录入：{ship_on:%Y-%m-%d}")
    expect(prod.locator("#dates-count")).to_have_text("0")
    assert OrderLine.objects.get(pk=cus.pk).promised_ship_on == ship_on

    # 2. the warehouse ships everything and records the customer's signed copy with a photo
    s = ship_svc.create_shipment(mk["wh"], o.pk, [ship_svc.ShipLineIn(std.pk, "10"), ship_svc.ShipLineIn(cus.pk, "2")])
    wh = site.login("wh")
    wh.goto(site.url(f"/orders/{o.pk}/"))
    srow = wh.locator(f"#ship-{s.pk}")
    expect(srow.locator("a.doc")).to_have_attribute("href", f"/api/v1/shipments/{s.pk}/note.pdf")
    srow.locator("summary").click()
    srow.locator("input[name=signed_by_name]").fill("王收货")
    srow.locator("button.primary").click()  # no photo, no e-signature: refused with the rule
    expect(wh.locator(".msg.error")).to_contain_text("ship.goods_issue_note")
    srow = wh.locator(f"#ship-{s.pk}")
    srow.locator("summary").click()
    srow.locator("input[name=signed_copy]").set_input_files(files=[{"name": "签收联.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    assert fits_phone(wh)
    shot(wh, "11_signed_delivery_form_phone")
    srow.locator("button.primary").click()
    expect(wh.locator(".msg.success")).to_contain_text("已登记客户签收")
    expect(wh.locator("#status")).to_have_text("已送达")
    expect(wh.locator(f"#ship-{s.pk} .signed")).to_contain_text("签收联")
    assert Shipment.objects.get(pk=s.pk).signed_copy_id

    # 3. the salesperson applies for a return of 3 metres; the SM sees and confirms it
    sp = site.login("sales1")
    sp.goto(site.url(f"/orders/{o.pk}/"))
    sp.click("#return-apply summary")
    form = sp.locator("#return-apply form")
    form.locator("select[name=line_id]").select_option(str(cus.pk))
    form.locator("input[name=quantity]").fill("1")
    form.locator("input[name=reason]").fill("客户改型号")
    form.locator("button.primary").click()  # custom product, not a quality defect
    expect(sp.locator(".msg.error")).to_contain_text("return.flow")
    sp.click("#return-apply summary")
    form = sp.locator("#return-apply form")
    form.locator("select[name=line_id]").select_option(str(std.pk))
    form.locator("input[name=quantity]").fill("3")
    form.locator("input[name=reason]").fill("客户多订 3 米")
    form.locator("button.primary").click()
    r = ReturnRequest.objects.get()
    expect(sp.locator(".msg.success")).to_contain_text(r.number)
    expect(sp.locator(f"#ret-{r.pk}")).to_contain_text("下一步：业务经理确认")
    assert fits_phone(sp)
    shot(sp, "12_return_applied_phone")
    sm = site.login("manager")
    sm.goto(site.url(f"/orders/{o.pk}/"))
    ret = sm.locator(f"#ret-{r.pk}")
    ret.locator("input[name=comment]").fill("属实")
    ret.locator("button.primary").click()
    expect(sm.locator(".msg.success")).to_contain_text("经理已确认")
    expect(sm.locator(f"#ret-{r.pk}")).to_contain_text("下一步：质检检验")
    qc = site.login("qc")
    qc.goto(site.url(f"/orders/{o.pk}/"))
    ret = qc.locator(f"#ret-{r.pk}")
    ret.locator("input[name=is_ours][value='1']").check()
    ret.locator("input[name=condition]").fill("包装完好，可再销售")
    assert fits_phone(qc)
    shot(qc, "13_return_qc_phone")
    ret.locator("button.primary").click()
    expect(qc.locator(".msg.success")).to_contain_text("质检已检验")

    # 4. the late lines: an order promised 3 days ago, still open
    late, _ = services.create_order(company.sales1, customer_id=o.customer_id, settlement="CREDIT",
                                    lines=[services.LineIn(std.product_id, "50", "100.00")])
    services.submit_order(company.sales1, late.pk)
    OrderLine.objects.filter(order=late).update(promised_ship_on=timezone.localdate() - timedelta(days=3))
    sm.click("nav summary:has-text('销售')")
    sm.click("nav a[href='/orders/late-lines/']")
    expect(sm.locator("#late-lines tbody tr")).to_have_count(1)
    expect(sm.locator("#late-lines")).to_contain_text(late.number)
    expect(sm.locator("#late-lines")).to_contain_text("delivery.standard_3_4d")
    expect(sm.locator("#late-lines")).to_contain_text("3 天")
    assert fits_phone(sm)
    shot(sm, "14_late_lines_phone")
