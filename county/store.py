"""Storage of events, exactly once (docs/contracts.md, Delivery): SQLite (WAL) by default, PostgreSQL by URL.

One interface, `EventStore.store_batch`: it stores a batch in one transaction and returns, per
event, `stored` or `duplicate` (same `event_id` again, or a second rating of the same
`(case_id, assess_number)`). Only after it has returned (committed) may the acks go out.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from core.clock import CHINA_TZ
from core.events import Event, ExpiredEvent, RatingEvent, SigninEvent, SignoutEvent, StaffRef
from core.messages import AckResult
from county import summary, workorders
from county.schema import VERSION_TABLE, Dialect, SchemaError, pending
from county.workdays import WorkCalendar

log = logging.getLogger("county.store")


def _json_list(items: list[Any]) -> str:
    return json.dumps(items, ensure_ascii=False) if items else "[]"  # mostly empty: skip the encoder


@functools.lru_cache(maxsize=4096)
def _staff_json(staff: tuple[StaffRef, ...]) -> str:
    """A rating's clerks as stored; a window's clerks repeat all day, so encode each list once."""
    return _json_list([{"id": s.id, "name": s.name} for s in staff])


def _ts(value: datetime) -> str:
    return value.isoformat()


def rated_day(event: RatingEvent) -> str:
    """The China-time day of a rating (statistics, due dates): YYYY-MM-DD."""
    return event.rated_at.astimezone(CHINA_TZ).date().isoformat()


def _detail_row(event: Event) -> tuple[str, tuple[Any, ...]] | None:
    """The typed row of an event (the insert that may conflict on the one-rating rule)."""
    if isinstance(event, RatingEvent):
        return (
            "INSERT INTO ratings (event_id, hall_id, device_id, window_id, region_code, channel, input,"
            " case_id, assess_number, item_code, item_name, staff, level, gbt_code, reasons, comment,"
            " public, system_default, invited_at, rated_at, rated_day, staff_id, staff_name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.event_id,
                event.hall_id,
                event.device_id,
                event.window_id,
                event.region_code,
                event.channel,
                event.input,
                event.case_id,
                event.assess_number,
                event.item_code,
                event.item_name,
                _staff_json(tuple(event.staff)),
                int(event.level),
                event.gbt_code,
                _json_list(event.reasons),
                event.comment,
                event.public,
                event.system_default,
                _ts(event.invited_at),
                _ts(event.rated_at),
                rated_day(event),
                event.staff[0].id if event.staff else None,
                event.staff[0].name if event.staff else None,
            ),
        )
    if isinstance(event, ExpiredEvent):
        return (
            "INSERT INTO expirations (event_id, hall_id, device_id, window_id, case_id, assess_number,"
            " item_code, invited_at, expired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.event_id,
                event.hall_id,
                event.device_id,
                event.window_id,
                event.case_id,
                event.assess_number,
                event.item_code,
                _ts(event.invited_at),
                _ts(event.expired_at),
            ),
        )
    if isinstance(event, SigninEvent | SignoutEvent):
        return (
            "INSERT INTO sign_events (event_id, type, hall_id, device_id, window_id, staff_id, staff_name,"
            " at, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.event_id,
                event.TYPE,
                event.hall_id,
                event.device_id,
                event.window_id,
                event.staff.id,
                event.staff.name,
                _ts(event.at),
                event.cause if isinstance(event, SignoutEvent) else None,
            ),
        )
    return None


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def execute(self, sql: Any, params: Any = ..., /) -> Any: ...
    def executemany(self, sql: Any, params: Any, /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class EventStore:
    """Exactly-once storage over a DB-API connection; the backends differ in connection and SQL dialect."""

    placeholder = "?"

    def __init__(self) -> None:
        self.url = ""
        # working days for work-order due dates; the service sets the county's (override file)
        self.calendar = WorkCalendar()
        # One connection, one transaction at a time: threads that share a store take turns (the
        # receiver's worker and whoever reads beside it; two transactions interleaved on one
        # connection fail: psycopg's nesting check, SQLite's BEGIN within a transaction).
        self._tx_lock = threading.RLock()

    @contextmanager
    def _transaction(self) -> Iterator[Cursor]:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractContextManager[Cursor]:
        """One transaction (committed on leaving, rolled back on an exception); `?` via `sql()`."""
        return self._transaction()

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    sql = _sql

    dialect: Dialect = "sqlite"

    def create_schema(self) -> None:
        """Apply every pending migration (county/schema.py), each in its own transaction."""
        with self._transaction() as cur:
            cur.execute(VERSION_TABLE)
        while True:
            with self._transaction() as cur:
                self._lock_schema(cur)  # two receivers starting at once: one migrates, one waits
                cur.execute("SELECT version FROM schema_version")
                todo = pending({int(r[0]) for r in cur.fetchall()})
                if not todo:
                    return
                step = todo[0]
                for sql in step.sql(self.dialect):
                    cur.execute(sql)
                cur.execute(
                    self._sql("INSERT INTO schema_version (version, name, applied_ms) VALUES (?, ?, ?)"),
                    (step.version, step.name, int(time.time() * 1000)),
                )
                log.info("database: applied migration %d (%s)", step.version, step.name)

    def schema_version(self) -> int:
        with self._transaction() as cur:
            cur.execute("SELECT max(version) FROM schema_version")
            row = cur.fetchone()
            return int(row[0]) if row and row[0] is not None else 0

    def _lock_schema(self, cur: Cursor) -> None:
        """SQLite: BEGIN IMMEDIATE already serialises; PostgreSQL takes an advisory lock."""

    def store_batch(
        self, events: Sequence[Event], payloads: Sequence[bytes] | None = None, received_ms: int | None = None
    ) -> list[AckResult]:
        """Store `events` in one transaction (committed on return): `stored` or `duplicate` each.

        `payloads` are the events as received (kept verbatim for audit); default: re-serialised.
        """
        now = received_ms if received_ms is not None else int(time.time() * 1000)
        if payloads is None:
            payloads = [e.to_json() for e in events]
        raws = [p.decode() for p in payloads]
        if len(raws) != len(events):
            raise ValueError("one payload per event")
        with self._transaction() as cur:
            return self._store_all(cur, events, raws, now)

    def _lock(self, cur: Cursor) -> None:
        """Serialise writers for the check-then-insert below (SQLite: BEGIN IMMEDIATE does it)."""

    def _existing(self, cur: Cursor, sql: str, keys: list[Any]) -> set[Any]:
        found: set[Any] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            cur.execute(self._sql(sql.format(",".join("?" * len(chunk)))), chunk)
            found.update(r[0] for r in cur.fetchall())
        return found

    def _store_all(self, cur: Cursor, events: Sequence[Event], raws: list[str], now: int) -> list[AckResult]:
        # Set-based: two look-ups and one multi-row insert per table per batch, not two statements
        # per event. Writers are serialised (`_lock`), so nothing changes between look-up and insert.
        self._lock(cur)
        seen = self._existing(
            cur, "SELECT event_id FROM events WHERE event_id IN ({})", list({e.event_id for e in events})
        )
        cases = {(e.case_id, e.assess_number) for e in events if isinstance(e, RatingEvent) and e.case_id}
        taken = (
            {(c, n) for c, n in self._existing_pairs(cur, sorted({c for c, _ in cases}))} if cases else set()
        )
        results: list[AckResult] = []
        rows: list[tuple[Any, ...]] = []
        details: dict[str, list[tuple[Any, ...]]] = {}
        bad: list[RatingEvent] = []  # stored 差评: each opens its work order in this transaction
        stored_ratings: list[RatingEvent] = []  # counted in the daily summary in this transaction
        for event, raw in zip(events, raws, strict=True):
            if event.event_id in seen:
                results.append("duplicate")  # this event_id is stored already
                continue
            if isinstance(event, RatingEvent) and event.case_id:
                key = (event.case_id, event.assess_number)
                if key in taken:
                    results.append("duplicate")  # a second rating of this case round (一事一评)
                    continue
                taken.add(key)
            seen.add(event.event_id)
            rows.append((event.event_id, event.TYPE, event.hall_id, event.device_id, event.seq, now, raw))
            detail = _detail_row(event)
            if detail is not None:
                details.setdefault(detail[0], []).append(detail[1])
            if isinstance(event, RatingEvent):
                stored_ratings.append(event)
                if event.level.is_bad and not event.system_default:
                    bad.append(event)
            results.append("stored")
        if rows:
            cur.executemany(
                self._sql(
                    "INSERT INTO events (event_id, type, hall_id, device_id, seq, received_ms, payload)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)"
                ),
                rows,
            )
        for sql, params in details.items():
            cur.executemany(self._sql(sql), params)
        # every stored rating (device ratings and system defaults) is reported to the province,
        # and its report row commits or rolls back with it (county/upstream/queue.py sends them)
        reports = [(r[0], now) for r in rows if r[1] == RatingEvent.TYPE]
        if reports:
            cur.executemany(
                self._sql("INSERT INTO upstream_queue (event_id, queued_ms) VALUES (?, ?)"), reports
            )
        if stored_ratings:
            summary.add(self, cur, stored_ratings)
        if bad:
            workorders.open_for(self, cur, bad, now)
        return results

    def _existing_pairs(self, cur: Cursor, case_ids: list[str]) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for i in range(0, len(case_ids), 500):
            chunk = case_ids[i : i + 500]
            cur.execute(
                self._sql(
                    "SELECT case_id, assess_number FROM ratings WHERE case_id IN ({})".format(
                        ",".join("?" * len(chunk))
                    )
                ),
                chunk,
            )
            out.extend((r[0], int(r[1])) for r in cur.fetchall())
        return out

    def rated_pairs(self, case_ids: list[str]) -> set[tuple[str, int]]:
        """The (case_id, assess_number) rounds of these cases that have a rating stored (any kind).

        A short transaction per 500 cases: the receiver's batches never wait long behind it.
        """
        found: set[tuple[str, int]] = set()
        for i in range(0, len(case_ids), 500):
            with self._transaction() as cur:
                found.update(self._existing_pairs(cur, case_ids[i : i + 500]))
        return found

    def count(self, table: str = "events") -> int:
        if not re.fullmatch(r"[a-z_]+", table):
            raise ValueError(f"no table {table!r}")
        with self._transaction() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")  # table name checked above
            return int(cur.fetchone()[0])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read-only query helper (tests, the monitor): `?` placeholders on every backend."""
        with self._transaction() as cur:
            cur.execute(self._sql(sql), params)
            return [tuple(r) for r in cur.fetchall()]

    def close(self) -> None:
        raise NotImplementedError


