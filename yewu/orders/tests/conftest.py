from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone


@pytest.fixture
def shop(company):
    from yewu.catalog.models import GuidePrice, Product
    from yewu.customers.models import Customer

    def product(code, price, kind="standard"):
        p = Product.objects.create(code=code, name=f"产品{code}", kind=kind, unit="米")
        GuidePrice.objects.create(product=p, price=Decimal(price), effective_from=date(2020, 1, 1))
        return p

    def customer(name, owner=None, city="广州", addr="广州市天河区天河路100号", grade="A", limit="100000.00", **kw):
        return Customer.objects.create(
            name=name, name_key=name, city=city, source="direct", collected_on=date.today(), entry_due_at=timezone.now(),
            owner=owner or company.sales1, created_by=owner or company.sales1, delivery_address=addr,
            credit_grade=grade, credit_limit=Decimal(limit), **kw,
        )

    class Shop:
        pass

    s = Shop()
    s.company = company
    s.cable = product("DL-1", "100.00")
    s.custom = product("DZ-1", "1000.00", kind="custom")
    def signed_contract(order):
        """Test setup shortcut: the order's sales contract, already reviewed and signed (SPEC §4.4)."""
        from yewu.orders.models import Contract

        return Contract.objects.create(order=order, customer=order.customer, amount=order.total, status="signed",
                                       number=f"YWXS-TEST-{order.pk}", signed_on=date.today(), created_by=company.sales1)

    s.product, s.customer, s.signed_contract = product, customer, signed_contract
    s.gz = customer("广州老客户", invoice_choice="vat_special")
    return s
