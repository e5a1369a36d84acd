"""Database CHECK constraints that keep every decimal column within what it holds, on SQLite as on PostgreSQL.

SQLite stores any number in a ``decimal(14, 2)`` column; reading back 99999999999999999999.99 then fails for every
list that touches the row. ``fits("amount", 14, 2)`` is a constraint ``-10^12 < amount < 10^12`` named
``<app>_<model>_<field>_fits``; every model lists one per DecimalField in its ``Meta.constraints``
(``yewu/common/tests/test_bounds.py`` checks that none is missing and that each matches its column).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db.models import CheckConstraint, Q

SUFFIX = "_fits"


def fits(*fields: str, digits: int, places: int) -> list[CheckConstraint]:
    """One CHECK per field: |value| < 10^(digits − places). NULL passes (a nullable column stays nullable)."""
    limit = Decimal(10) ** (digits - places)
    return [CheckConstraint(condition=Q(**{f"{f}__gt": -limit, f"{f}__lt": limit}),
                            name=f"%(app_label)s_%(class)s_{f}{SUFFIX}") for f in fields]


_NAME = re.compile(r"([a-z0-9_]+)" + SUFFIX)


def refused_field(exc: Exception) -> str | None:
    """The field whose ``…_fits`` CHECK refused a row, from the database's error text (None: another error)."""
    from django.apps import apps

    m = _NAME.search(str(exc))
    if not m:
        return None
    name = m.group(1)
    for model in apps.get_models():
        for c in model._meta.constraints:
            if isinstance(c, CheckConstraint) and c.name == name + SUFFIX:
                field = next(iter(c.condition.children))[0]
                return field.split("__")[0]
    return None
