"""The upstream queue in the county store: claim, settle, list and retry reports.

A row is written with its rating (county/store.py, same transaction) and deleted only when the
province confirms it (the confirmation is kept in `upstream_sent`). Senders claim rows in the
database, not in memory: a claim is a lease (`claimed_by`, `claimed_until`) taken with an UPDATE
that PostgreSQL runs over `FOR UPDATE SKIP LOCKED` and SQLite under its one writer lock, so two
receivers sharing the load never post the same report at once, and a sender killed mid-post
leaves rows that any sender takes again when the lease runs out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.levels import Level
from county.store import EventStore

Kind = Literal["sent", "retry", "refused", "unsent"]  # unsent: not posted (the round stopped early)


@dataclass(frozen=True, slots=True)
class Report:
    """One stored rating as the province gets it (read from the `ratings` row)."""

    event_id: str
    case_id: str | None
    assess_number: int
    channel: int
    level: Level
    reasons: tuple[str, ...]
    comment: str
    rated_at: datetime
    item_code: str | None
    item_name: str | None
    region_code: str
    system_default: bool
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    event_id: str
    kind: Kind
    error: str | None = None  # one line, no payload
    duplicate: bool = False  # the province says it had it already
    retry_at_ms: int = 0  # kind "retry": not before


@dataclass(frozen=True, slots=True)
class QueueStats:
    waiting: int
    oldest_queued_ms: int | None
    refused: int


@dataclass(frozen=True, slots=True)
class Refused:
    event_id: str
    case_id: str | None
    assess_number: int
    queued_ms: int
    attempts: int
    error: str | None


_REPORT_COLUMNS = (
    "r.event_id, r.case_id, r.assess_number, r.channel, r.level, r.reasons, r.comment, r.rated_at,"
    " r.item_code, r.item_name, r.region_code, r.system_default, q.attempts"
)


def _report(row: Sequence[object]) -> Report:
    return Report(
        event_id=str(row[0]),
        case_id=row[1] if row[1] is None else str(row[1]),
        assess_number=int(str(row[2])),
        channel=int(str(row[3])),
        level=Level(int(str(row[4]))),
        reasons=tuple(json.loads(str(row[5]))),
        comment=str(row[6]),
        rated_at=datetime.fromisoformat(str(row[7])),
        item_code=None if row[8] is None else str(row[8]),
        item_name=None if row[9] is None else str(row[9]),
        region_code=str(row[10]),
        system_default=bool(row[11]),
        attempts=int(str(row[12])),
    )


class UpstreamQueue:
    """The queue seen by one sender (`owner`: unique per process) over its own store connection."""

    def __init__(
        self, store: EventStore, owner: str, now_ms: Callable[[], int] = lambda: int(time.time() * 1000)
    ) -> None:
        self.store = store
        self.owner = owner
        self.now_ms = now_ms
        self._pick = (
            "SELECT event_id FROM upstream_queue WHERE NOT refused AND next_ms <= ? AND claimed_until <= ?"
            " ORDER BY queued_ms, event_id LIMIT ?"
            + (" FOR UPDATE SKIP LOCKED" if store.dialect == "postgresql" else "")
        )

    def claim(self, limit: int, lease_s: float) -> list[Report]:
        """Up to `limit` due reports, oldest first, leased to this owner for `lease_s` seconds."""
        now = self.now_ms()
        with self.store.transaction() as cur:
            cur.execute(
                self.store.sql(
                    "UPDATE upstream_queue SET claimed_by = ?, claimed_until = ?"
                    f" WHERE event_id IN ({self._pick})"
                    " RETURNING event_id"
                ),
                (self.owner, now + int(lease_s * 1000), now, now, limit),
            )
            ids = [str(r[0]) for r in cur.fetchall()]
            if not ids:
                return []
            cur.execute(
                self.store.sql(
                    f"SELECT {_REPORT_COLUMNS} FROM upstream_queue q"
                    " JOIN ratings r ON r.event_id = q.event_id"
                    f" WHERE q.event_id IN ({','.join('?' * len(ids))}) ORDER BY q.queued_ms, q.event_id"
                ),
                ids,
            )
            return [_report(r) for r in cur.fetchall()]

    def settle(self, outcomes: Sequence[Outcome]) -> int:
        """Apply what the province answered, in one transaction; returns how many were confirmed
        here (a report another sender confirmed meanwhile is not counted twice)."""
        if not outcomes:
            return 0
        now = self.now_ms()
        confirmed = 0
        with self.store.transaction() as cur:
            for o in outcomes:
                if o.kind == "sent":
                    cur.execute(
                        self.store.sql("DELETE FROM upstream_queue WHERE event_id = ? RETURNING attempts"),
                        (o.event_id,),
                    )
                    row = cur.fetchone()
                    if row is None:
                        continue  # confirmed already (a lease that ran out): keep the first record
                    cur.execute(
                        self.store.sql(
                            "INSERT INTO upstream_sent (event_id, confirmed_ms, attempts, duplicate)"
                            " VALUES (?, ?, ?, ?)"
                        ),
                        (o.event_id, now, int(row[0]) + 1, o.duplicate),
                    )
                    confirmed += 1
                elif o.kind == "retry":
                    cur.execute(
                        self.store.sql(
                            "UPDATE upstream_queue SET attempts = attempts + 1, next_ms = ?, last_error = ?,"
                            " claimed_by = NULL, claimed_until = 0 WHERE event_id = ? AND claimed_by = ?"
                        ),
                        (o.retry_at_ms, o.error, o.event_id, self.owner),
                    )
                elif o.kind == "unsent":
                    cur.execute(
                        self.store.sql(
                            "UPDATE upstream_queue SET claimed_by = NULL, claimed_until = 0"
                            " WHERE event_id = ? AND claimed_by = ?"
                        ),
                        (o.event_id, self.owner),
                    )
                else:
                    cur.execute(
                        self.store.sql(
                            "UPDATE upstream_queue SET attempts = attempts + 1, refused = TRUE,"
                            " last_error = ?,"
                            " claimed_by = NULL, claimed_until = 0 WHERE event_id = ? AND claimed_by = ?"
                        ),
                        (o.error, o.event_id, self.owner),
                    )
        return confirmed

    def release(self) -> None:
        """Give back this owner's claims (a clean stop), so another sender need not wait out the lease."""
        with self.store.transaction() as cur:
            cur.execute(
                self.store.sql(
                    "UPDATE upstream_queue SET claimed_by = NULL, claimed_until = 0 WHERE claimed_by = ?"
                ),
                (self.owner,),
            )

    def stats(self) -> QueueStats:
        return queue_stats(self.store)


