"""Home pages show amounts of 1,000 and more with thousands separators (SP, SM, GM)."""

import re

import pytest
from django.test import Client

from yewu.desk.tests.test_home import trade  # noqa: F401  (fixture)
from yewu.finance.tests.conftest import books  # noqa: F401  (fixture)
from yewu.orders.tests.conftest import shop  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
RAW = re.compile(r"(?<![\d,.\w-])\d{4,}\.\d{2}(?![\d%\w])")


def visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]*>", " ", html)


@pytest.mark.parametrize("who, figure", [("sales1", "1,000.00"), ("manager", "1,500.00"), ("gm", "2,200.00")])
def test_home_amounts_have_separators(trade, who, figure):  # noqa: F811
    c = Client()
    c.force_login(getattr(trade.co, who))
    page = c.get("/").content.decode()
    assert figure in page  # this month's order amount (1,000 / team 1,500 / company 2,200)
    assert not RAW.findall(visible(page))
