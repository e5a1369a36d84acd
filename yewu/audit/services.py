import datetime
import decimal

from django.db import models

from .models import AuditEntry

_AS_IS = frozenset({str, int, bool, float, type(None)})  # exactly these types come back unchanged (no subclass: enums)


def _plain(v):
    if type(v) in _AS_IS:
        return v
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (datetime.date, datetime.datetime, datetime.time)):
        return v.isoformat()
    if isinstance(v, models.Model):
        return str(v.pk)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


plain = _plain  # a value as the audit log stores it (JSON: dates and amounts as text, records as ids)


def snapshot(obj: models.Model, fields=None) -> dict:
    """Plain dict of a record's concrete fields (FKs as ids), for before/after."""
    out = {}
    for f in obj._meta.concrete_fields:
        if fields and f.name not in fields:
            continue
        out[f.attname] = _plain(getattr(obj, f.attname))
    return out


def record(*, actor, action: str, obj: models.Model | None = None, object_type: str = "", object_id="",
           before=None, after=None, rule: str = "", reason: str = "", decision=None, policy_version=None) -> AuditEntry:
    e = entry(actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id, before=before,
              after=after, rule=rule, reason=reason, decision=decision, policy_version=policy_version)
    e.save()
    return e


def entry(*, actor, action: str, obj: models.Model | None = None, object_type: str = "", object_id="",
          before=None, after=None, rule: str = "", reason: str = "", decision=None, policy_version=None) -> AuditEntry:
    """The unsaved entry ``record`` would write, for writers that insert many at once (bulk_create)."""
    values = entry_values(actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id,
                          before=before, after=after, rule=rule, reason=reason, decision=decision,
                          policy_version=policy_version)
    del values["actor_id"]
    return AuditEntry(actor=actor if getattr(actor, "pk", None) else None, **values)


def entry_values(*, actor, action: str, obj: models.Model | None = None, object_type: str = "", object_id="",
                 before=None, after=None, rule: str = "", reason: str = "", decision=None,
                 policy_version=None) -> dict:
    """The column values of :func:`entry` by attname (``actor_id``), for plain inserts (``bulk.Table.row_of``)."""
    return {
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "actor_name": str(actor) if actor is not None else "system",
        "action": action,
        "object_type": object_type or (obj._meta.label_lower if obj is not None else ""),
        "object_id": str(object_id or (obj.pk if obj is not None else "")),
        "object_repr": str(obj)[:200] if obj is not None else "",
        "before": _plain(before),
        "after": _plain(after),
        "rule": rule,
        "reason": reason,
        "decision": decision.as_dict() if hasattr(decision, "as_dict") else _plain(decision),
        "policy_version": policy_version,
    }
