import pytest
from django.db import DatabaseError, connection, transaction

from yewu.audit.models import AuditEntry
from yewu.audit.services import record


def test_model_refuses_update_and_delete(company):
    e = record(actor=company.sales1, action="create", object_type="x", object_id=1, after={"a": 1})
    e.reason = "changed"
    with pytest.raises(RuntimeError):
        e.save()
    with pytest.raises(RuntimeError):
        e.delete()
    assert AuditEntry.objects.get(pk=e.pk).reason == ""


def test_database_refuses_bulk_update_on_postgresql(company):
    if connection.vendor != "postgresql":
        pytest.skip("database trigger is installed on PostgreSQL only")
    e = record(actor=company.sales1, action="create", object_type="x", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).update(reason="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).delete()


def test_policy_overrides_settings_then_admin_versions(company, settings):
    from datetime import timedelta

    from django.utils import timezone

    from yewu.org.models import PolicyVersion
    from yewu.org.selectors import get_policy

    assert get_policy()["price.special_floor.pct"] == 90
    settings.YEWU_POLICY = {"price.special_floor.pct": "88"}
    assert str(get_policy()["price.special_floor.pct"]) == "88"
    PolicyVersion.objects.create(values={"price.special_floor.pct": "85"}, effective_at=timezone.now() - timedelta(seconds=1),
                                 reason="test", created_by=company.gm)
    PolicyVersion.objects.create(values={"price.special_floor.pct": "80"}, effective_at=timezone.now() + timedelta(days=1),
                                 reason="future", created_by=company.gm)
    cfg = get_policy()
    assert str(cfg["price.special_floor.pct"]) == "85" and cfg.version > 0
