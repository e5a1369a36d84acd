"""Pages, PDFs (付款审批单, 费用报销单, 现金借支单, 现金盘点表 with 人民币大写) and the cash journal Excel export."""

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from yewu.expenses.documents import rmb_upper
from yewu.expenses.models import PaymentDoc

from .conftest import approve_all, fund, post


def browser_client(user):
    c = Client()
    c.force_login(user)
    return c


def pdf_text(data: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_rmb_upper():
    assert rmb_upper(Decimal("1052.63")) == "壹仟零伍拾贰元陆角叁分"
    assert rmb_upper(Decimal("3000.00")) == "叁仟元整"
    assert rmb_upper(Decimal("0")) == "零元整"


def test_payment_and_claim_pdfs_carry_figures_words_and_approvals(co):
    doc = post(co.c("sales1"), "/api/v1/expenses", {
        "kind": "payment", "category": "purchase", "purpose": "采购包装材料", "payee": "广州市某包装厂", "amount": "1052.63"}).json()
    approve_all(co, doc["approval_id"])
    r = browser_client(co.sales1).get(f"/expenses/{doc['id']}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "付款审批单" in text and "壹仟零伍拾贰元陆角叁分" in text and "1,052.63" in text
    assert "李经理" in text and "王总" in text and "周财务" in text
    claim = post(co.c("sales1"), "/api/v1/expenses", {
        "kind": "expense", "category": "travel", "purpose": "出差", "lines": [
            {"incurred_on": "2025-08-28", "description": "高铁", "amount": "200.00", "attachments": 2},
            {"incurred_on": "2025-08-29", "description": "住宿", "amount": "180.50", "attachments": 1}]}).json()
    text = pdf_text(browser_client(co.sales1).get(f"/expenses/{claim['id']}/pdf/").content)
    assert "费用报销单" in text and "叁佰捌拾元伍角" in text and "住宿" in text
    # another salesperson cannot print it
    assert browser_client(co.sales2).get(f"/expenses/{claim['id']}/pdf/").status_code == 404


def test_advance_and_count_pdfs(co):
    a = post(co.c("sales1"), "/api/v1/cash-advances", {"purpose_kind": "cash_purchase", "purpose": "现金采购样品",
                                                      "amount": "3000.00", "due_date": "2025-09-15"}).json()
    text = pdf_text(browser_client(co.sales1).get(f"/expenses/advances/{a['id']}/pdf/").content)
    assert "现金借支单" in text and "叁仟元整" in text and "2025-09-15" in text
    fund(co, "1234.50")
    c = post(co.c("cashier"), "/api/v1/cash/counts", {"kind": "monthly", "denominations": {"100": 12, "20": 1, "10": 1, "1": 4, "0.5": 1}}).json()
    post(co.c("finance"), f"/api/v1/cash/counts/{c['id']}/witness")
    r = browser_client(co.cashier).get(f"/expenses/counts/{c['id']}/?pdf=1")
    text = pdf_text(r.content)
    assert "现金盘点表" in text and "壹仟贰佰叁拾肆元伍角" in text and "周财务" in text and "吴出纳" in text


def test_cash_journal_excel_opens_with_running_and_daily_balances(co):
    fund(co, "3000.00")
    post(co.c("cashier"), "/api/v1/cash/journal", {"receipt": "2500.00", "summary": "客户现金货款", "source": "customer"})
    co.clock.set(date(2025, 9, 2))
    post(co.c("cashier"), "/api/v1/cash/journal", {"payment": "1000.00", "summary": "存入银行", "source": "bank_deposit"})
    r = browser_client(co.cashier).get("/expenses/journal/xlsx/?start=2025-09-01&end=2025-09-02")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert rows[0][2] == "期初余额" and rows[0][6] == 0
    assert [x[6] for x in rows if x[2] == "本日合计"] == [5500, 4500]
    day1 = next(x for x in rows if x[2] == "本日合计")
    assert "超过限额 5,000.00 元，超出 500.00 元" in day1[8]  # 5,500.00 at the end of 09-01
    assert rows[-1][2] == "期末余额" and rows[-1][6] == 4500
    assert browser_client(co.sales1).get("/expenses/journal/xlsx/").status_code == 404


def test_pages_render_for_each_role(co):
    doc = post(co.c("sales1"), "/api/v1/expenses", {"kind": "payment", "category": "purchase", "purpose": "采购",
                                                   "payee": "某厂", "amount": "100.00"}).json()
    for user, url, text in [
        (co.sales1, "/expenses/", "我的付款/报销单"), (co.sales1, "/expenses/new/expense/", "新建费用报销单"),
        (co.sales1, "/expenses/new/payment/", "新建付款审批单"), (co.sales1, "/expenses/advances/new/", "现金借支单"),
        (co.manager, "/expenses/approvals/", doc["number"]), (co.cashier, "/expenses/cashier/", "出纳付款队列"),
        (co.cashier, "/expenses/journal/", "每日余额"), (co.cashier, "/expenses/counts/", "现金盘点"),
        (co.finance, "/expenses/advances/overdue/", "逾期借支"), (co.sales1, f"/expenses/{doc['id']}/", doc["number"]),
    ]:
        r = browser_client(user).get(url)
        assert r.status_code == 200 and text in r.content.decode(), url
    assert browser_client(co.sales1).get("/expenses/journal/").status_code == 404
    assert browser_client(co.sales1).get("/expenses/cashier/").status_code == 404


def test_form_post_refusal_shows_rule_and_creates_nothing(co):
    c = browser_client(co.sales1)
    r = c.post("/expenses/advances/new/", {"purpose_kind": "cash_purchase", "purpose": "买材料", "amount": "3000.01",
                                           "due_date": "2025-09-10"}, follow=True)
    assert "cash.advance_max_3000" in r.content.decode() and "3,000.01" in r.content.decode()
    r = c.post("/expenses/new/expense/", {"category": "sales", "purpose": "请客户吃饭", "method": "cash",
                                          "line_date": ["2025-08-30"], "line_desc": ["餐费"], "line_amount": ["300"], "line_att": ["1"]})
    assert "expense.prior_approval" in r.content.decode()
    assert not PaymentDoc.objects.exists()


def test_bank_reconciliation_page_refuses_unbalanced_and_saves_balanced(co):
    from yewu.expenses.models import BankReconciliation

    c = browser_client(co.cashier)
    body = {"account": "工行基本户", "month": "2025-08", "book_balance": "1000.00", "bank_balance": "1100.00",
            "bank_credited_not_booked_date": ["2025-08-31", ""], "bank_credited_not_booked_desc": ["客户汇款", ""],
            "bank_credited_not_booked_amount": ["100.00", ""]}
    r = c.post("/expenses/bank/", {**body, "book_balance": "999.99"})
    assert "bank.monthly_reconciliation" in r.content.decode() and not BankReconciliation.objects.exists()
    r = c.post("/expenses/bank/", body, follow=True)
    assert "调节后余额 1100.00" in r.content.decode() and BankReconciliation.objects.get().adjusted_balance == Decimal("1100.00")
    assert browser_client(co.sales1).get("/expenses/bank/").status_code == 404


# --- bank.monthly_reconciliation: 银行存款余额调节表 PDF ---

RECON_FORM = {"account": "工行 3602 0000 1234", "month": "2025-08", "book_balance": "100000.00", "bank_balance": "98000.00",
              "bank_credited_not_booked_date": "2025-08-30", "bank_credited_not_booked_desc": "客户汇款未入账",
              "bank_credited_not_booked_amount": "5000.00",
              "bank_debited_not_booked_date": "2025-08-31", "bank_debited_not_booked_desc": "银行手续费",
              "bank_debited_not_booked_amount": "200.00",
              "booked_not_credited_date": "2025-08-31", "booked_not_credited_desc": "送存支票", "booked_not_credited_amount": "8000.00",
              "booked_not_debited_date": "2025-08-31", "booked_not_debited_desc": "开出转账支票未兑付",
              "booked_not_debited_amount": "1200.00"}


def test_bank_reconciliation_pdf_shows_both_sides_the_equation_and_words(co):
    from yewu.expenses.models import BankReconciliation

    c = browser_client(co.cashier)
    r = c.post("/expenses/bank/", RECON_FORM, follow=True)
    rec = BankReconciliation.objects.get()
    assert f"/expenses/bank/{rec.pk}/pdf/" in r.content.decode()
    r = c.get(f"/expenses/bank/{rec.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert b"STSong-Light" in r.content
    text = pdf_text(r.content)
    for s in ("银行存款余额调节表", rec.number, "工行 3602 0000 1234", "2025-08", "100,000.00", "98,000.00",
              "客户汇款未入账", "5,000.00", "银行手续费", "200.00", "送存支票", "8,000.00", "开出转账支票未兑付", "1,200.00",
              "壹拾万肆仟捌佰元整", "调节后余额相符（104,800.00 = 104,800.00）", "吴出纳"):
        assert s in text.replace("\n", ""), s
    flat = "".join(text.split())
    assert "平衡关系：企业账面100,000.00+银行已收企业未收5,000.00－银行已付企业未付200.00=104,800.00" in flat
    assert "银行对账单98,000.00+企业已收银行未收8,000.00－企业已付银行未付1,200.00=104,800.00" in flat
    assert "不平" not in text
    # not cash staff: no PDF
    assert browser_client(co.sales1).get(f"/expenses/bank/{rec.pk}/pdf/").status_code == 404


def test_an_unbalanced_draft_prints_with_a_clear_not_balanced_mark_and_is_not_saved(co):
    from yewu.expenses.models import BankReconciliation

    c = browser_client(co.cashier)
    form = {**RECON_FORM, "booked_not_debited_amount": "1200.01"}
    r = c.post("/expenses/bank/preview.pdf", form)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "".join(pdf_text(r.content).split())
    assert "不平：调节后余额相差0.01元（壹分）" in text and "104,799.99" in text and "104,800.00" in text
    assert "草稿" in text
    assert not BankReconciliation.objects.exists()
    # saving the same figures is refused, naming the rule
    r = c.post("/expenses/bank/", form, follow=True)
    assert "bank.monthly_reconciliation" in r.content.decode() and not BankReconciliation.objects.exists()
    # bad input on the preview: an error message, no PDF
    r = c.post("/expenses/bank/preview.pdf", {**form, "book_balance": "abc"}, follow=True)
    assert r["Content-Type"].startswith("text/html") and "企业账面余额" in r.content.decode()
