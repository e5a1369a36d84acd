"""SPEC §8.5 settings versioning against real documents: the preview lists the open documents whose decision
would differ (and only those), versions are effective-dated, and a running approval keeps the settings it
started with (`process.version_pinned`)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from yewu.approvals import services as approvals
from yewu.audit.models import AuditEntry
from yewu.common.errors import PermissionDenied, ValidationError
from yewu.desk.preview.selectors import preview
from yewu.expenses.models import CashAdvance
from yewu.finance.models import InvoiceRequest
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering import services
from yewu.org.models import PolicyVersion, User
from yewu.org.selectors import get_policy
from yewu.org.services import create_version

from .test_orders_api import make_existing

MGR_KEY = "approve.credit_over_20k_manager.amount"


def credit_order(shop, qty, submit=True):
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, str(qty), "100.00")])
    return services.submit_order(shop.company.sales1, o.pk) if submit else o


def section(p, family):
    return next(s for s in p.sections if s.family == family)


@pytest.fixture
def two_orders(shop):
    make_existing(shop, shop.gz)
    o25, o35 = credit_order(shop, 250), credit_order(shop, 350)  # 25,000.00 and 35,000.00
    assert o25.status == o35.status == OrderStatus.PENDING_APPROVAL
    return o25, o35


def test_preview_raising_sm_threshold_lists_25k_order_not_35k(shop, two_orders):
    o25, o35 = two_orders
    draft = credit_order(shop, 260, submit=False)  # 26,000.00, not yet submitted
    p = preview({MGR_KEY: "30000"})
    assert not p.errors and p.changes[0]["old"] == "20,000.00" and p.changes[0]["new"] == "30,000.00"
    s = section(p, "credit_approval")
    docs = {r.doc.split("（")[0]: r for r in s.rows}
    assert set(docs) == {f"订单 {o25.number}", f"订单 {draft.number}"} and s.checked == 3
    row = docs[f"订单 {o25.number}"]
    assert (row.old, row.new) == ("业务经理", "无需审批")
    assert "按提交时的制度版本 v0" in row.effect and "不重算" in row.effect
    assert "提交时按新值" in docs[f"订单 {draft.number}"].effect
    assert "已作出的判定不重算" in p.pinned_note
    assert not PolicyVersion.objects.exists()  # a preview saves nothing


def test_pending_order_keeps_its_routing_when_a_new_version_takes_effect(shop, two_orders):
    o25, _ = two_orders
    req = o25.approval
    assert req.policy_version == 0 and [s["role"] for s in req.chain_snapshot] == ["SM"]
    assert o25.decision["approvals"]["policy_version"] == 0
    v = create_version(shop.company.gm, changes={MGR_KEY: "30000"}, reason="提高经理审批起点")
    assert get_policy().version == v.pk and get_policy()[MGR_KEY] == Decimal("30000.00")
    o25.refresh_from_db()
    req.refresh_from_db()
    assert o25.status == OrderStatus.PENDING_APPROVAL and req.state == "pending" and req.policy_version == 0
    assert list(req.steps.values_list("role", "state")) == [("SM", "pending")]
    approvals.decide(shop.company.manager, req.pk, True)  # still decided by the SM, under v0
    o25.refresh_from_db()
    assert o25.status == OrderStatus.READY
    # a new 25,000 order is decided under the new version: no approval, and it says so
    fresh = credit_order(shop, 250)
    assert fresh.status == OrderStatus.READY and fresh.approval is None
    assert fresh.decision["approvals"]["policy_version"] == v.pk and fresh.policy_version == v.pk


def test_future_version_does_not_apply_yet(shop, two_orders):
    start = timezone.now() + timedelta(days=1)
    v = create_version(shop.company.gm, changes={MGR_KEY: "30000"}, reason="下月起提高起点", effective_at=start)
    assert get_policy().version == 0 and get_policy()[MGR_KEY] == Decimal("20000.00")
    assert get_policy(at=start + timedelta(seconds=1)).version == v.pk
    o = credit_order(shop, 250)
    assert o.status == OrderStatus.PENDING_APPROVAL and o.approval.policy_version == 0
    # a later change is previewed against what will be in force then
    p = preview({MGR_KEY: "40000"}, start + timedelta(hours=1))
    assert p.base_version == v.pk and p.changes[0]["old"] == "30,000.00"
    # both versions compose: the later one keeps the earlier one's other keys
    create_version(shop.company.gm, changes={"quote.validity_days": "45"}, reason="报价有效期延长",
                   effective_at=start + timedelta(hours=2))
    later = get_policy(at=start + timedelta(hours=3))
    assert later[MGR_KEY] == Decimal("30000.00") and later["quote.validity_days"] == 45


def test_version_is_audited_with_old_and_new(shop):
    v = create_version(shop.company.gm, changes={MGR_KEY: "30000", "invoice.flow.sm_review": "false"}, reason="精简审批")
    assert v.old_values == {MGR_KEY: "20000.00", "invoice.flow.sm_review": True}
    assert v.values == {MGR_KEY: "30000.00", "invoice.flow.sm_review": False}
    e = AuditEntry.objects.get(object_type="org.policyversion", object_id=str(v.pk))
    assert e.action == "create" and e.before[MGR_KEY] == "20000.00" and e.after[MGR_KEY] == "30000.00"
    assert e.reason == "精简审批" and e.actor_id == shop.company.gm.pk and e.policy_version == v.pk


def test_only_gm_or_sys_create_versions_and_errors_name_the_key(shop):
    with pytest.raises(PermissionDenied):
        create_version(shop.company.manager, changes={MGR_KEY: "30000"}, reason="经理自己改")
    with pytest.raises(PermissionDenied):  # issue 10: the administration department keeps no settings
        create_version(User.objects.create_user("xz", password="demo1234", roles=["ADM"]),
                       changes={MGR_KEY: "30000"}, reason="行政部调整")
    adm = User.objects.create_user("adm", password="demo1234", roles=["SYS"])
    with pytest.raises(ValidationError) as e:
        create_version(adm, changes={MGR_KEY: "-5", "price.special_floor.pct": "85"}, reason="行政部调整")
    assert set(e.value.fields) == {MGR_KEY} and "不能为负数" in e.value.fields[MGR_KEY]
    with pytest.raises(ValidationError) as e:
        create_version(adm, changes={"price.special_floor.pct": "85"}, reason="")
    assert "reason" in e.value.fields
    with pytest.raises(ValidationError) as e:
        create_version(adm, changes={"price.special_floor.pct": "85"}, reason="行政部调整",
                       effective_at=timezone.now() - timedelta(days=1))
    assert "effective_at" in e.value.fields
    assert not PolicyVersion.objects.exists()
    assert create_version(adm, changes={"price.special_floor.pct": "85"}, reason="行政部调整").pk


def test_preview_quote_lines_under_a_higher_floor(shop):
    from yewu.sales import services as quotes

    q = quotes.create_quote(shop.company.sales1, {"customer_id": shop.gz.pk, "lines": [
        {"product_id": shop.cable.pk, "quantity": "10", "unit_price": "92.00"},  # 92% of G: special, SM
        {"product_id": shop.cable.pk, "quantity": "10", "unit_price": "100.00"}]})  # at G: allowed
    ok = quotes.create_quote(shop.company.sales1, {"customer_id": shop.gz.pk, "lines": [
        {"product_id": shop.cable.pk, "quantity": "1", "unit_price": "97.00"}]})  # stays special under 95%
    assert [ln.outcome for ln in q.lines.all()] == ["needs_approval", "allowed"]
    s = section(preview({"price.special_floor.pct": "95"}), "line_price")
    assert [r.doc.split("（")[0] for r in s.rows] == [f"报价单 {q.number}"] and s.checked == 2
    r = s.rows[0]
    assert r.old == "第1行需审批；审批：业务经理" and r.new.startswith("第1行拒绝；审批：拒绝") and "提交时按新值" in r.effect
    assert ok.number not in "".join(x.doc for x in s.rows)


def test_preview_waiting_invoice_requests_and_pending_advances(shop):
    co = shop.company
    InvoiceRequest.objects.create(number="KP-T-1", customer=shop.gz, kind="vat_special", amount=Decimal("4000.00"),
                                  state="waiting", requested_by=co.sales1)
    s = section(preview({"invoice.vat_min_5000.min_amount": "3000"}), "invoice_min")
    assert len(s.rows) == 1 and "KP-T-1" in s.rows[0].doc
    assert "继续累计" in s.rows[0].old and "可开具" in s.rows[0].new
    assert section(preview({"invoice.vat_min_5000.min_amount": "4000.01"}), "invoice_min").rows == []

    due = timezone.localdate() + timedelta(days=7)
    big = CashAdvance.objects.create(number="JZ-T-1", borrower=co.sales1, purpose_kind="cash_purchase", purpose="买配件",
                                     amount=Decimal("2500.00"), due_date=due)
    CashAdvance.objects.create(number="JZ-T-2", borrower=co.sales1, purpose_kind="cash_purchase", purpose="买配件",
                               amount=Decimal("1500.00"), due_date=due)
    CashAdvance.objects.create(number="JZ-T-3", borrower=co.sales1, purpose_kind="travel", purpose="出差",
                               amount=Decimal("9000.00"), due_date=due)
    s = section(preview({"cash.advance_max_3000.max_amount": "2000"}), "cash_advance")
    assert [r.doc.split("（")[0] for r in s.rows] == [f"现金借支单 {big.number}"] and s.checked == 3
    assert (s.rows[0].old, s.rows[0].new) == ("通过", "拒绝") and "不重算" in s.rows[0].effect


def test_preview_ready_order_keeps_its_promise(shop):
    make_existing(shop, shop.gz)
    o = credit_order(shop, 10)  # 1,000.00 CREDIT, no approval → ready, promise = ready + 4 WD
    assert o.status == OrderStatus.READY and o.promised_ship_on
    promised = o.promised_ship_on
    s = section(preview({"delivery.standard_3_4d.promise_wd": "6"}), "delivery_promise")
    row = next(r for r in s.rows if o.number in r.doc)
    assert str(o.promised_ship_on) in row.old and "保持原承诺日期" in row.effect
    create_version(shop.company.gm, changes={"delivery.standard_3_4d.promise_wd": "6"}, reason="交期放宽")
    assert Order.objects.get(pk=o.pk).promised_ship_on == promised  # not recomputed


def test_loose_keys_list_open_documents_as_may_be_affected(shop, two_orders):
    p = preview({"approval.overdue.escalate_after_wd": "2"})
    s = section(p, "loose:approvals")
    assert not s.precise and len(s.rows) == 2 and all(r.effect == "可能受影响" for r in s.rows)
    assert all("v0" in r.status for r in s.rows)


def test_order_detail_shows_the_version_each_decision_used(shop, two_orders):
    from django.test import Client

    o25, _ = two_orders
    v = create_version(shop.company.gm, changes={MGR_KEY: "24000"}, reason="降低经理审批起点")
    fresh = credit_order(shop, 250)  # decided under v: SM (25,000 > 24,000)
    c = Client()
    c.force_login(shop.company.manager)
    old_body = c.get(f"/orders/{o25.pk}/").content.decode()
    assert "审批路线所用 制度版本 v0（默认值）" in old_body and "· 制度版本 v0</div>" in old_body
    new_body = c.get(f"/orders/{fresh.pk}/").content.decode()
    assert f"下单判定所用 制度版本 v{v.pk}" in new_body and f"审批路线所用 制度版本 v{v.pk}" in new_body
