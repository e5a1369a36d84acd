"""Pure customer rules (SPEC §1.3, §2): name key, phones, credit codes, duplicates, deadlines, allocation,
confidentiality."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yewu.policy.calendar import TZ, WorkCalendar
from yewu.policy.customers import (
    NAME_SUFFIXES,
    Candidate,
    ExistingCustomer,
    Viewer,
    archive_view,
    check_duplicate,
    check_entry,
    check_set_confidentiality,
    confidentiality_expiry,
    credit_code_check_char,
    credit_code_valid,
    entry_deadline,
    first_contact_deadline,
    name_key,
    normalize_phone,
    phone_valid,
    suggest_allocation,
)

CAL = WorkCalendar()

# --- name key (cust.duplicate) ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [
    "广州电缆有限公司", "广州电缆", "广州电缆公司", "广州电缆股份有限公司", "广州电缆有限责任公司", "广州电缆集团有限公司",
    "广州电缆厂", "广州 电缆", "广州·电缆（集团）有限公司", "　广州电缆　", "广州电缆集团公司",
])
def test_name_key_variants(variant):
    assert name_key(variant) == "广州电缆"


def test_name_key_full_width_latin_and_case():
    assert name_key("ＡＢＣ科技有限公司") == name_key("abc科技") == "abc科技"
    assert name_key("ABC-科技 Co.") == "abc科技co"


def test_name_key_never_empties_a_name_that_is_only_a_suffix():
    assert name_key("公司") == "公司"
    assert name_key("商店") == "商"


chinese = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), min_size=1, max_size=12)


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


@given(st.text(max_size=30))
def test_name_key_is_idempotent(s):
    assert name_key(name_key(s)) == name_key(s)


@given(chinese, st.text(alphabet="abcXYZ0129", max_size=5), st.sampled_from(NAME_SUFFIXES))
def test_name_key_invariant_under_full_width_spaces_and_suffix(core, latin, suffix):
    base = core + latin
    k = name_key(base)
    assert name_key(_full_width(base)) == k
    assert name_key(" ".join(base)) == k
    assert name_key(base + " （" + suffix + "）") == name_key(base + suffix)
    # appending a company-form suffix changes nothing unless the name itself ends in one
    if not any(base.endswith(s) for s in NAME_SUFFIXES):
        assert name_key(base + suffix) == k


# --- phones and credit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("raw, norm", [
    ("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("0086 13800138000", "13800138000"),
    ("８６１３８００１３８０００", "13800138000"), ("020-8888 6666", "02088886666"), ("(020)88886666", "02088886666"),
])
def test_normalize_phone(raw, norm):
    assert normalize_phone(raw) == norm
    assert phone_valid(raw)


@pytest.mark.parametrize("bad", ["12345", "138001380001", "23800138000", "020-abc", "phone", "1380013800x"])
def test_phone_invalid(bad):
    assert not phone_valid(bad)


def test_credit_code_check_digit():
    body = "91440101MA59ABCDE"
    good = body + credit_code_check_char(body)
    assert credit_code_valid(good) and credit_code_valid(good.lower())
    wrong = body + ("0" if good[-1] != "0" else "1")
    assert not credit_code_valid(wrong)
    assert not credit_code_valid(good[:-1])
    assert not credit_code_valid(good.replace("M", "I"))  # I, O, S, V, Z are not in the alphabet


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_exactly_one_check_character_is_valid(body):
    valid = [c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if credit_code_valid(body + c)]
    assert valid == [credit_code_check_char(body)]


# --- check_duplicate ------------------------------------------------------------------------------------------


def existing(name="广州电缆有限公司", city="广州", code="", phones=(), owner="张三", id=1):
    return ExistingCustomer(id=id, name=name, name_key=name_key(name), city=city, credit_code=code,
                            phones=frozenset(phones), owner_name=owner, filed_on=date(2025, 9, 1))


def dup(name, city="广州", code="", phones=(), cands=None):
    return check_duplicate(name=name, city=city, credit_code=code, phones=phones,
                           candidates=cands if cands is not None else [existing()])


def test_duplicate_refusals_name_owner_and_date():
    d = dup("广州电缆")
    assert d.refused and d.rule == "cust.duplicate"
    assert "张三" in d.message() and "2025-09-01" in d.message() and d.data["existing_id"] == 1
    pool = dup("广州电缆", cands=[existing(owner=None)])
    assert "公海" in pool.message()


def test_duplicate_by_code_and_phone():
    assert dup("别的名字", code="91440101MA59ABCDEX", cands=[existing(code="91440101MA59ABCDEX")]).refused
    d = dup("别的名字", city="深圳", phones=["+86 138 0013 8000"], cands=[existing(phones={"13800138000"})])
    assert d.refused and "13800138000" in d.message()


def test_similarity_thresholds_same_city_only():
    cands = [existing("广州市恒通电线电缆制造有限公司")]
    refused = dup("广州市恒通电线电揽制造有限公司", cands=cands)  # 90.9
    assert refused.refused and refused.reasons[0].figures["similarity_only"] is True
    assert dup("广州市恒通电线电揽制造有限公司", city="深圳", cands=cands).outcome == "allowed"
    warn = dup("广州市恒通电线电揽有限公司", cands=[existing("广州市恒通电线电缆有限公司")])  # 88.9
    assert warn.outcome == "warning" and warn.reasons[0].figures["similarity"] == 88.9
    assert dup("深圳华强", cands=cands).outcome == "allowed"


def test_exact_match_is_not_similarity_only():
    assert dup("广州电缆").reasons[0].figures["similarity_only"] is False


def test_thresholds_are_settings():
    from yewu.policy import PolicyConfig

    cfg = PolicyConfig.from_overrides({"cust.duplicate.block_similarity": "85"})
    d = check_duplicate(name="广州市恒通电线电揽有限公司", city="广州", credit_code="", phones=[],
                        candidates=[existing("广州市恒通电线电缆有限公司")], cfg=cfg)
    assert d.refused


# --- deadlines --------------------------------------------------------------------------------------------------


def test_entry_2wd_spec_example():
    collected = date(2025, 9, 25)  # Thu
    assert entry_deadline(collected, CAL) == datetime(2025, 9, 28, 23, 59, 59, tzinfo=TZ)  # Sun (adjusted)
    assert check_entry(collected, datetime(2025, 9, 28, 23, 59, 59, tzinfo=TZ), CAL).outcome == "allowed"
    late = check_entry(collected, datetime(2025, 9, 29, 0, 0, 0, tzinfo=TZ), CAL)
    assert late.outcome == "warning" and late.data["late"] and late.rule == "cust.entry_2wd"
    future = check_entry(date(2025, 9, 26), datetime(2025, 9, 25, 12, tzinfo=TZ), CAL)
    assert future.refused


def test_first_contact_1w_is_7_calendar_days_with_working_day_alternative():
    from yewu.policy import PolicyConfig

    assigned = datetime(2025, 9, 26, 15, 0, tzinfo=TZ)  # Fri
    assert first_contact_deadline(assigned, CAL) == datetime(2025, 10, 3, 23, 59, 59, tzinfo=TZ)
    alt = PolicyConfig.from_overrides({"cust.first_contact_1w.mode": "working_days"})
    # 5 WD after Fri 09-26: Sun 09-28 (adjusted), Mon 09-29, Tue 09-30, Thu 10-09, Fri 10-10
    assert first_contact_deadline(assigned, CAL, alt) == datetime(2025, 10, 10, 23, 59, 59, tzinfo=TZ)


# --- allocation -------------------------------------------------------------------------------------------------


def test_allocation_spec_example():
    cands = [Candidate(1, "A", 40, Decimal("1.0")), Candidate(2, "B", 50, Decimal("1.5")),
             Candidate(3, "C", 30, Decimal("0.8"))]
    d = suggest_allocation(cands)
    assert d.data["suggested_user_id"] == 2
    assert [(r["name"], r["load"]) for r in d.data["ranking"]] == [
        ("B", Decimal("33.3")), ("C", Decimal("37.5")), ("A", Decimal("40.0"))]


def test_allocation_ties():
    same = [Candidate(7, "X", 10, leads_last_30d=2), Candidate(5, "Y", 10, leads_last_30d=1),
            Candidate(6, "Z", 10, leads_last_30d=1)]
    assert suggest_allocation(same).data["suggested_user_id"] == 5  # fewer leads, then lower id
    # ranking uses exact loads, not the rounded ones shown: 1/1.4 = 0.714 and 1/1.5 = 0.667 both show 0.7
    close = [Candidate(1, "P", 1, Decimal("1.4")), Candidate(2, "Q", 1, Decimal("1.5"), leads_last_30d=5)]
    d = suggest_allocation(close)
    assert [r["load"] for r in d.data["ranking"]] == [Decimal("0.7"), Decimal("0.7")]
    assert d.data["suggested_user_id"] == 2


def test_allocation_filters_and_refusal():
    cands = [Candidate(1, "广州仔", 50, territories=frozenset({"广州"}), tags=frozenset({"线束"})),
             Candidate(2, "深圳仔", 1, territories=frozenset({"深圳"})),
             Candidate(3, "通才", 40)]
    assert suggest_allocation(cands, territory="广州").data["suggested_user_id"] == 3
    assert suggest_allocation(cands, territory="广州", tags=["线束"]).data["suggested_user_id"] == 1
    assert suggest_allocation(cands, territory="北京").data["suggested_user_id"] == 3  # no territory: generalists
    assert suggest_allocation([]).refused
    with pytest.raises(ValueError):
        suggest_allocation([Candidate(1, "x", 1, Decimal("3.0"))])


# --- confidentiality -----------------------------------------------------------------------------------------------


def view(roles, level, *, user=9, owner=1, team=10, managed=(), expires=None, grants=()):
    return archive_view(viewer=Viewer(user, frozenset(roles), frozenset(managed), frozenset(grants)), level=level,
                        owner_id=owner, owner_team_id=team, customer_id=100, expires_on=expires, today=date(2025, 10, 1))


def test_archive_view_matrix():
    assert view({"CS"}, "secret") == "full"
    assert view({"CS"}, "confidential") == "card"
    for roles in ({"CSM"}, {"CIA"}, {"FD"}, {"GM"}):
        assert view(roles, "confidential") == "full"
    assert view({"SM"}, "confidential", managed={10}) == "full"
    assert view({"SM"}, "confidential", managed={11}) == "card"
    assert view({"SP"}, "confidential", user=1) == "full"  # owner
    for roles in ({"CS"}, {"FD"}, {"CSM"}, {"SM"}):
        assert view(roles, "top_secret", managed={10}) == "name"
    for roles in ({"CIA"}, {"GM"}):
        assert view(roles, "top_secret") == "full"
    assert view({"SP"}, "top_secret", user=1) == "full"
    assert view({"FD"}, "top_secret", grants={100}) == "full"
    # after the period the level drops to internal (row access only)
    assert view({"CS"}, "top_secret", expires=date(2025, 9, 30)) == "full"
    assert view({"CS"}, "top_secret", expires=date(2025, 10, 1)) == "name"


def test_who_sets_levels():
    assert check_set_confidentiality("top_secret", "secret", frozenset({"SP"})).refused
    assert check_set_confidentiality("top_secret", "secret", frozenset({"SM"})).refused
    assert check_set_confidentiality("top_secret", "secret", frozenset({"GM"})).allowed
    assert check_set_confidentiality("confidential", "secret", frozenset({"SP"})).refused
    assert check_set_confidentiality("confidential", "secret", frozenset({"CSM"})).allowed
    assert check_set_confidentiality("secret", "top_secret", frozenset({"SM"})).refused
    assert check_set_confidentiality("secret", "top_secret", frozenset({"GM"})).allowed
    assert check_set_confidentiality("secret", "secret", frozenset({"SP"})).allowed
    # issue 10b: lifting 机密 is the SM's or CSM's too, never the owner's or a CS agent's
    assert check_set_confidentiality("secret", "confidential", frozenset({"SP"})).refused
    assert check_set_confidentiality("secret", "confidential", frozenset({"CS"})).refused
    assert check_set_confidentiality("secret", "confidential", frozenset({"CSM"})).allowed
    assert check_set_confidentiality("top_secret", "top_secret", frozenset({"SM"})).allowed  # no change


def test_confidentiality_expiry_5_years():
    assert confidentiality_expiry(date(2025, 10, 1)) == date(2030, 10, 1)
    assert confidentiality_expiry(date(2028, 2, 29)) == date(2033, 2, 28)
