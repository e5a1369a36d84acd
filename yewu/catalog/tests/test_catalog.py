import io
import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from yewu.audit.models import AuditEntry
from yewu.catalog import services
from yewu.catalog.models import GuidePrice, PriceRequest, Product
from yewu.common.errors import Conflict, PermissionDenied, ValidationError


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


@pytest.fixture
def product(company):
    return services.create_product(company.finance, {"code": "a-100", "name": "接触器", "specification": "CJX2-1810",
                                                     "unit": "个", "kind": "standard", "guide_price": "1000.00"})


def test_create_product_with_guide_price_and_audit(product, company):
    assert product.code == "A-100" and product.price_source == "list"
    assert services.current_guide_price(product).price == D("1000.00")
    assert AuditEntry.objects.filter(object_type="catalog.product", action="create").exists()
    assert AuditEntry.objects.filter(object_type="catalog.guideprice", rule="price.guide").exists()


def test_guide_price_history_effective_dated(product, company):
    today = timezone.localdate()
    services.set_guide_price(company.finance, product, "1100.00", today + timedelta(days=10))
    assert product.guide_price_on(today).price == D("1000.00")
    assert product.guide_price_on(today + timedelta(days=10)).price == D("1100.00")
    assert product.guide_price_on(today - timedelta(days=1)) is None
    assert GuidePrice.objects.filter(product=product).count() == 2


def test_sp_cannot_set_guide_price_or_create_listed(company, product):
    with pytest.raises(PermissionDenied):
        services.set_guide_price(company.sales1, product, "900.00")
    with pytest.raises(PermissionDenied):
        services.create_product(company.sales1, {"code": "X1", "name": "标准件", "kind": "standard"})
    with pytest.raises(PermissionDenied) as e:
        services.create_product(company.sales1, {"code": "X2", "name": "非标件", "kind": "nonstandard", "guide_price": "5"})
    assert e.value.rule == "price.finance_guide"
    p = services.create_product(company.sales1, {"code": "X3", "name": "线束 A", "kind": "harness", "on_guide_list": True})
    assert p.on_guide_list is False and p.price_source == "finance"


def test_custom_product_priced_by_finance(company):
    p = services.create_product(company.finance, {"code": "C1", "name": "定制柜", "kind": "custom", "on_guide_list": True})
    assert p.on_guide_list is False and p.price_source == "finance"


def test_bad_product_input(company):
    with pytest.raises(ValidationError) as e:
        services.create_product(company.finance, {"code": "B1", "name": "x", "guide_price": "10.001"})
    assert "guide_price" in e.value.fields
    assert not Product.objects.filter(code="B1").exists()  # nothing saved
    with pytest.raises(ValidationError):
        services.create_product(company.finance, {"code": "B2", "name": "<script>x</script>"})
    with pytest.raises(ValidationError):
        services.create_product(company.finance, {"code": "B3", "name": "x", "kind": "weird"})
    with pytest.raises(ValidationError):
        services.create_product(company.finance, {"code": "B4", "name": "x", "guide_price": "-1"})
    assert not Product.objects.filter(code__in=["B2", "B3", "B4"]).exists()


def test_duplicate_code_conflict(product, company):
    with pytest.raises(Conflict):
        services.create_product(company.finance, {"code": "A-100", "name": "dup"})


