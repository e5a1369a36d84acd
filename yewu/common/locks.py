from django.db import transaction

from .models import Mutex


def lock(name: str) -> None:
    """Take the named lock until the end of the current transaction (must be inside ``atomic``)."""
    assert transaction.get_connection().in_atomic_block, "lock() needs an atomic block"
    Mutex.objects.get_or_create(name=name)
    Mutex.objects.select_for_update().get(name=name)
