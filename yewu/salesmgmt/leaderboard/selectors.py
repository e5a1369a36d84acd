"""The morning leaderboard (到账播报, `daily.morning_leaderboard`): the previous working day's receipts per SP
("张三 到账 3,000.00"), ranked, team totals, month-to-date attainment, and the week's and month's champions for
collections, sales (orders placed) and new customers. Everyone with ``sees_leaderboard`` sees the whole board."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Q, Sum
from django.utils import timezone

from yewu.common.errors import PermissionDenied
from yewu.customers.models import Customer
from yewu.finance.models import Receipt, ReceiptStatus
from yewu.orders.models import Order, OrderStatus
from yewu.org.models import Role, User
from yewu.org.permissions import can
from yewu.org.selectors import get_calendar
from yewu.policy import salesmgmt as pol
from yewu.policy.calendar import TZ

from ..models import MonthlyTarget

ZERO = Decimal("0.00")


class _SP(NamedTuple):
    pk: int
    name: str
    team: str
NOT_SALES = (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED)


def _money(x) -> Decimal:
    return (x or ZERO).quantize(ZERO)


def board(user, today: date | None = None) -> dict:
    if not can(user, "sees_leaderboard"):
        raise PermissionDenied("无权查看到账播报", rule="daily.morning_leaderboard")
    now = timezone.localtime()
    today = today or now.date()
    cal = get_calendar()
    day = pol.leaderboard_day(today, cal)
    month, week = day.replace(day=1), day - timedelta(days=day.weekday())
    start = min(month, week)
    # the whole sales force in one query (names, teams); the figures below are grouped for every owner and
    # looked up by id, so no long IN lists have to be compiled
    sps = [_SP(i, d or u, t or "") for i, u, d, t, roles in User.objects.filter(is_active=True).order_by("id")
           .values_list("id", "username", "display_name", "team__name", "roles") if Role.SP in (roles or [])]
    rec = {r["customer__owner_id"]: r for r in Receipt.objects.filter(
        status=ReceiptStatus.POSTED, arrived_on__range=(start, day), customer__owner_id__isnull=False)
        .values("customer__owner_id").annotate(d=Sum("amount", filter=Q(arrived_on=day)),
                                                w=Sum("amount", filter=Q(arrived_on__gte=week)),
                                                m=Sum("amount", filter=Q(arrived_on__gte=month)))}
    lo = datetime.combine(start, time.min, tzinfo=TZ)
    hi = datetime.combine(day + timedelta(days=1), time.min, tzinfo=TZ)
    wk = datetime.combine(week, time.min, tzinfo=TZ)
    mo = datetime.combine(month, time.min, tzinfo=TZ)
    sales = {r["salesperson_id"]: r for r in Order.objects.filter(
        created_at__gte=lo, created_at__lt=hi).exclude(status__in=NOT_SALES)
        .values("salesperson_id").annotate(w=Sum("total", filter=Q(created_at__gte=wk)),
                                           m=Sum("total", filter=Q(created_at__gte=mo)))}
    new = {r["owner_id"]: r for r in Customer.objects.filter(owner_id__isnull=False, created_at__gte=lo, created_at__lt=hi)
           .values("owner_id").annotate(w=Count("id", filter=Q(created_at__gte=wk)),
                                        m=Count("id", filter=Q(created_at__gte=mo)))}
    tgt = dict(MonthlyTarget.objects.filter(month=month).values_list("salesperson_id", "collections"))
    ranked = pol.rank([(s.name, _money((rec.get(s.pk) or {}).get("d"))) for s in sps])
    by_name = {s.name: s for s in sps}
    rows = []
    for r in ranked:
        s = by_name[r["name"]]
        mtd = _money((rec.get(s.pk) or {}).get("m"))
        t = tgt.get(s.pk)
        rows.append({**r, "amount": str(r["amount"]), "salesperson_id": s.pk, "team": s.team,
                     "mtd": str(mtd), "month_target": str(t) if t is not None else None,
                     "mtd_pct": str(pol.attainment_pct(mtd, t)) if t else None})
    teams: dict[str, dict] = {}
    for s in sps:
        k = s.team or "—"
        row = teams.setdefault(k, {"team": k, "amount": ZERO, "mtd": ZERO, "target": ZERO})
        row["amount"] += _money((rec.get(s.pk) or {}).get("d"))
        row["mtd"] += _money((rec.get(s.pk) or {}).get("m"))
        row["target"] += tgt.get(s.pk) or ZERO
    team_rows = [{"team": t["team"], "amount": str(t["amount"]), "mtd": str(t["mtd"]), "target": str(t["target"]),
                  "mtd_pct": str(pol.attainment_pct(t["mtd"], t["target"])) if t["target"] else None}
                 for t in teams.values()]

    def champs(src: dict, key: str, money: bool = True) -> dict:
        vals = [(s.name, (_money if money else (lambda x: Decimal(x or 0)))((src.get(s.pk) or {}).get(key))) for s in sps]
        names = pol.champion(vals)
        top = max((v for _, v in vals), default=ZERO)
        return {"names": names, "value": str(top) if money else int(top)}

    total = sum((Decimal(r["amount"]) for r in rows), ZERO)
    live_from = datetime.combine(today, time(9, 0), tzinfo=TZ)
    return {
        "rule": "daily.morning_leaderboard", "day": day.isoformat(), "today": today.isoformat(),
        "live": now >= live_from or today != now.date(), "live_from": live_from.isoformat(),
        "rows": rows, "teams": team_rows, "total": str(total),
        "total_mtd": str(sum((Decimal(t["mtd"]) for t in team_rows), ZERO)),
        "week_start": week.isoformat(), "month": f"{month:%Y-%m}",
        "champions": {
            "week": {"collections": champs(rec, "w"), "sales": champs(sales, "w"), "new_customers": champs(new, "w", False)},
            "month": {"collections": champs(rec, "m"), "sales": champs(sales, "m"), "new_customers": champs(new, "m", False)},
        },
    }
