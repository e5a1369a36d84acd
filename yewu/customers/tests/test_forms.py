"""P1 forms of §2 (客户档案卡, 客户通讯录, 客户拜访记录簿, 客户进销记录簿): live data, access through
selectors, 密级 levels, cust.export_control, audit. Set YEWU_FORMS_OUT=dir to keep the files for a look."""

import io
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from yewu.customers.services import ContactIn, CustomerIn, VisitIn, file_customer, log_visit, transfer_customer

from yewu.audit.models import AuditEntry
from yewu.customers.models import Customer


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def keep(name: str, data: bytes) -> None:
    out = os.environ.get("YEWU_FORMS_OUT")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / name).write_bytes(data)


def pdf_text(data: bytes) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def xlsx_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(" | ".join(str(v) for v in row if v is not None) for ws in wb for row in ws.iter_rows(values_only=True))


@pytest.fixture
def cust(company):
    c, _ = file_customer(company.sales1, CustomerIn(
        name="广州市恒通电线电缆有限公司", city="广州", source="trade_show", demand_grade="A",
        contacts=[ContactIn(name="陈志强", title="采购经理", is_decision_maker=True, mobile="13800138000",
                            phone="020-88886666", email="chen@hengtong.example.com", wechat="chenzq"),
                  ContactIn(name="林小姐", title="财务", mobile="13900139000")],
        extra={"industry": "电线电缆", "district": "白云区", "delivery_address": "广州市白云区太和镇大源北路 88 号 3 号仓",
               "registered_address": "广州市白云区太和镇大源北路 88 号", "scale": "200 人", "needs": "国标 BV 线，每月约 20 万元",
               "main_business": "电线电缆制造与批发，年营业额约 8000 万元；客户覆盖珠三角五金批发市场。"},
    ))
    Customer.objects.filter(pk=c.pk).update(credit_grade="B", credit_limit="15000.00", term_days=30)
    c.refresh_from_db()
    return c


