"""Customer rules of SPEC §1.3 and §2 as pure functions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from rapidfuzz import fuzz

from .calendar import TZ, WorkCalendar, deadline_after_days
from .config import DEFAULT, PolicyConfig
from .decision import Decision, Reason

# --- normalisation (cust.duplicate) -------------------------------------------------------------

# longest first, so 有限责任公司 is removed before 公司
NAME_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "集团", "公司", "经营部", "商行", "厂", "店")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """Normalised name key: NFKC (full-width → half-width), lower case, punctuation and spaces removed,
    the company-form suffixes of SPEC removed wherever they occur at the end (repeatedly)."""
    s = unicodedata.normalize("NFKC", name or "").lower()
    s = _PUNCT.sub("", s)
    changed = True
    while changed and s:
        changed = False
        for suf in NAME_SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                changed = True
                break
    return s


def normalize_phone(phone: str) -> str:
    """Digits only; +86 / 0086 country prefix dropped."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$|^[2-9]\d{6,7}$|^400\d{7}$|^800\d{7}$")


def phone_valid(phone: str) -> bool:
    raw = unicodedata.normalize("NFKC", phone or "").strip()
    if not re.fullmatch(r"[\d\s+\-()（）]*", raw):
        return False
    d = normalize_phone(raw)
    return bool(_MOBILE.match(d) or _LANDLINE.match(d))


# 统一社会信用代码 (GB 32100-2015): 18 chars over this alphabet, last is a check character.
_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_CC_ALPHABET.index(c) * w for c, w in zip(first17, _CC_WEIGHTS, strict=True))
    return _CC_ALPHABET[(31 - total % 31) % 31]


