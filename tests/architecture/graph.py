"""The import graph of the ``yewu`` package, read from the source (no import executed)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "yewu"

# Demo loaders, management commands, migrations and tests may import any area (they sit outside the layers).
EXEMPT_PARTS = {"tests", "migrations", "management"}


def exempt(path: Path) -> bool:
    rel = path.relative_to(PKG)
    return bool(EXEMPT_PARTS & set(rel.parts)) or rel.name.startswith("demo") or rel.name == "conftest.py"


@dataclass(frozen=True)
class Imp:
    src: str  # dotted module importing
    target: str  # dotted module imported (best resolution)
    line: int
    in_function: bool
    commented: bool


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if not exempt(p))


def _resolve(mod: str, node: ast.ImportFrom, is_pkg: bool) -> list[str]:
    if node.level:
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        root = ".".join(base + ([node.module] if node.module else []))
    else:
        root = node.module or ""
    # ``from pkg import sub`` imports the submodule when it exists
    out = []
    for a in node.names:
        cand = f"{root}.{a.name}"
        p = ROOT.joinpath(*cand.split("."))
        out.append(cand if (p.with_suffix(".py").exists() or (p / "__init__.py").exists()) else root)
    return out


def imports(path: Path) -> list[Imp]:
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    tree = ast.parse(src)
    mod = module_name(path)
    is_pkg = path.name == "__init__.py"
    found: list[Imp] = []

    def visit(node, in_fn: bool):
        for child in ast.iter_child_nodes(node):
            fn = in_fn or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                if isinstance(child, ast.Import):
                    targets = [a.name for a in child.names]
                else:
                    targets = _resolve(mod, child, is_pkg)
                ln = child.lineno
                around = " ".join(lines[max(0, ln - 2): child.end_lineno])
                commented = "#" in around
                for t in targets:
                    if t.startswith("yewu") or t.startswith("django") or t == "django":
                        found.append(Imp(mod, t, ln, in_fn, commented))
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue  # TYPE_CHECKING imports run no code
            else:
                visit(child, fn)

    visit(tree, False)
    return found


def _is_type_checking(test) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "yewu":
        return None
    p = PKG / parts[1]
    return parts[1] if p.is_dir() else None


def all_imports() -> list[Imp]:
    out = []
    for p in source_files():
        out.extend(imports(p))
    return out


def sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return sorted(out)
