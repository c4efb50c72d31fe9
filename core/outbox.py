"""The durable outbox: every event a device accepts is committed here before the citizen is thanked.

docs/contracts.md (Delivery), docs/delivery.md. SQLite in WAL mode with `synchronous=FULL`, so a
committed `put` survives kill -9 and power loss. An event lives until the county's application-level
ack (a broker PUBACK is not enough); acked events stay for audit until `prune` removes them after
the retention time. An unacked event is never dropped.

`seq` comes from a counter row in the database (not from the highest row id of a table that is
pruned), so it never repeats, also after a crash.

The resend schedule (`next_try`) is in the clock's monotonic seconds; monotonic time starts anew
with every process, so opening the outbox makes every unacked event due at once.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from core import topics
from core.clock import Clock, SystemClock
from core.config import DeviceSettings
from core.events import Event
from core.messages import AckItem, Backlog, DiskState

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)

FIRST_RESEND_S = 8.0  # a county ack normally comes back in milliseconds; 8 s means it got lost
MAX_RESEND_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1), ('schema', 1);
CREATE TABLE IF NOT EXISTS events (
    seq        INTEGER PRIMARY KEY,      -- from meta.next_seq, never reused
    event_id   TEXT NOT NULL UNIQUE,
    topic      TEXT NOT NULL,
    payload    BLOB NOT NULL,
    created_at REAL NOT NULL,            -- wall-clock seconds
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   REAL NOT NULL DEFAULT 0,  -- monotonic seconds of this process
    acked_at   REAL,                     -- wall-clock seconds; NULL while unacked
    result     TEXT,                     -- stored | duplicate | rejected
    reason     TEXT
);
CREATE INDEX IF NOT EXISTS events_unacked ON events (seq) WHERE acked_at IS NULL;
-- `due`: never-sent or requeued events (next_try = 0) come out in seq order straight from this index
CREATE INDEX IF NOT EXISTS events_due ON events (next_try, seq) WHERE acked_at IS NULL;
CREATE INDEX IF NOT EXISTS events_acked ON events (acked_at) WHERE acked_at IS NOT NULL;
"""


class OutboxError(Exception):
    """The outbox cannot store or read events (disk full, database broken); `str()` is one line.

    A caller that gets it from `put` must not tell the citizen the rating was accepted.
    """


@dataclass(frozen=True)
class OutboxEntry:
    event_id: str
    seq: int
    topic: str
    payload: bytes
    attempts: int


def resend_delay(attempts: int) -> float:
    """Seconds to wait for an ack after the `attempts`-th send (1, 2, ...): 8, 16, 32, 60, 60, ..."""
    return float(min(MAX_RESEND_S, FIRST_RESEND_S * 2.0 ** max(0, attempts - 1)))