def credit_code_valid(code: str) -> bool:
    code = (code or "").strip().upper()
    if len(code) != 18 or any(c not in _CC_ALPHABET for c in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def similarity(a_key: str, b_key: str) -> float:
    return fuzz.ratio(a_key, b_key)


# --- duplicate decision -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExistingCustomer:
    id: int
    name: str
    name_key: str
    city: str
    credit_code: str
    phones: frozenset[str]
    owner_name: str | None  # None = pool
    filed_on: date


def _owner_text(c: ExistingCustomer) -> tuple[str, str]:
    return (c.owner_name or "公海（未分配）", c.owner_name or "the unassigned pool")


def check_duplicate(
    *,
    name: str,
    city: str,
    credit_code: str,
    phones: Iterable[str],
    candidates: Sequence[ExistingCustomer],
    cfg: PolicyConfig = DEFAULT,
) -> Decision:
    """`cust.duplicate` / `cust.first_to_file`: refuse when an existing customer matches.

    Candidates are whatever the caller found by key, code, phone or same-city name; this function decides.
    Refused → HTTP 409 naming the owner and the filing date; similarity 80–89 only warns.
    """
    key = name_key(name)
    phones_n = {normalize_phone(p) for p in phones if normalize_phone(p)}
    code = (credit_code or "").strip().upper()
    block = cfg["cust.duplicate.block_similarity"]
    warn = cfg["cust.duplicate.warn_similarity"]
    warnings: list[Reason] = []
    for c in candidates:
        owner_zh, owner_en = _owner_text(c)
        filed = c.filed_on.isoformat()
        figures = {"existing_id": c.id, "existing_name": c.name, "owner": c.owner_name, "filed_on": filed}
        match_zh = match_en = None
        if code and c.credit_code and code == c.credit_code.upper():
            match_zh, match_en = f"统一社会信用代码 {code} 相同", f"same credit code {code}"
        elif key and key == c.name_key:
            match_zh, match_en = "名称相同（规范化后）", "same normalised name"
        elif phones_n & c.phones:
            p = sorted(phones_n & c.phones)[0]
            match_zh, match_en = f"联系电话 {p} 相同", f"same phone {p}"
        else:
            score = similarity(key, c.name_key) if key and c.name_key else 0.0
            same_city = (city or "").strip() == (c.city or "").strip()
            if same_city and score >= block:
                match_zh = f"同城名称高度相似（相似度 {score:.0f} ≥ {block}）"
                match_en = f"near-identical name in the same city (similarity {score:.0f} ≥ {block})"
                figures["similarity"] = round(score, 1)
            elif same_city and score >= warn:
                warnings.append(
                    Reason(
                        "cust.duplicate",
                        f"提示：与「{c.name}」名称相似（相似度 {score:.0f}），负责人 {owner_zh}，建档于 {filed}，请确认不是同一客户",
                        f"Note: similar to '{c.name}' (similarity {score:.0f}), owner {owner_en}, filed {filed}",
                        {**figures, "similarity": round(score, 1), "similarity_only": True},
                    )
                )
                continue
        if match_zh:
            return Decision.refuse(
                Reason(
                    "cust.duplicate",
                    f"客户已存在：「{c.name}」（{match_zh}），由 {owner_zh} 于 {filed} 建档；按先建档者跟进原则，不能重复建档或接手",
                    f"Customer already filed: '{c.name}' ({match_en}) by {owner_en} on {filed}; "
                    "the first to file follows it (cust.first_to_file)",
                    {**figures, "similarity_only": "similarity" in figures},
                ),
                existing_id=c.id,
            )
    if warnings:
        return Decision.warn(*warnings)
    return Decision.allow()


# --- deadlines ------------------------------------------------------------------------------------


def entry_deadline(collected_on: date, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> datetime:
    """`cust.entry_2wd`: archive entered by 23:59:59 of the 2nd working day after collection."""
    return cal.deadline_after_working_days(collected_on, cfg["cust.entry_2wd.working_days"])


def check_entry(collected_on: date, entered_at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> Decision:
    today = entered_at.astimezone(TZ).date()
    if collected_on > today:
        return Decision.refuse(
            Reason(
                "cust.entry_2wd",
                f"收集日期 {collected_on} 不能晚于今天 {today}",
                f"collection date {collected_on} cannot be in the future (today {today})",
                {"collected_on": collected_on, "today": today},
            )
        )
    due = entry_deadline(collected_on, cal, cfg)
    n = cfg["cust.entry_2wd.working_days"]
    if entered_at > due:
        return Decision.warn(
            Reason(
                "cust.entry_2wd",
                f"逾期录入：收集于 {collected_on}，应在 {n} 个工作日内（{due:%Y-%m-%d %H:%M}前）录入",
                f"Late entry: collected {collected_on}, due within {n} working days (by {due:%Y-%m-%d %H:%M})",
                {"collected_on": collected_on, "due": due, "late": True},
            ),
            late=True,
            entry_due=due,
        )
    return Decision.allow(late=False, entry_due=due)


def first_contact_deadline(assigned_at: datetime, cal: WorkCalendar, cfg: PolicyConfig = DEFAULT) -> datetime:
    """`cust.first_contact_1w`: 7 calendar days from assignment (Alt: N working days)."""
    if cfg["cust.first_contact_1w.mode"] == "working_days":
        return cal.deadline_after_working_days(assigned_at.astimezone(TZ).date(), cfg["cust.first_contact_1w.working_days"])
    return deadline_after_days(assigned_at, cfg["cust.first_contact_1w.days"])


def first_contact_reason(assigned_at: datetime, due: datetime, now: datetime) -> Reason:
    days = (now - due).days
    return Reason(
        "cust.first_contact_1w",
        f"首次联系逾期：{assigned_at.astimezone(TZ):%Y-%m-%d} 分配，应于 {due:%Y-%m-%d %H:%M} 前联系，已逾期 {days} 天",
        f"First contact overdue: assigned {assigned_at.astimezone(TZ):%Y-%m-%d}, due {due:%Y-%m-%d %H:%M}",
        {"assigned_at": assigned_at, "due": due, "days_overdue": days},
    )


# --- web-lead allocation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    active_customers: int
    ability: Decimal = Decimal("1.0")
    leads_last_30d: int = 0
    territories: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    @property
    def load(self) -> Decimal:
        return (Decimal(self.active_customers) / self.ability).quantize(Decimal("0.1"), ROUND_HALF_UP)


def suggest_allocation(
    candidates: Sequence[Candidate], *, territory: str = "", tags: Iterable[str] = (), cfg: PolicyConfig = DEFAULT
) -> Decision:
    """`cust.web_lead_allocation`: lowest load = owned active customers ÷ ability factor;
    ties → fewer leads in the last 30 days → lower user id. Filtered by territory and tags when set."""
    lo, hi = cfg["cust.web_lead_allocation.ability_min"], cfg["cust.web_lead_allocation.ability_max"]
    pool = list(candidates)
    if territory:
        t = [c for c in pool if not c.territories or territory in c.territories]
        pool = t or pool
    want = set(tags)
    if want:
        t = [c for c in pool if want & c.tags]
        pool = t or pool
    if not pool:
        return Decision.refuse(
            Reason("cust.web_lead_allocation", "本组没有可分配的在职业务员", "no active salesperson in the team")
        )
    for c in pool:
        if not (lo <= c.ability <= hi):
            raise ValueError(f"ability factor {c.ability} outside {lo}–{hi}")
    ranked = sorted(pool, key=lambda c: (Decimal(c.active_customers) / c.ability, c.leads_last_30d, c.user_id))
    best = ranked[0]
    table = "，".join(f"{c.name} {c.active_customers}÷{c.ability}={c.load}" for c in ranked)
    return Decision.allow(
        Reason(
            "cust.web_lead_allocation",
            f"建议分配给 {best.name}（负荷最低：{table}）",
            f"Suggest {best.name} (lowest load: " + ", ".join(f"{c.name} {c.load}" for c in ranked) + ")",
            {"suggested_user_id": best.user_id, "loads": {c.user_id: str(c.load) for c in ranked}},
        ),
        suggested_user_id=best.user_id,
        ranking=[{"user_id": c.user_id, "name": c.name, "load": c.load, "leads_last_30d": c.leads_last_30d} for c in ranked],
    )


# --- confidentiality (cust.confidentiality, acl.*) -------------------------------------------------

LEVEL_SECRET, LEVEL_CONFIDENTIAL, LEVEL_TOP = "secret", "confidential", "top_secret"  # 秘密 机密 绝密
LEVEL_INTERNAL = "internal"  # after expiry: row access only


@dataclass(frozen=True)
class Viewer:
    user_id: int
    roles: frozenset[str]
    team_ids: frozenset[int]  # teams the user manages (SM)
    granted: frozenset[int] = frozenset()  # customer ids lent to the viewer (`cust.archive_access_request`, dated, valid)


def archive_view(
    *,
    viewer: Viewer,
    level: str,
    owner_id: int | None,
    owner_team_id: int | None,
    customer_id: int,
    expires_on: date | None,
    today: date,
) -> str:
    """What part of a visible customer the viewer may read: 'full', 'card' (service card) or 'name'.

    Row access (may the viewer see the record at all) is decided separately; this is the 密级 layer.
    """
    if expires_on and today > expires_on:
        level = LEVEL_INTERNAL
    roles = viewer.roles
    if level in (LEVEL_SECRET, LEVEL_INTERNAL):
        return "full"
    is_owner = owner_id is not None and owner_id == viewer.user_id
    is_owner_sm = "SM" in roles and owner_team_id is not None and owner_team_id in viewer.team_ids
    if level == LEVEL_CONFIDENTIAL:
        if is_owner or is_owner_sm or roles & {"CSM", "CIA", "FD", "GM"} or customer_id in viewer.granted:
            return "full"
        return "card"
    # top secret
    if is_owner or roles & {"CIA", "GM"} or customer_id in viewer.granted:
        return "full"
    return "name"


def confidentiality_expiry(set_on: date, cfg: PolicyConfig = DEFAULT) -> date:
    years = cfg["cust.confidentiality.years"]
    try:
        return set_on.replace(year=set_on.year + years)
    except ValueError:  # 29 Feb
        return set_on.replace(year=set_on.year + years, day=28)


CONFIDENTIALITY_SETTERS = frozenset({"SM", "CSM", "GM"})  # cust.confidentiality: 机密 by SM or CSM; 绝密 GM


def may_set_confidentiality(roles: frozenset[str]) -> bool:
    """Whether these roles may change a customer's level at all (then :func:`check_set_confidentiality` decides
    the change). This, not the right to edit the archive, opens the level to the CSM and to the owner's SM of a
    绝密 customer, so that their refusal names `cust.confidentiality`."""
    return bool(roles & CONFIDENTIALITY_SETTERS)


def check_set_confidentiality(level: str, current: str, roles: frozenset[str]) -> Decision:
    """The one decision on a level change (SPEC §1.3): 机密 set or lifted by SM or CSM (or GM); 绝密 set or lowered
    only by the GM; anyone else changes no level. The same level again is no change."""
    if level == current:
        return Decision.allow()
    if current == LEVEL_TOP and level != LEVEL_TOP and "GM" not in roles:
        return Decision.refuse(Reason("cust.confidentiality", "只有总经理可以降低绝密级别", "only the GM may lower 绝密"))
    if level == LEVEL_TOP and "GM" not in roles:
        return Decision.refuse(Reason("cust.confidentiality", "只有总经理可以设定绝密级别", "only the GM may set 绝密"))
    if not may_set_confidentiality(roles):
        return Decision.refuse(
            Reason("cust.confidentiality", "机密级别由业务经理或客服经理设定", "机密 is set by the SM or CSM")
        )
    return Decision.allow()


def timedelta_days(n: int) -> timedelta:
    return timedelta(days=n)


# --- cust.archive_quarterly_review: the CIA's completeness check ------------------------------------------

COMPLETENESS_FIELDS = (
    ("credit_code", "统一社会信用代码"), ("registered_address", "注册地址"), ("delivery_address", "送货地址"),
    ("industry", "行业"), ("category", "类别"), ("invoice_choice", "发票"),
)


def archive_missing(values: dict, *, kind: str, has_decision_maker: bool) -> list[str]:
    """What a complete archive still lacks (the CIA's quarterly check). Individuals have no credit code."""
    missing = [label for key, label in COMPLETENESS_FIELDS
               if not values.get(key) and not (key == "credit_code" and kind == "individual")]
    if not has_decision_maker:
        missing.append("决策人联系人")
    return missing
