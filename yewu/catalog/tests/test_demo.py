"""The demo catalogue (yewu/catalog/demo.py): every kind, effective-dated history, audited, loaded once."""

from datetime import timedelta

from django.utils import timezone

from yewu.audit.models import AuditEntry
from yewu.catalog import demo
from yewu.catalog.models import GuidePrice, Kind, PriceSource, Product


def test_demo_catalogue_has_every_kind_with_price_history_and_loads_once(db):
    out = demo.load()
    assert out["products"] == len(demo.PRODUCTS) >= 25
    assert set(Product.objects.values_list("kind", flat=True)) == set(Kind.values)
    today = timezone.localdate()
    for p in Product.objects.all():
        g = p.guide_price_on(today)
        assert g is not None and g.price > 0, p.code
        # a price in force well before the demo's oldest orders (3 months)
        assert p.guide_price_on(today - timedelta(days=120)) is not None, p.code
    bv = Product.objects.get(code="BV-2.5")
    assert str(bv.guide_price_on(today).price) == "268.00"
    assert str(bv.guide_price_on(today - timedelta(days=60)).price) == "252.00"
    assert GuidePrice.objects.count() > Product.objects.count()
    assert Product.objects.get(code="DZ-YJV62-1X240").price_source == PriceSource.FINANCE
    assert Product.objects.get(code="FG-BV-2.5").on_guide_list is False
    assert AuditEntry.objects.filter(object_type="catalog.product", action="create").count() == Product.objects.count()

    counts = (Product.objects.count(), GuidePrice.objects.count(), AuditEntry.objects.count())
    assert "products" not in demo.load()
    assert (Product.objects.count(), GuidePrice.objects.count(), AuditEntry.objects.count()) == counts
