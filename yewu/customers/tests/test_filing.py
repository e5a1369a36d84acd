"""cust.first_to_file, cust.duplicate, cust.required_fields, cust.entry_2wd at the service layer."""

from datetime import date, datetime

import pytest
from yewu.customers.services import ContactIn, CustomerIn, file_customer

from yewu.common.errors import Conflict, ValidationError
from yewu.customers.models import OwnershipChange
from yewu.policy.calendar import TZ


def cust(name="广州电缆有限公司", city="广州", mobile="13800138000", **kw):
    return CustomerIn(name=name, city=city, source="direct", contacts=[ContactIn(name="陈先生", mobile=mobile)], **kw)


def test_first_filer_owns_and_duplicate_names_owner_and_date(company):
    c, _ = file_customer(company.sales1, cust())
    assert c.owner == company.sales1
    assert OwnershipChange.objects.get(customer=c).kind == "filed"
    for variant in ["广州电缆", "广州电缆公司", "ＧＵＡＮＧＺＨＯＵ", "广州 电缆 (集团) 有限公司"][:2] + ["广州电缆(集团)有限公司"]:
        with pytest.raises(Conflict) as e:
            file_customer(company.sales2, cust(name=variant, mobile="13900139000"))
        assert e.value.rule == "cust.duplicate"
        assert "张三" in e.value.message and c.created_at.astimezone(TZ).date().isoformat() in e.value.message


def test_same_phone_in_other_format_is_duplicate(company):
    file_customer(company.sales1, cust())
    with pytest.raises(Conflict) as e:
        file_customer(company.sales3, cust(name="完全不同贸易", city="佛山", mobile="+86 138-0013-8000"))
    assert "13800138000" in e.value.message


def test_typo_in_same_city_is_refused_but_other_city_is_not(company):
    # keys: 广州市恒通电线电缆制造 vs 广州市恒通电线电揽制造 → similarity 90.9 ≥ 90 → refused
    file_customer(company.sales1, cust(name="广州市恒通电线电缆制造有限公司"))
    with pytest.raises(Conflict) as e:
        file_customer(company.sales2, cust(name="广州市恒通电线电揽制造有限公司", mobile="13900139001"))
    assert "相似度" in e.value.message
    c, d = file_customer(company.sales3, cust(name="广州市恒通电线电揽制造有限公司", city="深圳", mobile="13900139002"))
    assert c.pk and d.allowed


def test_similarity_80_to_89_only_warns(company):
    # 广州市恒通电线电缆 vs 广州市恒通电线电揽: 1 of 9 characters differs → 88.9 → warning, saved
    file_customer(company.sales1, cust(name="广州市恒通电线电缆有限公司"))
    c, d = file_customer(company.sales2, cust(name="广州市恒通电线电揽有限公司", mobile="13900139001"))
    assert c.owner == company.sales2
    assert d.outcome == "warning" and "88.9" in str(d.reasons[0].figures["similarity"])


def test_required_contact_and_bad_inputs(company):
    with pytest.raises(ValidationError) as e:
        file_customer(company.sales1, CustomerIn(name="某公司", city="广州", source="direct", contacts=[]))
    assert e.value.rule == "cust.required_fields"
    for bad in [cust(name=""), cust(name="x" * 101), cust(mobile="12345"), cust(name="<script>alert(1)</script>"),
                cust(credit_code="91440101MA59ABCDE0")]:
        with pytest.raises(ValidationError):
            file_customer(company.sales1, bad)


def test_late_entry_flag_uses_working_days(company):
    collected = date(2025, 9, 25)  # Thu → due end of Sun 09-28 (adjusted working day)
    on_time = datetime(2025, 9, 28, 23, 0, tzinfo=TZ)
    late = datetime(2025, 9, 29, 0, 0, 1, tzinfo=TZ)
    c1, _ = file_customer(company.sales1, cust(name="甲公司", mobile="13800000001", collected_on=collected), now=on_time)
    c2, d = file_customer(company.sales1, cust(name="乙公司", mobile="13800000002", collected_on=collected), now=late)
    assert not c1.late_entry and c2.late_entry
    assert d.reasons[0].rule == "cust.entry_2wd"
