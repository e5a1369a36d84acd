"""Quote numbers come from the shared document counter (kind BJ); the data migration that switched to it seeds each
day's counter from the quotes numbered before, so a number is never given twice."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from yewu.common.models import DocumentSequence
from yewu.sales.models import Quote
from yewu.sales.quotes import services as quotes

from .test_sales import setup  # noqa: F401  (fixture)

seed = importlib.import_module("yewu.sales.migrations.0005_seed_quote_numbers").seed_quote_sequences


def _new(company, c1):
    return quotes.create_quote(company.sales1, {"customer_id": c1.pk, "lines": []})


def test_quotes_take_the_shared_counter(company, setup):  # noqa: F811
    _, c1, _ = setup
    today = timezone.localdate()
    a, b = _new(company, c1), _new(company, c1)
    assert (a.number, b.number) == (f"YWBJ-{today:%Y%m%d}-01", f"YWBJ-{today:%Y%m%d}-02")
    assert DocumentSequence.objects.get(kind="BJ", day=today).last == 2


def test_seeding_continues_after_the_numbers_already_given(company, setup):  # noqa: F811
    _, c1, _ = setup
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    # quotes numbered the old way (max + 1), with a gap, and one of an earlier day; no counter rows yet
    q1, q2, q3 = _new(company, c1), _new(company, c1), _new(company, c1)
    Quote.objects.filter(pk=q3.pk).update(number=f"YWBJ-{yesterday:%Y%m%d}-12")
    Quote.objects.filter(pk=q2.pk).update(number=f"YWBJ-{today:%Y%m%d}-07")
    Quote.objects.filter(pk=q1.pk).update(number=f"YWBJ-{today:%Y%m%d}-03")
    DocumentSequence.objects.filter(kind="BJ").delete()
    DocumentSequence.objects.create(kind="ZZ", day=today, last=40)  # another kind is left alone

    seed(apps, None)

    assert DocumentSequence.objects.get(kind="BJ", day=today).last == 7
    assert DocumentSequence.objects.get(kind="BJ", day=yesterday).last == 12
    assert DocumentSequence.objects.get(kind="ZZ", day=today).last == 40
    assert _new(company, c1).number == f"YWBJ-{today:%Y%m%d}-08"
    assert quotes.next_number(yesterday) == f"YWBJ-{yesterday:%Y%m%d}-13"


def test_seeding_never_lowers_a_counter(company, setup):  # noqa: F811
    _, c1, _ = setup
    today = timezone.localdate()
    _new(company, c1)
    DocumentSequence.objects.filter(kind="BJ", day=today).update(last=20)  # numbers 02..20 given and rolled back
    seed(apps, None)
    assert DocumentSequence.objects.get(kind="BJ", day=today).last == 20
    assert _new(company, c1).number == f"YWBJ-{today:%Y%m%d}-21"
    assert len(set(Quote.objects.values_list("number", flat=True))) == Quote.objects.count()
