"""Django's PostgreSQL backend with a health check that costs no round trip (issue 14).

Connections are kept between requests (``CONN_MAX_AGE``) with health checks on, so that a connection the server has
dropped (a restart, an idle timeout, a network cut) is replaced before a request uses it. Django checks by sending
``SELECT 1`` at the start of every request: one more round trip for each of them, and on a busy 2-core machine a
round trip means waiting for the database process to be scheduled. A kept connection that is idle has nothing to
read; when the server ends it, its socket becomes readable (the termination notice, then end-of-file). So the check
first asks the socket, without waiting: nothing to read and the connection says it is fine — healthy; anything to
read, an error, or a connection not idle — Django's ``SELECT 1`` decides, as before.
"""

from __future__ import annotations

import os
import select

from django.db.backends.postgresql import base, operations
from psycopg import pq


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        if isinstance(cursor, _PreparingCursor) and params is not None:  # logged as the ordinary cursor shows it
            try:
                return self.compose_sql(sql, params)
            except Exception:  # noqa: BLE001 - only the log line
                return sql
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_connection_params(self):
        params = super().get_connection_params()
        if PREPARE and params.get("prepare_threshold") is None:
            # psycopg prepares nothing while the threshold is None (Django's default): a threshold no statement
            # reaches by repetition lets the statements of prepared_cursor() be prepared, and no other
            params["prepare_threshold"] = 2**31 - 1
        return params

    def is_usable(self):
        conn = self.connection
        if conn is None:
            return False
        try:
            pgconn = conn.pgconn
            quiet = (pgconn.status == pq.ConnStatus.OK and pgconn.transaction_status == pq.TransactionStatus.IDLE
                     and not select.select([pgconn.socket], [], [], 0)[0])
        except (OSError, ValueError, AttributeError):
            quiet = False
        return True if quiet else super().is_usable()

    def prepared_cursor(self):
        """A cursor whose statements are prepared on the server (parsed and planned once per connection and shape of
        the statement): for the reads and writes every request makes, whose SQL is the same each time
        (:mod:`yewu.common.prepared`, the order create's inserts). Parameters are bound by the server; the queries
        are logged and wrapped as Django's own. ``YEWU_PG_PREPARE=0`` turns it off (a pooler that cannot keep
        prepared statements)."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        if not PREPARE:
            return self._prepare_cursor(self.create_cursor())
        with self.wrap_database_errors:
            return self._prepare_cursor(_PreparingCursor(self.connection))


PREPARE = os.environ.get("YEWU_PG_PREPARE", "1") != "0"


class _PreparingCursor(base.ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)
