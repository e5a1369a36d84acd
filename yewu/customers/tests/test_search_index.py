"""Customer search and duplicate candidates on the token index (issue 14)."""

import pytest

from yewu.customers.archive.services import add_contact
from yewu.customers.models import Customer, SearchToken
from yewu.customers.search.selectors import search
from yewu.customers.search.tokens import key_pairs
from yewu.customers.services import ContactIn, update_customer

pytestmark = pytest.mark.django_db


def _ids(q):
    return set(search(Customer.objects.all(), q).values_list("id", flat=True))


def test_initials_of_any_part_upper_case_too_phone_digits_and_names(company, make_customer, api_client):
    yk = make_customer(company.sales1, name="广州市盈科电子有限公司", mobile="13812345678")
    other = make_customer(company.sales1, name="广州电缆有限公司", mobile="13900001111")
    for q in ("gzyk", "yk", "GZYK", "Yk", "gzsyk", "kdz", "yingke", "盈科", "州市盈", "5678", "138123", "12345678"):
        assert _ids(q) == {yk.pk}, q
    assert _ids("广州") == {yk.pk, other.pk}
    assert _ids("gz") == {yk.pk, other.pk}
    assert _ids("盈") == {yk.pk}  # one character: scanned, still found
    assert _ids("ykx") == set() and _ids("123") == set()
    # the API of the type-ahead picker answers the same
    r = api_client(company.sales1).get("/api/v1/customers", {"q": "yk"})
    assert [i["id"] for i in r.json()["items"]] == [yk.pk]


def test_the_index_follows_renames_and_new_contacts(company, make_customer):
    c = make_customer(company.sales1, name="广州市盈科电子有限公司")
    update_customer(company.sales1, c.pk, {"name": "广州市恒通电线有限公司"})
    assert _ids("yk") == set() and _ids("htdx") == {c.pk} and _ids("恒通") == {c.pk}
    add_contact(company.sales1, c.pk, ContactIn(name="王五", mobile="13700002222"))
    assert _ids("00002222") == {c.pk}
    assert SearchToken.objects.filter(customer=c, token__startswith="b:盈").count() == 0


def test_a_similar_name_without_a_shared_pair_cannot_reach_the_warning():
    from rapidfuzz import fuzz

    # no pair at distance ≤ 2 in common: the best case of similarity is 2/3 (below any threshold ≥ 67)
    assert not key_pairs("ab") & key_pairs("axxb") and fuzz.ratio("ab", "axxb") < 67
    assert key_pairs("盈科电子") & key_pairs("盈科电器")
