from django.db import transaction

from .models import Mutex


def lock(name: str) -> None:
    """Take the named lock until the end of the current transaction (must be inside ``atomic``).

    PostgreSQL: one statement once the lock's row exists (``SELECT … FOR UPDATE``); its first use creates the row.
    SQLite in ``IMMEDIATE`` transaction mode (the settings): none — the transaction took the database's write lock
    when it began, so no other writer runs until it ends."""
    conn = transaction.get_connection()
    assert conn.in_atomic_block, "lock() needs an atomic block"
    if conn.vendor == "sqlite" and (conn.settings_dict.get("OPTIONS") or {}).get("transaction_mode") == "IMMEDIATE":
        return
    if Mutex.objects.select_for_update().filter(name=name).exists():
        return
    Mutex.objects.get_or_create(name=name)
    Mutex.objects.select_for_update().get(name=name)
