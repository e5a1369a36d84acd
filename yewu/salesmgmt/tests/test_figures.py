"""Amounts of 1,000 and more are shown with thousands separators on the sales-management pages."""

import re
from datetime import date
from decimal import Decimal

from yewu.finance.models import Receipt

# an amount ≥ 1000 written without separators (the browser crawl's check), on the text a user reads
RAW = re.compile(r"(?<![\d,.\w-])\d{4,}\.\d{2}(?![\d%\w])")


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]*>", " ", html)


def test_leaderboard_day_page_and_targets_show_separated_amounts(company, client, api_client, clock, jpost,
                                                                  make_customer):
    clock(2025, 9, 20, 10)
    rows = [{"salesperson_id": company.sales1.pk, "collections": "100000.00"}]
    jpost(api_client(company.manager), "/api/v1/targets", {"month": "2025-10", "rows": rows})
    c1 = make_customer(company.sales1)
    Receipt.objects.create(number="SK1", customer=c1, amount=Decimal("3000.00"), arrived_on=date(2025, 10, 9),
                           method="transfer", recorded_by=company.finance)
    clock(2025, 10, 10, 9, 5)
    client.force_login(company.manager)
    board = client.get("/salesmgmt/leaderboard/").content.decode()
    assert "3,000.00" in board and not RAW.findall(visible(board))
    clock(2025, 10, 9, 18)
    client.force_login(company.manager)
    day = client.get("/salesmgmt/").content.decode()
    assert "到账 3,000.00 目标 5,555.56" in " ".join(visible(day).split())  # 100,000.00 over 18 working days
    assert not RAW.findall(visible(day))
    client.force_login(company.sales1)  # the SP reads the grid (no inputs)
    targets = client.get("/salesmgmt/targets/?month=2025-10").content.decode()
    assert "100,000.00" in targets and "3,000.00" in targets
    assert not RAW.findall(visible(targets))
