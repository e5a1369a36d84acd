"""What a home page is made of: figure cards, short lists (each with a link to the full page) and charts."""

from __future__ import annotations

from dataclasses import dataclass, field

from .charts import Chart


@dataclass
class Card:
    label: str
    value: object
    link: str = ""
    money: bool = False
    hint: str = ""
    alert: bool = False


@dataclass
class ItemList:
    title: str
    items: list[dict]
    link: str = ""
    empty: str = "暂无"
    count: int | None = None


@dataclass
class Home:
    role: str
    title: str
    cards: list[Card] = field(default_factory=list)
    lists: list[ItemList] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    def chart(self, key: str) -> Chart | None:
        return next((c for c in self.charts if c.key == key), None)