class Outbox:
    def __init__(
        self,
        path: Path,
        *,
        clock: Clock | None = None,
        retention_s: float = 30 * 86400,
        low_disk_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        self.path = Path(path)
        self._clock: Clock = clock or SystemClock()
        self.retention_s = retention_s
        self.low_disk_bytes = low_disk_bytes
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One connection shared by the link and UI threads, serialised by `_lock`;
            # autocommit mode so every transaction below is explicit.
            self._db: sqlite3.Connection | None = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=10
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._db.execute("UPDATE events SET next_try = 0 WHERE acked_at IS NULL")
        except (OSError, sqlite3.Error) as e:
            raise OutboxError(f"outbox {self.path}: cannot open: {e}") from None

    @classmethod
    def for_device(cls, settings: DeviceSettings, clock: Clock) -> Outbox:
        """A device app's outbox: in its state_dir, kept and guarded as its settings say."""
        return cls(
            settings.state_dir / "outbox.db",
            clock=clock,
            retention_s=settings.outbox_retention_days * 86400,
            low_disk_bytes=settings.low_disk_bytes,
        )

    # --- internals -------------------------------------------------------------------------

    @contextmanager
    def _tx(self, what: str, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction under the lock; any SQLite or OS error becomes one OutboxError line.

        `durable=False` commits without an fsync (`synchronous=NORMAL`) for bookkeeping that may be
        lost on power failure without harm (send attempts, acks: the event is only sent again).
        WAL frames are written in order, so the next durable commit (a `put`) syncs them as well.
        """
        with self._lock:
            db = self._conn(what)
            try:
                if not durable:
                    db.execute("PRAGMA synchronous=NORMAL")
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except (OSError, sqlite3.Error) as e:
                if db.in_transaction:
                    with suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise OutboxError(f"outbox {self.path}: cannot {what}: {e}") from None
            finally:
                if not durable:
                    with suppress(sqlite3.Error):
                        db.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def _read(self, what: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._conn(what)
            try:
                yield db
            except sqlite3.Error as e:
                raise OutboxError(f"outbox {self.path}: cannot {what}: {e}") from None

    def _conn(self, what: str) -> sqlite3.Connection:
        if self._db is None:
            raise OutboxError(f"outbox {self.path}: cannot {what}: it is closed")
        return self._db

    # --- the API ---------------------------------------------------------------------------

    def put(self, event: E) -> E:
        """Give `event` the next `seq`, commit it durably, return it with `seq` set.

        Putting the same `event_id` again returns the stored copy (no second `seq`).
        Raises `OutboxError` when the event could not be committed.
        """
        topic = topics.event(event.hall_id, event.device_id, event.TYPE)
        with self._tx("store event") as db:
            row = db.execute("SELECT seq FROM events WHERE event_id = ?", (event.event_id,)).fetchone()
            if row is not None:
                return event.model_copy(update={"seq": int(row[0])})
            (seq,) = db.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()
            db.execute("UPDATE meta SET value = ? WHERE key = 'next_seq'", (seq + 1,))
            stored = event.model_copy(update={"seq": int(seq)})
            db.execute(
                "INSERT INTO events (seq, event_id, topic, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                (seq, stored.event_id, topic, stored.to_json(), self._clock.time()),
            )
        return stored

    def due(self, limit: int, *, resends: bool = True) -> list[OutboxEntry]:
        """Unacked entries whose resend time has come, oldest (lowest seq) first.

        `resends=False`: only those due now (never sent, or made due by `requeue_all`), not those
        waiting out their resend time (the link holds those while the county is offline).
        """
        if limit <= 0:
            return []
        cols = "SELECT event_id, seq, topic, payload, attempts FROM events"
        with self._read("read due events") as db:
            # Two index range reads instead of one scan past every event that waits for its ack:
            # those due now (next_try = 0, the usual case) and resends whose time has come.
            now_due = db.execute(
                f"{cols} WHERE acked_at IS NULL AND next_try = 0 ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
            resend = (
                db.execute(
                    f"{cols} WHERE acked_at IS NULL AND next_try > 0 AND next_try <= ? ORDER BY seq LIMIT ?",
                    (self._clock.monotonic(), limit),
                ).fetchall()
                if resends
                else []
            )
        rows = sorted(now_due + resend, key=lambda r: r[1])[:limit] if resend else now_due
        return [OutboxEntry(r[0], int(r[1]), r[2], bytes(r[3]), int(r[4])) for r in rows]

    def mark_sent(self, event_ids: Iterable[str]) -> None:
        """Record a send of each event and schedule its resend with exponential backoff."""
        now = self._clock.monotonic()
        # min(MAX, FIRST * 2^attempts) with `attempts` counted before this send.
        sql = (
            "UPDATE events SET attempts = attempts + 1,"
            " next_try = ? + min(?, ? * (1 << min(attempts, 16)))"
            " WHERE event_id = ? AND acked_at IS NULL"
        )
        rows = [(now, MAX_RESEND_S, FIRST_RESEND_S, eid) for eid in event_ids]
        if not rows:
            return
        with self._tx("record sends", durable=False) as db:
            db.executemany(sql, rows)

    def requeue_all(self, after_s: float = 0.0) -> int:
        """Make every unacked event due now (after a reconnect the backlog drains oldest first), or
        `after_s` from now (what the broker already queued may be acked before then); an event never
        sent is due now either way."""
        when = self._clock.monotonic() + after_s if after_s > 0 else 0.0
        with self._tx("requeue events", durable=False) as db:
            return db.execute(
                "UPDATE events SET next_try = CASE WHEN attempts = 0 THEN 0 ELSE ? END"
                " WHERE acked_at IS NULL",
                (when,),
            ).rowcount

    def ack(self, item: AckItem) -> bool:
        """End an event's life on `stored`, `duplicate` or `rejected`. False for an unknown/acked id."""
        return self.ack_many([item]) == 1

    def ack_many(self, items: Iterable[AckItem]) -> int:
        """`ack` for a batch in one transaction (one fsync); returns how many events it ended."""
        items = list(items)
        if not items:
            return 0
        now = self._clock.time()
        done = 0
        with self._tx("record acks", durable=False) as db:
            for item in items:
                cur = db.execute(
                    "UPDATE events SET acked_at = ?, result = ?, reason = ?"
                    " WHERE event_id = ? AND acked_at IS NULL",
                    (now, item.result, item.reason, item.event_id),
                )
                done += cur.rowcount
                if cur.rowcount and item.result == "rejected":
                    log.warning(
                        "county rejected event %s: %s", item.event_id, item.reason or "no reason given"
                    )
        return done

    def backlog(self) -> Backlog:
        with self._read("count the backlog") as db:
            n, oldest = db.execute(
                "SELECT count(*), min(created_at) FROM events WHERE acked_at IS NULL"
            ).fetchone()
        age = max(0.0, self._clock.time() - oldest) if oldest is not None else None
        return Backlog(unacked=int(n), oldest_age_s=age)

    def awaiting_ack(self) -> int:
        """Unacked events sent at least once (the county has them, or they are on the way)."""
        with self._read("count sent events") as db:
            (n,) = db.execute(
                "SELECT count(*) FROM events WHERE acked_at IS NULL AND attempts > 0"
            ).fetchone()
        return int(n)

    def disk(self) -> DiskState:
        """Free bytes on the database's filesystem (for the user the device runs as)."""
        try:
            st = os.statvfs(self.path.parent)
            free = st.f_bavail * st.f_frsize
        except OSError:
            free = 0
        return DiskState(free_bytes=free, low=free < self.low_disk_bytes)

    def prune(self) -> int:
        """Delete acked events acked longer ago than the retention time; never an unacked one."""
        cutoff = self._clock.time() - self.retention_s
        with self._tx("prune") as db:
            n = db.execute(
                "DELETE FROM events WHERE acked_at IS NOT NULL AND acked_at < ?", (cutoff,)
            ).rowcount
        if n:
            log.info("outbox pruned %d acked events older than %.0f days", n, self.retention_s / 86400)
        return int(n)

    def last_seq(self) -> int:
        """The highest `seq` ever given out (0 for a new outbox), pruned events included."""
        with self._read("read the counter") as db:
            (nxt,) = db.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()
        return int(nxt) - 1

    def outcome(self, event_id: str) -> tuple[str, str | None] | None:
        """(result, reason) of an acked event, None while unacked or unknown (for audit and tests)."""
        with self._read("read an event") as db:
            row = db.execute(
                "SELECT result, reason FROM events WHERE event_id = ? AND acked_at IS NOT NULL", (event_id,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                try:
                    self._db.close()
                finally:
                    self._db = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
