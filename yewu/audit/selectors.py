from .models import AuditEntry


def entries_for(obj_or_type, object_id=None):
    if object_id is None:
        return AuditEntry.objects.filter(object_type=obj_or_type._meta.label_lower, object_id=str(obj_or_type.pk))
    return AuditEntry.objects.filter(object_type=obj_or_type, object_id=str(object_id))
