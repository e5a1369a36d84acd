"""Management reports from live data (SPEC §7, §9). Who sees which salesperson's figures is decided here only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from yewu.common import xlsx
from yewu.orders.models import Order, OrderStatus
from yewu.org.models import User
from yewu.org.permissions import can

# Orders that count as sales: submitted and not refused or cancelled.
NOT_SALES = (OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED)


def salespeople_visible_to(user: User) -> QuerySet[User] | None:
    """None = every salesperson. GM and finance see all; an SM their teams and self; anyone else self only."""
    if can(user, "sees_all_sales_reports"):
        return None
    if can(user, "sees_team_sales_reports"):
        return User.objects.filter(Q(team__manager=user) | Q(pk=user.pk))
    return User.objects.filter(pk=user.pk)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1), time.min, tz)


@dataclass
class SalesRow:
    salesperson_id: int
    name: str
    team: str
    orders: int
    amount: Decimal


@dataclass
class SalesReport:
    start: date
    end: date
    rows: list[SalesRow] = field(default_factory=list)

    @property
    def orders(self) -> int:
        return sum(r.orders for r in self.rows)

    @property
    def amount(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))


class _PerGroup(Subquery):
    """A subquery on the grouping column alone: one value per group, so not a grouping key itself (SQLite and
    PostgreSQL accept a grouped column in a subquery of the select list)."""

    def get_group_by_cols(self):
        return []


def _of_salesperson(column: str) -> Subquery:
    return _PerGroup(User.objects.filter(pk=OuterRef("salesperson_id")).values(column)[:1])


def sales_by_salesperson(user: User, start: date, end: date) -> SalesReport:
    """Orders submitted (not draft, rejected or cancelled) created between start and end inclusive, local dates."""
    lo, hi = _bounds(start, end)
    qs = Order.objects.filter(created_at__gte=lo, created_at__lt=hi).exclude(status__in=NOT_SALES)
    scope = salespeople_visible_to(user)
    if scope is not None:
        qs = qs.filter(salesperson__in=scope)
    # One read: the orders grouped by salesperson alone (the (salesperson, created) index gives them in order, no
    # join per order), each group's name and team looked up once by subquery.
    agg = qs.values("salesperson_id").annotate(
        n=Count("id"), amount=Sum("total"), display=_of_salesperson("display_name"),
        username=_of_salesperson("username"), team=_of_salesperson("team__name")).order_by().values_list(
        "salesperson_id", "display", "username", "team", "n", "amount")
    rows = [SalesRow(sp, display or username, "" if team is None else team, n, (amount or Decimal("0")).quantize(
        Decimal("0.01"))) for sp, display, username, team, n, amount in agg]
    rows.sort(key=lambda r: (-r.amount, r.name))
    return SalesReport(start, end, rows)


def sales_workbook(report: SalesReport):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "业务员销售"
    xlsx.append(ws, [f"业务员销售统计 {report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}"])
    ws["A1"].font = Font(bold=True, size=13)
    xlsx.append(ws, ["排名", "业务员", "团队", "订单数", "订单金额（元）"])
    for c in ws[2]:
        c.font = Font(bold=True)
    for i, r in enumerate(report.rows, 1):
        xlsx.append(ws, [i, r.name, r.team, r.orders, r.amount])
        ws.cell(ws.max_row, 5).number_format = "#,##0.00"
    xlsx.append(ws, ["", "合计", "", report.orders, report.amount])
    ws.cell(ws.max_row, 5).number_format = "#,##0.00"
    for col, width in zip("ABCDE", (6, 14, 14, 10, 18), strict=True):
        ws.column_dimensions[col].width = width
    return wb
