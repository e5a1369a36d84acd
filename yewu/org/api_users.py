"""The user directory and the SM's allocation settings, for API clients (issue 10 §12, §10b).

* ``GET /api/v1/me`` — who I am: id, name, roles, team, the teams I manage, my abilities.
* ``GET /api/v1/users`` — the users I may see (:mod:`yewu.org.directory`): id, name, roles, team; filters
  ``role``, ``team_id``. What a client needs for a transfer (``to_user_id``) or a lead allocation.
* ``GET /api/v1/allocation-settings`` — the salespeople whose allocation settings I set (SM: own teams, GM: all):
  ability factor, territories, knowledge tags (`cust.web_lead_allocation`).
* ``GET|PUT /api/v1/allocation-settings/{user_id}`` — read / change one; ability factor 0.5–2.0 (one decimal),
  territories and tags as lists of short names; each change audited.
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Path, Query, Router, Schema
from pydantic import Field

from yewu.common.errors import ValidationError
from yewu.common.schemas import ERRORS

from . import allocation, directory
from .models import Role, User
from .selectors import managed_team_ids

me_router = Router(tags=["users"])
users_router = Router(tags=["users"])
allocation_router = Router(tags=["users"])

ROLE_CODES = [c for c, _ in Role.choices]
MAX_ID = 2**63 - 1  # a bigint primary key; larger ids are refused before they reach the database


class TeamOut(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    name: str
    roles: list[str]
    team: TeamOut | None


class UserListOut(Schema):
    count: int
    items: list[UserOut]


class MeOut(UserOut):
    username: str
    managed_team_ids: list[int]
    abilities: list[str]


class AllocationSettingsOut(Schema):
    user_id: int
    name: str
    team: TeamOut | None
    ability_factor: str
    territories: list[str]
    knowledge_tags: list[str]
    rule: str = allocation.RULE


class AllocationListOut(Schema):
    count: int
    items: list[AllocationSettingsOut]


class AllocationSettingsIn(Schema):
    ability_factor: Decimal | None = Field(None, description="0.5–2.0, one decimal place")
    territories: list[str] | None = Field(None, max_length=100, description="cities, e.g. [\"广州\", \"佛山\"]")
    knowledge_tags: list[str] | None = Field(None, max_length=100)
    reason: str = Field("", max_length=200)


class UsersErrorOut(Schema):
    error: str
    message: str
    fields: dict[str, str]
    rule: str | None = None


def _team(u: User) -> dict | None:
    return {"id": u.team_id, "name": u.team.name} if u.team_id else None


def user_out(u: User) -> dict:
    return {"id": u.pk, "name": u.name, "roles": list(u.roles or []), "team": _team(u)}


def allocation_out(u: User) -> dict:
    return {"user_id": u.pk, "name": u.name, "team": _team(u), "ability_factor": str(u.ability_factor),
            "territories": allocation.split(u.territories), "knowledge_tags": allocation.split(u.knowledge_tags)}


@me_router.get("", response={200: MeOut, **ERRORS}, summary="The calling user: id, name, roles, team, managed teams, abilities")
def me(request):
    u = User.objects.select_related("team").get(pk=request.auth.pk)
    return {**user_out(u), "username": u.username, "managed_team_ids": sorted(managed_team_ids(u)),
            "abilities": directory.abilities_of(u)}


@users_router.get("", response={200: UserListOut, **ERRORS},
                  summary="Users I may see (GM all; SM own teams; everyone self and own SM): ids for transfers and allocations")
def list_users(request, role: str = Query("", max_length=10), team_id: int | None = Query(None, ge=1, le=MAX_ID),
               limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000)):
    qs = directory.users_visible_to(request.auth)
    if role:
        if role not in ROLE_CODES:
            raise ValidationError(f"未知角色 {role[:10]}；可选 {', '.join(ROLE_CODES)}", fields={"role": "未知角色"})
        qs = directory.with_role(qs, role)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    return {"count": qs.count(), "items": [user_out(u) for u in qs[offset:offset + limit]]}


@allocation_router.get("", response={200: AllocationListOut, **ERRORS},
                       summary="Allocation settings of the salespeople I manage (cust.web_lead_allocation)")
def list_allocation(request):
    qs = allocation.targets(request.auth)
    return {"count": qs.count(), "items": [allocation_out(u) for u in qs[:500]]}


@allocation_router.get("/{user_id}", response={200: AllocationSettingsOut, **ERRORS},
                       summary="One salesperson's allocation settings")
def get_allocation(request, user_id: int = Path(..., ge=1, le=MAX_ID)):
    return allocation_out(allocation.target_for(request.auth, user_id))


@allocation_router.put("/{user_id}", response={200: AllocationSettingsOut, **ERRORS},
                       summary="Change ability factor (0.5–2.0), territories, knowledge tags; audited")
def put_allocation(request, payload: AllocationSettingsIn, user_id: int = Path(..., ge=1, le=MAX_ID)):
    u = allocation.update(request.auth, user_id, ability_factor=payload.ability_factor, territories=payload.territories,
                          knowledge_tags=payload.knowledge_tags, reason=payload.reason)
    return allocation_out(User.objects.select_related("team").get(pk=u.pk))
