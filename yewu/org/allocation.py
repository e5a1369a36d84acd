"""The SM's allocation settings of each salesperson (SPEC §2.4 `cust.web_lead_allocation`): ability factor
(0.5–2.0, default 1.0), territory (cities) and knowledge tags, which the lead-allocation suggestion reads
(:func:`yewu.customers.services.suggest_for`). Read and changed by the salesperson's SM or the GM; every change
is audited. Reads (:func:`targets`, :func:`target_for`) and the one write (:func:`update`) live here."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet

from yewu.audit.services import record, snapshot
from yewu.common.errors import NotFound, ValidationError
from yewu.common.text import clean_text

from .directory import with_role
from .models import Role, User
from .permissions import can, require
from .selectors import managed_team_ids

RULE = "cust.web_lead_allocation"
ABILITY_MIN, ABILITY_MAX = Decimal("0.5"), Decimal("2.0")
MAX_ITEMS = 20
ITEM_LEN = {"territories": 20, "knowledge_tags": 30}
LABEL = {"territories": "负责区域", "knowledge_tags": "知识标签"}
COLUMN_LEN = 200  # User.territories / User.knowledge_tags
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SEPARATORS = re.compile(r"[,，、;；]")


def split(value: str) -> list[str]:
    """The stored comma list as items (as the allocation suggestion reads it)."""
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def targets(actor: User) -> QuerySet[User]:
    """Active salespeople whose settings ``actor`` may read and change: the GM all, an SM their teams'."""
    require(actor, "sets_allocation", rule=RULE)
    qs = with_role(User.objects.filter(is_active=True), Role.SP).select_related("team").order_by("team_id", "id")
    if can(actor, "sees_all_users"):
        return qs
    return qs.filter(team_id__in=managed_team_ids(actor))


def target_for(actor: User, user_id: int) -> User:
    u = targets(actor).filter(pk=user_id).first()
    if u is None:
        raise NotFound("业务员不存在，或不在您管理的团队", rule=RULE)
    return u


def parse_ability(value) -> Decimal:
    """0.5–2.0 with at most one decimal place (the column's precision); a JSON number or a numeric string."""
    field = "ability_factor"
    if isinstance(value, bool):
        raise ValidationError("能力系数须为数字", fields={field: "须为数字"}, rule=RULE)
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"能力系数不是有效数字：{str(value)[:20]}", fields={field: "须为数字"}, rule=RULE) from None
    if not d.is_finite() or not ABILITY_MIN <= d <= ABILITY_MAX:
        raise ValidationError(f"能力系数须在 {ABILITY_MIN}–{ABILITY_MAX} 之间（现为 {str(value)[:20]}）",
                              fields={field: f"{ABILITY_MIN}–{ABILITY_MAX}"}, rule=RULE)
    if d != d.quantize(Decimal("0.1")):
        raise ValidationError(f"能力系数最多 1 位小数（现为 {value}）", fields={field: "最多 1 位小数"}, rule=RULE)
    return d.quantize(Decimal("0.1"))


def parse_items(value, field: str) -> str:
    """A list of short names (or one string separated by commas/、) → the stored comma list, de-duplicated."""
    label, max_len = LABEL[field], ITEM_LEN[field]
    raw = value if isinstance(value, (list, tuple)) else _SEPARATORS.split(str(value or ""))
    if len(raw) > 100:
        raise ValidationError(f"{label}最多 {MAX_ITEMS} 项", fields={field: f"最多 {MAX_ITEMS} 项"}, rule=RULE)
    out: list[str] = []
    for item in raw:
        s = str(item if item is not None else "")
        if _CONTROL.search(s) or _SEPARATORS.search(s):
            raise ValidationError(f"{label}不能包含控制字符或分隔符：{s[:20]!r}", fields={field: "含非法字符"}, rule=RULE)
        s = clean_text(s, field=field, label=label, max_len=max_len)
        if s and s not in out:
            out.append(s)
    if len(out) > MAX_ITEMS:
        raise ValidationError(f"{label}最多 {MAX_ITEMS} 项（现为 {len(out)}）", fields={field: f"最多 {MAX_ITEMS} 项"},
                              rule=RULE)
    joined = ",".join(out)
    if len(joined) > COLUMN_LEN:
        raise ValidationError(f"{label}合计不能超过 {COLUMN_LEN} 个字符", fields={field: f"合计最多 {COLUMN_LEN} 个字符"},
                              rule=RULE)
    return joined


FIELDS = ("ability_factor", "territories", "knowledge_tags")


@transaction.atomic
def update(actor: User, user_id: int, *, ability_factor=None, territories=None, knowledge_tags=None,
           reason: str = "") -> User:
    """Change any of the three settings (``None`` leaves one as it is); audited with before → after."""
    target_for(actor, user_id)  # scope first: 403 without the ability, 404 outside the SM's teams
    u = User.objects.select_for_update().get(pk=user_id)
    changes: dict = {}
    if ability_factor is not None:
        changes["ability_factor"] = parse_ability(ability_factor)
    if territories is not None:
        changes["territories"] = parse_items(territories, "territories")
    if knowledge_tags is not None:
        changes["knowledge_tags"] = parse_items(knowledge_tags, "knowledge_tags")
    reason = clean_text(reason, field="reason", label="原因", max_len=200)
    if not changes:
        raise ValidationError("请至少填写一项：能力系数、负责区域或知识标签", fields={f: "可选" for f in FIELDS}, rule=RULE)
    before = snapshot(u, list(changes))
    for k, v in changes.items():
        setattr(u, k, v)
    u.save(update_fields=list(changes))
    record(actor=actor, action="update", obj=u, before=before, after=snapshot(u, list(changes)), rule=RULE,
           reason=reason)
    return u
