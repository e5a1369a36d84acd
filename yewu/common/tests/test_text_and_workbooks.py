"""Issue 10 items 3 and 4: control characters are stripped at the boundary, every workbook survives whatever is
stored, and no workbook carries a live formula from user text."""

import io
from datetime import date

from django.utils import timezone
from openpyxl import load_workbook

from yewu.catalog import services as cat
from yewu.catalog.models import Product
from yewu.customers.models import Customer
from yewu.sales import services as sales

EVIL = "=HYPERLINK(\"http://evil.example/\",\"点我\")"


def cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_no_formula(content: bytes):
    for c in cells(content):
        assert c.data_type != "f", (c.coordinate, c.value)
        if isinstance(c.value, str):
            assert c.value[:1] not in ("=", "+", "@"), c.value


def mk_customer(company, name):
    return Customer.objects.create(name=name, name_key=f"k-{name}", city="广州", source="direct", collected_on=date.today(),
                                   entry_due_at=timezone.now(), owner=company.sales1, created_by=company.sales1)


def test_strip_controls():
    from yewu.common.text import strip_controls

    assert strip_controls("a\x00b\x1fc\x7f\x85d\ud800e\ufffe") == "abcde"
    assert strip_controls("行一\r\n行二\t列") == "行一\n行二\t列"
    assert strip_controls("行一\n行二\t列", multiline=False) == "行一 行二 列"


def test_a_nul_in_a_name_is_stripped_at_the_api_and_the_export_works(company, api_client):
    c = api_client(company.sales1)
    r = c.post("/api/v1/customers", {"name": "广州\u0000甲\u0007公司", "city": "广州", "source": "direct",
                                     "contacts": [{"name": "王\u0001五", "mobile": "13800138000", "title": "经理\n助理"}]},
               content_type="application/json")
    assert r.status_code == 201, r.content
    cust = Customer.objects.get()
    assert cust.name == "广州甲公司" and cust.contacts.get().name == "王五" and cust.contacts.get().title == "经理 助理"
    assert c.get("/api/v1/exports/customers.xlsx").status_code == 200


def test_a_control_character_in_a_ui_form_is_stripped(company, client):
    from yewu.customers.tests.test_views import new_post

    client.force_login(company.sales1)
    r = client.post("/customers/new/", new_post(**{"name": "佛山\x01乙\x1b公司", "c0-name": "李\x02四"}))
    assert r.status_code == 302, r.content.decode()[:500]
    c = Customer.objects.get()
    assert c.name == "佛山乙公司" and c.contacts.get().name == "李四"
    assert client.get("/customers/?q=佛山\x01乙").status_code == 200


def test_exports_survive_control_characters_already_stored(company, api_client):
    # rows stored before the gates existed (or by a path around them)
    mk_customer(company, "旧\x01数据\x1b公司")  # (PostgreSQL cannot hold \x00 at all)
    p = cat.create_product(company.finance, {"code": "P1", "name": "接触器", "unit": "个", "guide_price": "10.00"})
    Product.objects.filter(pk=p.pk).update(name="接\x02触\x08器", specification="=1+1")
    assert api_client(company.sales1).get("/api/v1/exports/customers.xlsx").status_code == 200
    r = api_client(company.sales1).get("/api/v1/products/export")
    assert r.status_code == 200
    values = [c.value for c in cells(r.content)]
    assert "接触器" in values and "'=1+1" in values
    assert_no_formula(r.content)


def test_the_quote_workbook_neutralises_formulas(company, api_client):
    p = cat.create_product(company.finance, {"code": "P1", "name": "接触器", "unit": "个", "guide_price": "1000.00"})
    c = mk_customer(company, EVIL)
    q = sales.create_quote(company.sales1, {"customer_id": c.pk, "lines": [
        {"product_id": p.pk, "quantity": "1", "unit_price": "1000.00"}]})
    Product.objects.filter(pk=p.pk).update(name="@SUM(1+1)")
    q.lines.update(product_name="+cmd|' /C calc'!A0", specification="-2+3")
    r = api_client(company.sales1).get(f"/api/v1/quotes/{q.pk}/xlsx")
    assert r.status_code == 200
    values = [c.value for c in cells(r.content)]
    assert "'" + EVIL in values and "'+cmd|' /C calc'!A0" in values and "'-2+3" in values
    assert_no_formula(r.content)


def test_contract_ledger_neutralises_formulas_and_drops_control_characters():
    from types import SimpleNamespace as NS

    from yewu.orders.documents.pdf import contract_ledger_xlsx

    person = NS(name="张三")
    c = NS(number="YWXS-1", signed_on=date(2026, 1, 5), customer=NS(name=EVIL + "\x00"),
           order=NS(number="=1+2", salesperson=person), amount=1, approval_id=None, is_major=False,
           get_status_display=lambda: "已归档", filing_due_at=None, filed_at=None, filing_flagged_at=None)
    content = contract_ledger_xlsx([c], prices=True)
    values = [v.value for v in cells(content)]
    assert "'" + EVIL in values and "'=1+2" in values
    assert_no_formula(content)


def test_one_cell_helper_for_all_writers():
    from yewu.common import xlsx

    assert xlsx.cell_value("=1+1") == "'=1+1"
    assert xlsx.cell_value("-5") == "-5" and xlsx.cell_value("+86 138") == "'+86 138"
    assert xlsx.cell_value("@me") == "'@me" and xlsx.cell_value("a\x00b") == "ab"
    assert xlsx.cell_value(None) is None and xlsx.cell_value(5) == 5
