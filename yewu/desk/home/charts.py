"""One chart = one table: the ECharts option is built from the same rows the page shows as a table and the
Excel export writes, so the three can never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


def _num(v):
    """JSON-safe figure: Decimal money as a string-exact float is avoided; ECharts takes numbers, so money goes
    out as a number with 2 places (rendered from the Decimal, never computed in float)."""
    if isinstance(v, Decimal):
        return float(v.quantize(Decimal("0.01")))
    return v


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar | line | pie | hbar
    categories: list[str]
    series: list[tuple[str, list]]  # (name, values aligned with categories)
    unit: str = "元"
    link: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        return ["", *[name for name, _ in self.series]]

    @property
    def rows(self) -> list[list]:
        return [[c, *[vals[i] for _, vals in self.series]] for i, c in enumerate(self.categories)]

    def option(self) -> dict:
        if self.kind == "pie":
            name, vals = self.series[0]
            return {
                "tooltip": {"trigger": "item"},
                "series": [{"type": "pie", "name": name, "radius": ["35%", "65%"],
                            "data": [{"name": c, "value": _num(v)} for c, v in zip(self.categories, vals, strict=True)]}],
            }
        horizontal = self.kind == "hbar"
        cat_axis = {"type": "category", "data": self.categories}
        val_axis = {"type": "value"}
        return {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 0} if len(self.series) > 1 else {"show": False},
            "grid": {"left": 8, "right": 16, "bottom": 8, "top": 32 if len(self.series) > 1 else 12, "containLabel": True},
            "xAxis": val_axis if horizontal else cat_axis,
            "yAxis": {**cat_axis, "inverse": True} if horizontal else val_axis,
            "series": [{"type": "line" if self.kind == "line" else "bar", "name": name, "data": [_num(v) for v in vals],
                        **({"smooth": False} if self.kind == "line" else {"barMaxWidth": 36})} for name, vals in self.series],
        }

    def as_json(self) -> dict:
        return {"key": self.key, "title": self.title, "option": self.option()}
