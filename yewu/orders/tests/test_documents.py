"""Order forms (SPEC §9.1): 销售订单, 出仓单 ×3, 货品欠发单, 超信销货申请表; customer-signed delivery."""

import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.finance import order_payments
from yewu.orders.models import Order, OrderStatus
from yewu.orders.ordering import services
from yewu.orders.shipping import services as ship_svc

from .test_delivery import mixed_order, ops  # noqa: F401  (fixture)
from .test_orders_api import make_existing


def pdf_text(data: bytes) -> str:
    """Text of a PDF via poppler's pdftotext; pages are separated by form feeds."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    assert data[:4] == b"%PDF"
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode().replace(" ", "")


def save(name, data):
    """Keep the PDF for a look (YEWU_FORMS_OUT=/some/dir; then pdftoppm -png)."""
    out = os.environ.get("YEWU_FORMS_OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


@pytest.fixture
def shipped(shop, ops):  # noqa: F811
    o = mixed_order(shop)
    order_payments.record_payment(shop.company.finance, o.pk, "3000.00")
    std, cus = o.lines.order_by("id")
    ship = ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(std.pk, "4")])
    return o, ship, std, cus


def test_goods_issue_note_three_copies_with_signatures_and_capital_amount(shop, ops, shipped, api_client):  # noqa: F811
    o, ship, std, cus = shipped
    r = api_client(ops.wh).get(f"/api/v1/shipments/{ship.pk}/note.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    save("goods_issue_note.pdf", r.content)
    text = pdf_text(r.content)
    pages = text.rstrip("\f").split("\f")
    assert len(pages) == 3
    for page, copy in zip(pages, ("客户联", "仓库联", "财务联"), strict=True):
        assert copy in page and "出仓单" in page
    assert text.count("仓库管理员") == 3 and text.count("仓库主管") == 3 and text.count("客户签收") >= 3
    # acl.ops_scope: the warehouse's copy has no prices (issue 10 item 8); the seller's has them
    assert "100.00" not in text and "400.00" not in text and "肆佰元整" not in text and "单价" not in text
    text = pdf_text(api_client(shop.company.sales1).get(f"/api/v1/shipments/{ship.pk}/note.pdf").content)
    assert "400.00" in text and "肆佰元整" in text  # 4 × 100.00
    assert api_client(shop.company.sales3).get(f"/api/v1/shipments/{ship.pk}/note.pdf").status_code == 404


def test_backorder_note_lists_what_is_left(shop, ops, shipped, api_client):  # noqa: F811
    o, ship, std, cus = shipped
    r = api_client(shop.company.sales1).get(f"/api/v1/orders/{o.pk}/backorder.pdf")
    assert r.status_code == 200
    save("backorder.pdf", r.content)
    text = pdf_text(r.content)
    # standard: 6 left × 100.00; custom: 10 left × 1,000.00 → 10,600.00
    assert "货品欠发单" in text and "10,600.00" in text and "壹万零陆佰元整" in text and ship.number in text
    ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(std.pk, "6"), ship_svc.ShipLineIn(cus.pk, "10")])
    r = api_client(shop.company.sales1).get(f"/api/v1/orders/{o.pk}/backorder.pdf")
    assert r.status_code == 422 and r.json()["rule"] == "ship.release_check"


def test_sales_order_pdf(shop, shipped, api_client):
    o, *_ = shipped
    r = api_client(shop.company.sales1).get(f"/api/v1/orders/{o.pk}/pdf")
    assert r.status_code == 200
    save("sales_order.pdf", r.content)
    text = pdf_text(r.content)
    assert "销售订单" in text and o.number in text and "11,000.00" in text and "壹万壹仟元整" in text
    assert "3,000.00" in text  # deposit


def test_over_credit_application_states_the_excess(shop, api_client):
    make_existing(shop, shop.gz)
    c = shop.customer("额度客户", grade="B", limit="10000.00")
    make_existing(shop, c)
    o, _ = services.create_order(shop.company.sales1, customer_id=c.pk, settlement="CREDIT",
                                 lines=[services.LineIn(shop.cable.pk, "150", "100.00")])  # 15,000 vs 10,000 limit
    o = services.submit_order(shop.company.sales1, o.pk)
    sp = api_client(shop.company.sales1)
    r = sp.get(f"/api/v1/orders/{o.pk}/over-credit.pdf")
    assert r.status_code == 200
    save("over_credit.pdf", r.content)
    text = pdf_text(r.content)
    assert "超信销货申请表" in text and "5,000.00" in text and "伍仟元整" in text and "15,000.00" in text
    ok, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="CREDIT",
                                  lines=[services.LineIn(shop.cable.pk, "1", "100.00")])
    r = sp.get(f"/api/v1/orders/{ok.pk}/over-credit.pdf")
    assert r.status_code == 422 and r.json()["rule"] == "credit.over_limit"


def test_customer_signed_copy_sets_delivery_date_and_delivered(shop, ops, api_client):  # noqa: F811
    make_existing(shop, shop.gz)
    o, _ = services.create_order(shop.company.sales1, customer_id=shop.gz.pk, settlement="COD",
                                 lines=[services.LineIn(shop.cable.pk, "10", "100.00")])
    services.submit_order(shop.company.sales1, o.pk)
    s1 = ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(o.lines.get().pk, "4")])
    s2 = ship_svc.create_shipment(ops.wh, o.pk, [ship_svc.ShipLineIn(o.lines.get().pk, "6")])
    wh = api_client(ops.wh)
    today = timezone.localdate()
    url = f"/api/v1/shipments/{s1.pk}/delivered"
    # neither a signed copy nor an e-signature: refused
    r = wh.post(url, {"delivered_on": today.isoformat()})
    assert r.status_code == 422 and r.json()["rule"] == "ship.goods_issue_note"
    # a date in the future or before shipping is refused
    r = wh.post(url, {"delivered_on": (today + timedelta(days=1)).isoformat(), "e_signature": "true"})
    assert r.status_code == 400
    r = wh.post(url, {"delivered_on": (today - timedelta(days=1)).isoformat(), "e_signature": "true"})
    assert r.status_code == 400
    r = wh.post(url, {"delivered_on": today.isoformat(), "e_signature": "true", "signed_by_name": "刘收货"})
    assert r.status_code == 200 and r.json()["delivered_on"] == today.isoformat() and r.json()["order_status"] == "shipped"
    assert wh.post(url, {"delivered_on": today.isoformat(), "e_signature": "true"}).status_code == 409
    # only a photo/scan is accepted as the signed copy
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    r = wh.post(f"/api/v1/shipments/{s2.pk}/delivered", {"delivered_on": today.isoformat(), "signed_copy": bad})
    assert r.status_code == 400 and "signed_copy" in r.json()["fields"]
    assert Order.objects.get(pk=o.pk).status == OrderStatus.SHIPPED
    # a photo of the signed copy; the last one delivers the order
    photo = SimpleUploadedFile("签收.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")
    r = wh.post(f"/api/v1/shipments/{s2.pk}/delivered", {"delivered_on": today.isoformat(), "signed_copy": photo})
    assert r.status_code == 200 and r.json()["has_signed_copy"] and r.json()["order_status"] == "delivered"
    o.refresh_from_db()
    assert o.status == OrderStatus.DELIVERED and o.delivered_on == today
    assert AuditEntry.objects.filter(action="deliver", rule="ship.goods_issue_note", object_id=str(o.pk)).count() == 2
    r = wh.get(f"/api/v1/shipments/{s2.pk}/signed-copy")
    assert r.status_code == 200 and r.content == b"\xff\xd8\xff\xe0fakejpeg"


def test_pdf_works_with_the_browser_session(shop, shipped):
    o, ship, *_ = shipped
    c = Client()
    assert c.get(f"/api/v1/orders/{o.pk}/pdf").status_code == 401
    c.force_login(shop.company.sales1)
    assert c.get(f"/api/v1/orders/{o.pk}/pdf").status_code == 200