class SqliteStore(EventStore):
    """SQLite in WAL mode, `synchronous=FULL`: a committed batch survives a power cut."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self.create_schema()

    @contextmanager
    def _transaction(self) -> Iterator[Cursor]:
        with self._tx_lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def close(self) -> None:
        self._conn.close()


class PostgresStore(EventStore):
    """PostgreSQL through psycopg 3 (the `postgres` extra)."""

    placeholder = "%s"
    dialect: Dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg  # optional dependency: only when a postgresql:// URL is configured

        self.url = url
        self._connect = functools.partial(psycopg.connect, url, autocommit=False, connect_timeout=10)
        self._conn = self._connect()
        self.create_schema()

    @contextmanager
    def _transaction(self) -> Iterator[Cursor]:
        # A server that restarted (or a network cut) leaves this connection closed for good: open a
        # new one for the next transaction. The failed one raised, so its batch is retried, unacked.
        with self._tx_lock:
            if self._conn.closed or self._conn.broken:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = self._connect()
                log.info("database: connected again to PostgreSQL")
            with self._conn.transaction(), self._conn.cursor() as cur:
                yield cur

    def _lock_schema(self, cur: Cursor) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(4242001)")  # fixed key: "the county schema"

    _serialise = False  # True for the retry of a batch that met a concurrent writer

    def store_batch(
        self, events: Sequence[Event], payloads: Sequence[bytes] | None = None, received_ms: int | None = None
    ) -> list[AckResult]:
        # Optimistic: receivers serving their own halls never write the same rows, so their batches
        # run in parallel, unlocked. The unique keys are the last word: a concurrent insert of the
        # same event or case round (which the look-up could not see) fails the batch as a whole, or
        # two such writers deadlock and one is failed; that batch is then done again under a table
        # lock, where the look-up sees every committed row and reports `duplicate`.
        from psycopg import errors

        try:
            return super().store_batch(events, payloads, received_ms)
        except (errors.UniqueViolation, errors.DeadlockDetected) as e:
            log.info(
                "database: another writer stored part of this batch (%s); storing it again, serialised",
                type(e).__name__,
            )
        self._serialise = True
        try:
            return super().store_batch(events, payloads, received_ms)
        finally:
            self._serialise = False

    def _lock(self, cur: Cursor) -> None:
        if self._serialise:  # one batch at a time (reads go on) while this one is retried
            cur.execute("LOCK TABLE events, ratings IN SHARE ROW EXCLUSIVE MODE")

    def close(self) -> None:
        self._conn.close()


class StoreError(Exception):
    """A database that cannot be used; `str()` is the one line to show."""


def open_store(url: str) -> EventStore:
    """`sqlite:///relative.db`, `sqlite:////abs/path.db` or `postgresql://...`."""
    if url.startswith("sqlite:///"):
        try:
            return SqliteStore(url[len("sqlite:///") :])
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"database: cannot open {url}: {e}") from None
        except SchemaError as e:
            raise StoreError(f"database {url}: {e}") from None
    if url.startswith(("postgresql://", "postgres://")):
        try:
            return PostgresStore(url)
        except ImportError:
            raise StoreError("database: PostgreSQL needs psycopg (the 'postgres' extra)") from None
        except SchemaError as e:
            raise StoreError(f"database: {e}") from None
        except Exception as e:  # psycopg.OperationalError and kin: say it in one line
            raise StoreError(f"database: cannot use PostgreSQL: {str(e).strip().splitlines()[0]}") from None
    raise StoreError(f"database: unsupported URL {url!r} (sqlite:///PATH or postgresql://...)")
