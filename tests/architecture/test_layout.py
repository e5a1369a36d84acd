"""The shape of the code (issue 11): layers, no import cycles, small modules, a pure policy package.

Each allow-list in ``allow.py`` names today's exceptions; a test fails when a new one appears and when a listed one
has been fixed (so the lists only shrink). Run without a database.
"""

from __future__ import annotations

from collections import defaultdict

from . import allow
from .graph import PKG, ROOT, all_imports, app_of, sccs, source_files

IMPORTS = all_imports()

# The floors, lowest first. An app may import its own floor's apps only where listed in SAME_FLOOR_OK, never a higher one.
FLOORS = [
    {"policy"},
    {"common"},
    {"org", "audit"},
    {"approvals", "catalog", "customers", "orders", "finance", "expenses", "sales", "performance", "processes",
     "service", "salesmgmt", "reports"},
    {"desk"},
]
FLOOR = {app: i for i, apps in enumerate(FLOORS) for app in apps}


def _app_graph() -> dict[str, set[str]]:
    g: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        a, b = app_of(i.src), app_of(i.target)
        if a and b and a != b:
            g[a].add(b)
    return g


def test_every_app_has_a_floor():
    apps = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(FLOOR) == set(), "add the new app to FLOORS in tests/architecture/test_layout.py"


def test_policy_imports_nothing_of_django_or_the_apps():
    bad = sorted({f"{i.src}:{i.line} imports {i.target}" for i in IMPORTS
                  if app_of(i.src) == "policy" and not i.target.startswith("yewu.policy")})
    assert bad == []


def test_no_import_cycle_between_apps():
    g = _app_graph()
    mutual = sorted({f"{a} ↔ {b}" for a in g for b in g[a] if a < b and a in g.get(b, ())})
    assert mutual == sorted(allow.APP_PAIRS), "two apps import each other"
    cycles = [" ↔ ".join(c) for c in sccs(g)]
    assert sorted(cycles) == sorted(allow.APP_CYCLES), "a longer loop of apps"


def test_no_app_imports_a_higher_floor():
    up = sorted({f"{app_of(i.src)} → {app_of(i.target)}" for i in IMPORTS
                 if app_of(i.src) and app_of(i.target) and FLOOR[app_of(i.target)] > FLOOR[app_of(i.src)]})
    assert up == sorted(allow.UPWARD)


def test_nothing_imports_desk():
    users = sorted({i.src for i in IMPORTS if app_of(i.target) == "desk" and app_of(i.src) != "desk"})
    assert users == []


def test_no_import_cycle_between_files():
    g: dict[str, set[str]] = defaultdict(set)
    mods = {i.src for i in IMPORTS}
    for i in IMPORTS:
        if i.target in mods or any(m == i.target for m in mods):
            if i.target != i.src:
                g[i.src].add(i.target)
    # package __init__ re-exports are not cycles of their own
    cycles = [" ↔ ".join(c) for c in sccs(g) if not all(m.count(".") <= 1 for m in c)]
    assert sorted(cycles) == sorted(allow.FILE_CYCLES)


def test_no_module_over_600_lines():
    long = sorted(str(p.relative_to(ROOT)) for p in source_files()
                  if sum(1 for _ in p.open(encoding="utf-8")) > 600)
    assert long == sorted(allow.LONG_MODULES)


def test_imports_inside_functions_say_why():
    bare: dict[str, int] = defaultdict(int)
    for i in IMPORTS:
        if i.in_function and not i.commented and i.target.startswith("yewu"):
            bare[i.src] += 1
    over = {m: n for m, n in bare.items() if n > allow.BARE_FUNCTION_IMPORTS.get(m, 0)}
    fixed = {m: n for m, n in allow.BARE_FUNCTION_IMPORTS.items() if bare.get(m, 0) < n}
    assert over == {}, "an import inside a function needs a comment saying why (same or previous line)"
    assert fixed == {}, "fixed: lower these counts in tests/architecture/allow.py"
