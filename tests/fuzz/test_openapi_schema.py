"""The OpenAPI document itself: every operation declares a typed output and its error statuses, and no two
schemas share a component name (ninja keeps the last one silently, so the document would describe another
shape than the operation answers with)."""

from __future__ import annotations

import inspect
import typing

from pydantic import BaseModel

from yewu.api import api

from .known import not_yet_typed

ERROR_STATUSES = {400, 401, 403, 404, 409, 422}


def _operations():
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                yield f"{prefix}{path}", op


def _models(tp, seen: set) -> typing.Iterator[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in seen:
            return
        seen.add(tp)
        yield tp
        for f in tp.model_fields.values():
            yield from _models(f.annotation, seen)
        return
    for arg in typing.get_args(tp):
        yield from _models(arg, seen)


def test_no_two_schemas_share_a_component_name():
    by_name: dict[str, set[type]] = {}
    seen: set = set()
    for _path, op in _operations():
        roots = [m for m in op.response_models.values() if m is not None and not isinstance(m, str)]
        roots += list(getattr(op, "models", []) or [])
        for root in roots:
            for m in _models(root, seen):
                if m.__module__.startswith("yewu."):
                    by_name.setdefault(m.__name__, set()).add(m)
    clashes = {name: sorted(f"{m.__module__}.{m.__qualname__} (line {inspect.getsourcelines(m)[1]})" for m in where)
               for name, where in by_name.items() if len(where) > 1}
    assert clashes == {}


def test_every_operation_declares_a_typed_output_and_its_errors():
    schema = api.get_openapi_schema()
    untyped, bare, no_errors = [], [], []
    for path, methods in schema["paths"].items():
        if not_yet_typed(path):
            continue
        for method, op in methods.items():
            label = f"{method.upper()} {path}"
            codes = {int(c) for c in op["responses"]}
            if not ERROR_STATUSES <= codes:
                no_errors.append(label)
            ok = [c for c in codes if 200 <= c < 300]
            if not ok:
                untyped.append(label)
            for c in ok:
                content = op["responses"][c if c in op["responses"] else str(c)].get("content", {})
                if not content:
                    untyped.append(label)
                for media, body in content.items():
                    s = str(body.get("schema"))
                    if media == "application/json" and "$ref" not in s:
                        bare.append(label)
                    if media != "application/json" and "binary" not in s:
                        bare.append(label)
    assert (untyped, bare, no_errors) == ([], [], [])
