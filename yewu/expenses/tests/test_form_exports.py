"""SPEC §9 for the §5.5 forms: the 银行存款余额调节表 and 现金盘点表 also export to Excel, the 现金日记账 also prints to
PDF, and the payment/claim and cash-advance registers export to Excel (approval state; overdue advances marked)."""

import io
from datetime import date

from openpyxl import load_workbook

from yewu.expenses.models import BankReconciliation

from .conftest import approve_all, fund, post
from .test_pages_and_forms import RECON_FORM, browser_client, pdf_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(resp, name=None):
    assert resp.status_code == 200 and resp["Content-Type"] == XLSX, resp.status_code
    wb = load_workbook(io.BytesIO(resp.content))
    return wb[name] if name else wb.active


def values(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def row_of(rows, first):
    return next(r for r in rows if r[0] == first)


def flat(rows):
    return "\n".join(str(v) for r in rows for v in r if v is not None)


# --- bank.monthly_reconciliation: 银行存款余额调节表 Excel ---

def test_saved_reconciliation_excel_has_both_sides_items_adjusted_balances_and_the_balancing_line(co):
    c = browser_client(co.cashier)
    r = c.post("/expenses/bank/", RECON_FORM, follow=True)
    rec = BankReconciliation.objects.get()
    assert f"/expenses/bank/{rec.pk}/xlsx/" in r.content.decode()
    rows = values(sheet(c.get(f"/expenses/bank/{rec.pk}/xlsx/")))
    text = flat(rows)
    assert rows[1][0] == "银行存款余额调节表" and rec.number in rows[2][0] and "工行 3602 0000 1234" in rows[2][0]
    assert row_of(rows, "企业银行存款日记账余额")[:4] == ["企业银行存款日记账余额", 100000, "银行对账单余额", 98000]
    assert row_of(rows, "加：银行已收、企业未收")[1:] == [5000, "加：企业已收、银行未收", 8000]
    assert row_of(rows, "减：银行已付、企业未付")[1:] == [200, "减：企业已付、银行未付", 1200]
    item = row_of(rows, "　2025-08-30 客户汇款未入账")
    assert item[1] == 5000 and item[2] == "　2025-08-31 送存支票" and item[3] == 8000
    assert row_of(rows, "调节后余额") == ["调节后余额", 104800, "调节后余额", 104800]
    assert row_of(rows, "（大写）")[1] == "人民币 壹拾万肆仟捌佰元整"
    assert "平衡关系：企业账面 100,000.00 + 银行已收企业未收 5,000.00 － 银行已付企业未付 200.00 = 104,800.00" in text
    assert "调节后余额相符（104,800.00 = 104,800.00）" in text and "不平" not in text
    assert row_of(rows, "调节后余额差额")[1] == 0
    assert row_of(rows, "编制（出纳）")[1] == "吴出纳"
    # not cash staff: no export
    assert browser_client(co.sales1).get(f"/expenses/bank/{rec.pk}/xlsx/").status_code == 404


def test_unbalanced_draft_excel_carries_the_not_balanced_line_and_saves_nothing(co):
    c = browser_client(co.cashier)
    r = c.post("/expenses/bank/preview.xlsx", {**RECON_FORM, "booked_not_debited_amount": "1200.01"})
    ws = sheet(r)
    rows = values(ws)
    adj = row_of(rows, "调节后余额")
    assert adj[1] == 104800 and float(adj[3]) == 104799.99
    verdict = next(r for r in rows if r[0] and str(r[0]).startswith("不平"))
    assert verdict[0].startswith("不平：调节后余额相差 0.01 元（壹分）")
    cell = next(c for c in ws["A"] if c.value == verdict[0])
    assert cell.font.color.rgb.endswith("C00000")  # red
    assert float(row_of(rows, "调节后余额差额")[1]) == 0.01
    assert "草稿" in flat(rows) and not BankReconciliation.objects.exists()
    # bad input: an error message, no file
    r = c.post("/expenses/bank/preview.xlsx", {**RECON_FORM, "book_balance": "abc"}, follow=True)
    assert r["Content-Type"].startswith("text/html") and "企业账面余额" in r.content.decode()
    assert browser_client(co.sales1).post("/expenses/bank/preview.xlsx", RECON_FORM).status_code == 404


# --- cash.daily_count: 现金盘点表 Excel (the PDF exists at its own address too) ---

def test_month_end_count_excel_and_pdf_show_denominations_totals_words_and_signatures(co):
    fund(co, "1240.00")
    c = post(co.c("cashier"), "/api/v1/cash/counts", {
        "kind": "monthly", "denominations": {"100": 12, "20": 1, "10": 1, "1": 4, "0.5": 1},
        "explanation": "短款 5.50 元，待查"}).json()
    assert c["difference"] == "-5.50"
    cl = browser_client(co.cashier)
    page = cl.get(f"/expenses/counts/{c['id']}/").content.decode()
    assert f"/expenses/counts/{c['id']}/xlsx/" in page and f"/expenses/counts/{c['id']}/pdf/" in page
    assert f"/expenses/counts/{c['id']}/xlsx/" in cl.get("/expenses/counts/").content.decode()
    rows = values(sheet(cl.get(f"/expenses/counts/{c['id']}/xlsx/")))
    assert rows[1][0] == "现金盘点表" and c["number"] in rows[2][0]
    faces = {float(r[0]): (r[1], r[2]) for r in rows[4:12]}
    assert faces[100] == (12, 1200) and faces[20] == (1, 20) and faces[0.5] == (1, 0.5) and faces[50] == (0, 0)
    assert float(row_of(rows, "实点合计")[2]) == 1234.5
    assert row_of(rows, "账面余额")[1] == 1240 and float(row_of(rows, "实点金额")[1]) == 1234.5
    assert row_of(rows, "实点（大写）")[1] == "人民币 壹仟贰佰叁拾肆元伍角"
    assert float(row_of(rows, "差额（实点-账面）")[1]) == -5.5 and row_of(rows, "差异说明")[1] == "短款 5.50 元，待查"
    assert row_of(rows, "出纳（盘点人）")[1] == "吴出纳" and row_of(rows, "监盘人")[1] == "（待监盘签字）"
    post(co.c("finance"), f"/api/v1/cash/counts/{c['id']}/witness")
    rows = values(sheet(cl.get(f"/expenses/counts/{c['id']}/xlsx/")))
    assert row_of(rows, "监盘人")[1].startswith("周财务 ")
    r = cl.get(f"/expenses/counts/{c['id']}/pdf/")
    assert r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "现金盘点表" in text and "壹仟贰佰叁拾肆元伍角" in text and "-5.50" in text and "周财务" in text
    for url in (f"/expenses/counts/{c['id']}/xlsx/", f"/expenses/counts/{c['id']}/pdf/"):
        assert browser_client(co.sales1).get(url).status_code == 404


# --- 现金日记账 PDF ---

def test_cash_journal_pdf_has_opening_entries_daily_totals_warning_and_closing_in_words(co):
    fund(co, "3000.00")
    post(co.c("cashier"), "/api/v1/cash/journal", {"receipt": "2500.00", "summary": "客户现金货款", "source": "customer"})
    co.clock.set(date(2025, 9, 2))
    post(co.c("cashier"), "/api/v1/cash/journal", {"payment": "1000.00", "summary": "存入银行", "source": "bank_deposit"})
    co.clock.set(date(2025, 9, 3))
    post(co.c("cashier"), "/api/v1/cash/journal", {"payment": "1.50", "summary": "快递费", "source": "other"})
    c = browser_client(co.cashier)
    assert "/expenses/journal/pdf/?start=2025-09-02&end=2025-09-03" in c.get(
        "/expenses/journal/?start=2025-09-02&end=2025-09-03").content.decode()
    r = c.get("/expenses/journal/pdf/?start=2025-09-01&end=2025-09-03")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and b"STSong-Light" in r.content
    text = "".join(pdf_text(r.content).split())
    for s in ("现金日记账", "期间：2025-09-01至2025-09-03", "期初余额", "客户现金货款", "2,500.00", "存入银行", "快递费",
              "5,500.00", "4,500.00", "4,498.50", "超过限额5,000.00元，超出500.00元", "cash.max_on_hand_5000",
              "本期合计/期末余额", "期初余额¥0.00",
              "本期收入¥5,500.00", "本期支出¥1,001.50", "期末余额¥4,498.50", "期末余额（大写）人民币肆仟肆佰玖拾捌元伍角"):
        assert s in text, s
    assert text.count("本日合计") == 3
    # a later period opens with the balance carried forward
    text = "".join(pdf_text(c.get("/expenses/journal/pdf/?start=2025-09-03&end=2025-09-03").content).split())
    assert "期初余额¥4,500.00" in text and "超出" not in text and "人民币肆仟肆佰玖拾捌元伍角" in text
    assert browser_client(co.sales1).get("/expenses/journal/pdf/").status_code == 404


# --- registers: payment/claim with approval state; advances with overdue marked (cash.advance_max_3000) ---

def test_registers_show_approval_state_and_mark_overdue_advances(co):
    pay = post(co.c("sales1"), "/api/v1/expenses", {"kind": "payment", "category": "purchase", "purpose": "采购包装材料",
                                                   "payee": "某包装厂", "amount": "1052.63"}).json()
    approve_all(co, pay["approval_id"], ("manager",))  # the SM has approved; the FD is next
    claim = post(co.c("sales3"), "/api/v1/expenses", {"kind": "expense", "category": "travel", "purpose": "佛山出差", "lines": [
        {"incurred_on": "2025-08-28", "description": "高铁", "amount": "200.00"}]}).json()
    late = post(co.c("sales1"), "/api/v1/cash-advances", {"purpose_kind": "travel", "purpose": "深圳出差",
                                                          "amount": "1500.00", "due_date": "2025-09-05"}).json()
    ontime = post(co.c("sales1"), "/api/v1/cash-advances", {"purpose_kind": "travel", "purpose": "东莞出差",
                                                            "amount": "800.00", "due_date": "2025-09-30"}).json()
    for a in (late, ontime):
        approve_all(co, a["approval_id"], ("manager", "finance"))
    fund(co, "3000.00")
    for a in (late, ontime):
        assert post(co.c("cashier"), f"/api/v1/cash-advances/{a['id']}/pay").status_code == 200
    co.clock.set(date(2025, 9, 8))

    fin = browser_client(co.finance)
    assert "/expenses/register.xlsx" in fin.get("/expenses/").content.decode()
    assert "/expenses/register.xlsx" in fin.get("/expenses/advances/overdue/").content.decode()
    r = fin.get("/expenses/register.xlsx")
    docs = values(sheet(r, "付款报销登记"))
    p = row_of(docs, pay["number"])
    assert p[1] == "付款审批单" and p[3] == "张三" and float(p[8]) == 1052.63 and p[11] == "审批中"
    assert p[12] == "待财务总监审批" and "部门经理 同意 李经理" in p[13]
    cl = row_of(docs, claim["number"])
    assert cl[1] == "费用报销单" and cl[3] == "王五" and cl[8] == 200 and cl[12] == "待部门经理审批"
    assert float(row_of(docs, "合计（不含作废）")[8]) == 1252.63

    ws = load_workbook(io.BytesIO(r.content))["借支登记"]
    advs = values(ws)
    lr, orow = row_of(advs, late["number"]), row_of(advs, ontime["number"])
    assert lr[6] == 1500 and lr[8] == "已借出" and lr[9] == "已通过" and lr[13] == "逾期" and lr[14] == 3
    assert orow[13] == "" or orow[13] is None
    assert orow[14] is None
    late_row = next(c.row for c in ws["A"] if c.value == late["number"])
    assert ws.cell(late_row, 1).fill.fgColor.rgb.endswith("FDE2E2")
    assert row_of(advs, "未结清合计")[6] == 2300 and row_of(advs, "其中逾期合计")[6] == 1500

    # row-level access: sales2 (same team as sales1, not a manager) sees only own documents; the SM sees the team's
    docs2 = values(sheet(browser_client(co.sales2).get("/expenses/register.xlsx"), "付款报销登记"))
    assert pay["number"] not in flat(docs2) and claim["number"] not in flat(docs2)
    mgr = load_workbook(io.BytesIO(browser_client(co.manager).get("/expenses/register.xlsx").content))
    assert pay["number"] in flat(values(mgr["付款报销登记"])) and claim["number"] not in flat(values(mgr["付款报销登记"]))
    assert late["number"] in flat(values(mgr["借支登记"]))