def test_price_request_flow_answer_product_scope(company):
    p = services.create_product(company.sales1, {"code": "NS-1", "name": "非标支架", "kind": "nonstandard"})
    req = services.request_price(company.sales1, p, quantity="10", note="客户急需")
    assert req.state == "pending" and req.team == company.team1 and req.due_at is not None  # 24h item: due − 4 h
    assert req.due_at == req.received_at + timedelta(hours=20)
    assert req.age_hours() >= 0
    # visible to the SP, their SM, finance; not to the other team
    assert services.requests_visible_to(company.sales1).filter(pk=req.pk).exists()
    assert services.requests_visible_to(company.manager).filter(pk=req.pk).exists()
    assert services.requests_visible_to(company.finance).filter(pk=req.pk).exists()
    assert not services.requests_visible_to(company.sales3).filter(pk=req.pk).exists()
    assert not services.requests_visible_to(company.sales2).filter(pk=req.pk).exists()
    with pytest.raises(PermissionDenied):
        services.answer_price_request(company.sales1, req, price="100")
    services.answer_price_request(company.finance, req, price="123.45")
    req.refresh_from_db()
    assert req.state == "answered" and services.current_guide_price(p).price == D("123.45")
    with pytest.raises(Conflict):
        services.reject_price_request(company.finance, req, reason="晚了")
    from yewu.common.models import Notification

    assert Notification.objects.filter(user=company.sales1, key=f"price_request:{req.pk}:answered").exists()


def test_price_request_answer_request_scope_and_reject(company):
    p = services.create_product(company.finance, {"code": "CU-1", "name": "定制箱", "kind": "custom"})
    r1 = services.request_price(company.sales1, p)
    assert r1.due_at is None  # custom: not a 24h item
    services.answer_price_request(company.finance, r1, price="500.00", scope="request")
    assert services.current_guide_price(p) is None
    g, src, req = services.guide_for_line(p, timezone.localdate(), company.sales1)
    assert g == D("500.00") and src == "finance" and req == r1
    g, _, _ = services.guide_for_line(p, timezone.localdate(), company.sales2)
    assert g is None
    r2 = services.request_price(company.sales1, p)
    with pytest.raises(ValidationError):
        services.reject_price_request(company.finance, r2, reason="  ")
    services.reject_price_request(company.finance, r2, reason="图纸不全")
    r2.refresh_from_db()
    assert r2.state == "rejected" and r2.reject_reason == "图纸不全"


def test_request_for_listed_priced_product_refused(product, company):
    with pytest.raises(ValidationError) as e:
        services.request_price(company.sales1, product)
    assert e.value.rule == "price.guide"


# --- API ---------------------------------------------------------------------------------------------


def test_api_products_list_create(api_client, company, product):
    c = api_client(company.finance)
    r = post(c, "/api/v1/products", {"code": "B-200", "name": "断路器", "kind": "gb", "guide_price": "88.50"})
    assert r.status_code == 201, r.content
    assert r.json()["guide_price"] == "88.50"
    r = api_client(company.sales1).get("/api/v1/products?q=断路")
    assert r.status_code == 200 and r.json()["count"] == 1 and r.json()["items"][0]["guide_price"] == "88.50"
    r = post(api_client(company.sales1), "/api/v1/products", {"code": "B-201", "name": "x", "kind": "standard"})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    r = post(c, "/api/v1/products", {"code": "B-202", "name": "x", "guide_price": "1.234"})
    assert r.status_code == 400 and "guide_price" in r.json()["fields"]
    assert not Product.objects.filter(code__in=["B-201", "B-202"]).exists()


def test_api_price_history_and_set(api_client, company, product):
    c = api_client(company.finance)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = post(c, f"/api/v1/products/{product.pk}/prices", {"guide_price": "1050.00", "effective_from": tomorrow})
    assert r.status_code == 201
    r = c.get(f"/api/v1/products/{product.pk}/prices")
    assert [i["price"] for i in r.json()["items"]] == ["1050.00", "1000.00"]
    r = post(api_client(company.sales1), f"/api/v1/products/{product.pk}/prices", {"guide_price": "1.00"})
    assert r.status_code == 403