def queue_stats(store: EventStore) -> QueueStats:
    rows = store.rows("SELECT refused, count(*), min(queued_ms) FROM upstream_queue GROUP BY refused")
    waiting, oldest, refused = 0, None, 0
    for flag, n, first in rows:
        if flag:
            refused = int(n)
        else:
            waiting, oldest = int(n), None if first is None else int(first)
    return QueueStats(waiting, oldest, refused)


def refused_reports(store: EventStore) -> list[Refused]:
    rows = store.rows(
        "SELECT q.event_id, r.case_id, r.assess_number, q.queued_ms, q.attempts, q.last_error"
        " FROM upstream_queue q JOIN ratings r ON r.event_id = q.event_id WHERE q.refused"
        " ORDER BY q.queued_ms, q.event_id"
    )
    return [Refused(str(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows]


def retry_refused(store: EventStore, event_ids: Sequence[str] | None = None) -> int:
    """Put refused reports back in line (all, or the ones named); returns how many."""
    with store.transaction() as cur:
        if event_ids is None:
            cur.execute("UPDATE upstream_queue SET refused = FALSE, next_ms = 0 WHERE refused")
        else:
            cur.execute(
                store.sql(
                    "UPDATE upstream_queue SET refused = FALSE, next_ms = 0 WHERE refused AND event_id IN"
                    f" ({','.join('?' * len(event_ids))})"
                ),
                list(event_ids),
            )
        return max(0, cur.rowcount)
