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

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
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