def test_card_pdf_and_xlsx_for_owner(company, cust):
    log_visit(company.sales1, cust.pk, VisitIn(channel="phone", purpose="首次电话沟通"))
    transfer_customer(company.manager, cust.pk, company.sales2.pk, "张三调岗，客户交由李四跟进")
    r = login(company.sales2).get(f"/customers/{cust.pk}/card.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and b"/Type /Page" in r.content
    keep("card.pdf", r.content)
    text = pdf_text(r.content)
    if text is not None:
        for s in ["客户档案卡", "广州市恒通电线电缆有限公司", "陈志强", "13800138000", "李四", "经理调整", "人民币壹万伍仟元整", "秘密"]:
            assert s in text, s
    r = login(company.sales2).get(f"/customers/{cust.pk}/card.xlsx")
    assert r.status_code == 200
    keep("card.xlsx", r.content)
    t = xlsx_text(r.content)
    for s in ["客户档案卡", "统一社会信用代码", "陈志强", "chen@hengtong.example.com", "负责人变更记录", "张三调岗", "信用额度"]:
        assert s in t, s
    e = AuditEntry.objects.filter(action="export", object_id=str(cust.pk)).latest("id")
    assert e.rule == "cust.export_control" and e.after["form"] == "客户档案卡" and e.after["format"] == "xlsx"


def test_card_access(company, cust):
    assert login(company.sales3).get(f"/customers/{cust.pk}/card.pdf").status_code == 404  # other team's SP
    assert login(company.manager2).get(f"/customers/{cust.pk}/card.xlsx").status_code == 404  # other team's SM
    assert Client().get(f"/customers/{cust.pk}/card.pdf").status_code == 302
    # CS sees every customer; credit is not theirs (acl.finance_scope)
    t = xlsx_text(login(company.cs).get(f"/customers/{cust.pk}/card.xlsx").content)
    assert "陈志强" in t and "15000" not in t and "acl.finance_scope" in t


def test_confidential_card_needs_manager_rank(company, cust):
    Customer.objects.filter(pk=cust.pk).update(confidentiality="confidential",
                                               confidentiality_expires_on=timezone.localdate() + timedelta(days=900))
    r = login(company.sales1).get(f"/customers/{cust.pk}/card.pdf")  # the owner sees it, but may not export it
    assert r.status_code == 403 and "cust.export_control" in r.content.decode()
    r = login(company.manager).get(f"/customers/{cust.pk}/card.pdf")
    assert r.status_code == 200
    keep("card-confidential.pdf", r.content)
    text = pdf_text(r.content)
    if text is not None:
        assert "密级：机密" in text
    assert AuditEntry.objects.filter(action="export", actor=company.manager, after__level="confidential").exists()


def test_top_secret_card_for_fd_is_name_only(company, cust):
    Customer.objects.filter(pk=cust.pk).update(confidentiality="top_secret")
    t = xlsx_text(login(company.finance).get(f"/customers/{cust.pk}/card.xlsx").content)
    assert "广州市恒通电线电缆有限公司" in t and "张三" in t
    assert "陈志强" not in t and "15000" not in t and "只能查看名称和负责人" in t
    r = login(company.finance).get(f"/customers/{cust.pk}/card.pdf")
    keep("card-name-only.pdf", r.content)
    assert r.status_code == 200
    assert login(company.finance).get(f"/customers/{cust.pk}/visits.pdf").status_code == 403


def test_contact_directory(company, cust):
    file_customer(company.sales3, CustomerIn(name="佛山南海五金有限公司", city="佛山", source="direct",
                                             contacts=[ContactIn(name="黄先生", mobile="13700137000")]))
    other, _ = file_customer(company.sales1, CustomerIn(name="广州机密五金有限公司", city="广州", source="direct",
                                                        contacts=[ContactIn(name="秘先生", mobile="13600136000")]))
    Customer.objects.filter(pk=other.pk).update(confidentiality="confidential")
    r = login(company.sales1).get("/customers/contacts.xlsx")
    assert r.status_code == 200
    keep("contacts.xlsx", r.content)
    t = xlsx_text(r.content)
    assert "陈志强" in t and "林小姐" in t and "黄先生" not in t and "秘先生" not in t
    assert "cust.export_control" in t and "略去 1 个" in t
    r = login(company.gm).get("/customers/contacts.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    keep("contacts.pdf", r.content)
    text = pdf_text(r.content)
    if text is not None:
        assert "客户通讯录" in text and "黄先生" in text and "秘先生" in text
    e = AuditEntry.objects.filter(action="export", actor=company.gm).get()
    assert e.after["form"] == "客户通讯录" and e.after["rows"] == 4


def test_visit_log(company, cust):
    now = timezone.now()
    log_visit(company.sales1, cust.pk, VisitIn(channel="visit", purpose="上门拜访，介绍国标 BV 线", at=now - timedelta(days=3),
                                               contacts_met="陈志强", step="introduction",
                                               content="客户对价格敏感，希望月结 30 天；已送样品两卷。",
                                               next_step="报价", next_visit_on=timezone.localdate() + timedelta(days=7),
                                               accompanied_by_id=company.manager.pk))
    log_visit(company.sales1, cust.pk, VisitIn(channel="phone", purpose="确认样品测试结果", at=now - timedelta(hours=2)))
    r = login(company.sales1).get(f"/customers/{cust.pk}/visits.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    keep("visits.pdf", r.content)
    text = pdf_text(r.content)
    if text is not None:
        assert "客户拜访记录簿" in text and "上门拜访" in text and "共 2 次" in text
    r = login(company.sales1).get(f"/customers/{cust.pk}/visits.xlsx")
    keep("visits.xlsx", r.content)
    t = xlsx_text(r.content)
    assert "上门拜访，介绍国标 BV 线" in t and "李经理" in t and "产品介绍" in t
    assert login(company.sales2).get(f"/customers/{cust.pk}/visits.pdf").status_code == 404


def test_sales_record_is_visibly_unfinished(company, cust):
    r = login(company.sales1).get(f"/customers/{cust.pk}/sales-record.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    keep("sales-record.pdf", r.content)
    text = pdf_text(r.content)
    if text is not None:
        assert "暂无订单数据（订单模块未上线）" in text and "应收余额" in text
    t = xlsx_text(login(company.sales1).get(f"/customers/{cust.pk}/sales-record.xlsx").content)
    assert "暂无订单数据（订单模块未上线）" in t and "单据类型" in t and "期末应收" in t
