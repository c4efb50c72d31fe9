"""On PostgreSQL, one receiver at a time serves a partition: its `client_id` (the MQTT session the
county broker keeps for it, with everything queued in it) and its `halls`.

Start the same configuration on two machines: the first takes a PostgreSQL advisory lock keyed by
the client id and serves; the other waits (standby) and says so. When the serving one dies its
database connection ends, PostgreSQL releases the lock, and the standby takes it within
`check_every_s` and connects with the same client id: the session, and the events queued in it
or unacked by the dead one, are its now (docs/delivery.md, "County broker restarts"). A receiver
that loses its lock connection (PostgreSQL restarted) stops serving, so that two never serve one
session; systemd starts it again and it competes for the lock anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("county.partition")


def lock_key(client_id: str) -> int:
    """A stable signed 64-bit advisory lock key for a receiver's client id."""
    digest = hashlib.sha256(f"hall-county receiver {client_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PartitionLock:
    def __init__(self, url: str, client_id: str, check_every_s: float = 1.0) -> None:
        self.url, self.client_id, self.check_every_s = url, client_id, check_every_s
        self.key = lock_key(client_id)
        self._conn: Any = None

    def _connection(self) -> Any:
        import psycopg  # the `postgres` extra, present whenever a postgresql:// URL works

        if self._conn is None or self._conn.closed or self._conn.broken:
            self._close()
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        return self._conn

    def acquire(self, stop: threading.Event, waiting: Callable[[], None] = lambda: None) -> bool:
        """Wait until this receiver holds the partition (True), or `stop` is set (False);
        `waiting()` is called at every look while it waits (systemd's watchdog, in hall-county)."""
        import psycopg

        said_standby = said_error = False
        while not stop.is_set():
            try:
                if self._connection().execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]:
                    log.info("serving %s (partition lock taken)", self.client_id)
                    return True
                if not said_standby:
                    log.info("standby: another receiver serves %s; taking over when it stops", self.client_id)
                    said_standby = True
            except psycopg.Error as e:
                if not said_error:
                    log.warning(
                        "partition lock: cannot reach PostgreSQL (%s); retrying",
                        str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__,
                    )
                    said_error = True
                self._close()
            waiting()
            stop.wait(self.check_every_s)
        return False

    def held(self) -> bool:
        """The lock's connection is alive (so the lock is still ours)."""
        import psycopg

        if self._conn is None or self._conn.closed:
            return False
        try:
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def release(self) -> None:
        self._close()  # ends the session: PostgreSQL releases its advisory locks
