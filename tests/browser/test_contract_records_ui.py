"""On a phone: CS records a phone approval for the travelling GM from the inbox (`contract.phone_approval`) and
the order's chain shows it; the contracts page lists an overdue take-out (`contract.filing_1wd`); CS confirms
last month's register (`contract.monthly_register`); a dispute in litigation shows on the order (`contract.dispute`)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from yewu.approvals import services as approvals
from yewu.approvals.models import ApprovalRequest
from yewu.orders import attachments
from yewu.orders.contracts import records as cr
from yewu.orders.contracts import services as contracts
from yewu.orders.models import Contract, ContractCustodyLoan, Order, OrderStatus
from yewu.orders.ordering import services

from .test_orders_walkthrough import fits_phone, shot

CHECK = {"economics": "利润合理", "feasibility": "可按期交货", "legality": "条款合法", "price": "不低于底价"}


def data(company):
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer

    cable = Product.objects.create(code="DL-YJV-3x4", name="电力电缆 YJV", specification="3×4mm²", kind="standard", unit="米")
    GuidePrice.objects.create(product=cable, price=Decimal("100.00"), effective_from=date(2020, 1, 1))
    cust = Customer.objects.create(
        name="广州恒通机电设备有限公司", name_key="广州恒通机电设备", city="广州", source="direct", collected_on=date.today(),
        entry_due_at=timezone.now(), owner=company.sales1, created_by=company.sales1,
        delivery_address="广州市天河区天河路100号", credit_grade="A", credit_limit=Decimal("500000.00"), term_days=30)
    first, _ = services.create_order(company.sales1, customer_id=cust.pk, settlement="PREPAY",
                                     lines=[services.LineIn(cable.pk, "10", "100.00")])
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.CLOSED, paid_amount=first.total)
    # 1. a 60,000.00 CREDIT order: the SM approved, the GM (travelling) is pending
    big, _ = services.create_order(company.sales1, customer_id=cust.pk, settlement="CREDIT",
                                   lines=[services.LineIn(cable.pk, "600", "100.00")])
    big = services.submit_order(company.sales1, big.pk)
    ApprovalRequest.objects.filter(pk=big.approval_id).update(created_at=timezone.now() - timedelta(hours=2))
    approvals.decide(company.manager, big.approval_id, True, "同意")
    # 2. a filed contract signed last month, taken out and overdue; another in arbitration
    signed = []
    for qty in ("200", "300"):
        o, _ = services.create_order(company.sales1, customer_id=cust.pk, settlement="CREDIT",
                                     lines=[services.LineIn(cable.pk, qty, "100.00")])
        o = services.submit_order(company.sales1, o.pk)
        if o.approval_id:
            approvals.decide(company.manager, o.approval_id, True, "同意")
        c = contracts.create_contract(company.sales1, o.pk)
        contracts.submit_review(company.sales1, c.pk)
        contracts.review(company.cs, c.pk, True, checklist=CHECK, credit_opinion="同意")
        contracts.review(company.finance, c.pk, True, checklist=CHECK, credit_opinion="同意")
        c = contracts.sign(company.sales1, c.pk)
        contracts.file_signed(company.cs, c.pk, attachments.FileIn("合同.pdf", "application/pdf", b"%PDF-1.4 scan"))
        last = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=8 + len(signed))
        Contract.objects.filter(pk=c.pk).update(signed_on=last, number=f"YWXS-{last:%Y%m%d}-01")
        signed.append(Contract.objects.get(pk=c.pk))
    loan = cr.request_takeout(company.sales1, signed[0].pk, purpose="银行核验原件")
    approvals.decide(company.gm, loan.approval_id, True)
    loan = cr.hand_out(company.cs, loan.pk)
    ContractCustodyLoan.objects.filter(pk=loan.pk).update(out_at=timezone.now() - timedelta(days=10),
                                                          due_back_on=timezone.localdate() - timedelta(days=3))
    cr.record_dispute(company.manager, signed[1].pk, kind="arbitration", description="交货质量争议，客户申请仲裁",
                      amount_at_stake="30000.00", occurred_on=timezone.localdate())
    return big, signed


def test_phone_approval_custody_register_dispute_on_a_phone(site, company):
    big, signed = data(company)

    # CS: the inbox's phone-approval form for the GM step
    cs = site.login("cs")
    cs.goto(site.url("/approvals/"))
    card = cs.locator(f"#phone-{big.approval_id}")
    expect(card).to_contain_text("待总经理审批")
    card.locator("summary").click()
    card.locator("select[name=approver_id]").select_option(str(company.gm.pk))
    card.locator("select[name=confirmer_id]").select_option(str(company.csmanager.pk))
    card.locator("input[name=note]").fill("王总在上海出差，电话同意今天放货")
    card.locator("input[name=travelling]").check()
    card.locator("input[name=urgent]").check()
    assert fits_phone(cs)
    shot(cs, "hcontracts_1_phone_form")
    card.locator("button.primary").click()
    expect(cs.locator(".msg").first).to_contain_text("已登记电话确认审批")

    # the order's chain shows who confirmed what, when
    cs.goto(site.url(f"/orders/{big.pk}/"))
    expect(cs.locator("#approvals")).to_contain_text("电话确认审批: 王总 经 孙客服经理 确认")
    assert fits_phone(cs)
    shot(cs, "hcontracts_2_order_chain")

    # contracts page: the overdue take-out and the arbitration
    cs.click("nav summary:has-text('销售')")  # the nav groups links by what the role does
    cs.click("nav a[href='/orders/contracts/']")
    expect(cs.locator("#overdue-loans")).to_contain_text(signed[0].number)
    expect(cs.locator("#overdue-loans")).to_contain_text("3 天")
    expect(cs.locator("body")).to_contain_text("仲裁")
    assert fits_phone(cs)
    shot(cs, "hcontracts_3_contracts")

    # last month's register: confirm
    cs.click("#register-link")
    expect(cs.locator("#register")).to_contain_text(signed[1].number)
    assert fits_phone(cs)
    shot(cs, "hcontracts_4_register")
    cs.click("#register-confirm button")
    expect(cs.locator("#register-status")).to_contain_text("已确认")
    expect(cs.locator("#register-status")).to_contain_text("郑客服")

    # the order in arbitration shows the banner
    cs.goto(site.url(f"/orders/{signed[1].order_id}/"))
    expect(cs.locator("#litigation-banner")).to_contain_text("contract.dispute")
    assert fits_phone(cs)
    shot(cs, "hcontracts_5_litigation")
