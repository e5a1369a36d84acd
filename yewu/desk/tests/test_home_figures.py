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


def test_sp_home_lists_my_overdue_follow_ups(trade):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from yewu.customers.models import Visit

    today, now = timezone.localdate(), timezone.now()
    sp = trade.co.sales1
    late = trade.shop.customer("过期未跟进五金店", owner=sp)
    done = trade.shop.customer("已再次拜访电器行", owner=sp)
    other = trade.shop.customer("别人的逾期客户", owner=trade.co.sales2)
    for cust, user in ((late, sp), (done, sp), (other, trade.co.sales2)):
        Visit.objects.create(customer=cust, user=user, at=now - timedelta(days=10), channel="visit", purpose="回访",
                             next_visit_on=today - timedelta(days=3))
    Visit.objects.create(customer=done, user=sp, at=now - timedelta(days=1), channel="visit", purpose="回访",
                         next_visit_on=today + timedelta(days=7))
    c = Client()
    c.force_login(sp)
    page = c.get("/").content.decode()
    assert "我的逾期跟进" in page and "过期未跟进五金店" in page and "已过 3 天" in page
    assert "已再次拜访电器行" not in page and "别人的逾期客户" not in page