def test_api_price_requests(api_client, company):
    p = services.create_product(company.finance, {"code": "H-1", "name": "线束 H1", "kind": "harness", "on_guide_list": False})
    r = post(api_client(company.sales1), "/api/v1/products/price-requests", {"product_id": p.pk, "quantity": "0"})
    assert r.status_code == 400 and "quantity" in r.json()["fields"]
    r = post(api_client(company.sales1), "/api/v1/products/price-requests", {"product_id": p.pk, "quantity": "5"})
    assert r.status_code == 201
    rid = r.json()["id"]
    r = api_client(company.finance).get("/api/v1/products/price-requests?state=pending")
    assert r.json()["count"] == 1 and r.json()["items"][0]["age_hours"] >= 0
    assert api_client(company.sales3).get("/api/v1/products/price-requests").json()["count"] == 0
    r = post(api_client(company.finance), f"/api/v1/products/price-requests/{rid}/answer", {"price": "66.00"})
    assert r.status_code == 200 and r.json()["state"] == "answered"


# --- Excel -------------------------------------------------------------------------------------------


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["产品编码", "品名", "规格型号", "单位", "类别", "在指导价表内", "指导价（含税）", "生效日期"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_export_roundtrip(api_client, company, product):
    r = api_client(company.finance).get("/api/v1/products/export")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(2, 1).value == "A-100" and ws.cell(2, 7).value == 1000


def test_import_per_row_report(company, product):
    from yewu.catalog.excel import import_price_list

    today = timezone.localdate()
    data = _xlsx([
        ["A-100", "接触器", "CJX2-1810", "个", "常规型号", "是", 1100, today],  # price change
        ["N-1", "新品", "", "只", "国标", "是", "25.50", None],  # created
        ["N-2", "坏价", "", "只", "常规型号", "是", 10.555, None],  # 3 decimals
        ["N-3", "", "", "只", "常规型号", "是", 10, None],  # no name
        ["N-4", "坏类", "", "只", "奇怪", "是", 10, None],
        [None, None, None, None, None, None, None, None],  # blank row ignored
        ["N-5", "负价", "", "只", "常规型号", "是", -3, None],
    ])
    rep = import_price_list(company.finance, data)
    by = {r["code"]: r for r in rep["rows"]}
    assert by["A-100"]["status"] == "updated" and "1000.00 → 1100" in by["A-100"]["message"]
    assert by["N-1"]["status"] == "created"
    assert by["N-2"]["status"] == "error" and "两位小数" in by["N-2"]["message"]
    assert by["N-3"]["status"] == "error" and by["N-4"]["status"] == "error" and by["N-5"]["status"] == "error"
    assert rep["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "error": 4}
    assert by["N-2"]["row"] == 4
    assert not Product.objects.filter(code__in=["N-2", "N-3", "N-4", "N-5"]).exists()
    assert services.current_guide_price(Product.objects.get(code="N-1")).price == D("25.50")
    # re-import: unchanged
    rep2 = import_price_list(company.finance, data)
    assert {r["code"]: r["status"] for r in rep2["rows"]}["A-100"] == "unchanged"


def test_import_dry_run_and_permissions(api_client, company, product):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _xlsx([["Z-1", "新品", "", "只", "常规型号", "是", 9, None]])
    r = api_client(company.finance).post("/api/v1/products/import?dry_run=true",
                                         {"file": SimpleUploadedFile("p.xlsx", data)})
    assert r.status_code == 200 and r.json()["counts"]["created"] == 1
    assert not Product.objects.filter(code="Z-1").exists()
    r = api_client(company.sales1).post("/api/v1/products/import", {"file": SimpleUploadedFile("p.xlsx", data)})
    assert r.status_code == 403
    r = api_client(company.finance).post("/api/v1/products/import", {"file": SimpleUploadedFile("p.xlsx", b"junk")})
    assert r.status_code == 400 and r.json()["fields"]["file"]


def test_price_request_age_display(company):
    p = services.create_product(company.finance, {"code": "C9", "name": "定制", "kind": "custom"})
    r = services.request_price(company.sales1, p)
    PriceRequest.objects.filter(pk=r.pk).update(created_at=timezone.now() - timedelta(hours=5))
    r.refresh_from_db()
    assert r.age_display.endswith("小时") and 4.9 <= r.age_hours() <= 5.1
    assert isinstance(date.today(), date)
