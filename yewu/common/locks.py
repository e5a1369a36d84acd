from django.db import connection, transaction

from .models import Mutex


def needs_statement(conn) -> bool:
    """Whether :func:`lock` takes the lock by a statement on this connection (not SQLite in IMMEDIATE mode)."""
    return not (conn.vendor == "sqlite"
                and (conn.settings_dict.get("OPTIONS") or {}).get("transaction_mode") == "IMMEDIATE")


def lock_statement(name: str) -> tuple[str, list]:
    """PostgreSQL: the statement that takes the named lock when its row exists (one row back) — to be sent in the
    same round trip as the statement that needs the lock, separated by ``;`` (psycopg's client-side binding sends
    both as one simple query; under READ COMMITTED the second statement takes its snapshot after the first one got
    the lock). No row back: the lock's row does not exist yet, call :func:`lock`, then run the second again."""
    table = connection.ops.quote_name(Mutex._meta.db_table)
    return f"SELECT 1 FROM {table} WHERE name = %s FOR UPDATE", [name]  # noqa: S608 - our table, bound value


def lock(name: str) -> None:
    """Take the named lock until the end of the current transaction (must be inside ``atomic``).

    PostgreSQL: one statement once the lock's row exists (``SELECT … FOR UPDATE``); its first use creates the row.
    SQLite in ``IMMEDIATE`` transaction mode (the settings): none — the transaction took the database's write lock
    when it began, so no other writer runs until it ends."""
    conn = transaction.get_connection()
    assert conn.in_atomic_block, "lock() needs an atomic block"
    if not needs_statement(conn):
        return
    if Mutex.objects.select_for_update().filter(name=name).exists():
        return
    Mutex.objects.get_or_create(name=name)
    Mutex.objects.select_for_update().get(name=name)
