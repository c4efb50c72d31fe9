"""The daily summary of the ratings (`rating_days`, migration 4), kept exact in the writers' transactions.

The statistics (county/stats.py) read it instead of the ratings: a year of a county is some
thousands of summary rows, not a million ratings. For each China-time day and hall it holds one
row per window, per first clerk (with the name rated), per item (with its name) and per channel
(`dim`), each with seven counts that split the ratings exactly once: active by level 1-5, system
defaults, invalid (docs/county.md "What each number means"). Every rating is in every `dim` once,
so a hall's or a day's figures are the sum of its `window` rows.

Who writes ratings keeps it in the same transaction, so it commits or rolls back with them:

- `EventStore._store_all` (receivers, and the system defaults through `store_batch`): `add`;
- a 申诉 approved (`approve_invalid`, county/workorders.py): `mark_invalid` moves the rating
  from its level (or defaults) to invalid.

Nothing else inserts, changes or deletes ratings. `rebuild` recounts it from the ratings (the
back-fill of migration 4), for a store filled by hand (the benches); `differences` compares it
with a recount (tests, an operator's check).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from county.schema import SUMMARY_BACKFILL, SUMMARY_COUNTS, SUMMARY_DIMS, SUMMARY_RECOUNT

if TYPE_CHECKING:
    from core.events import RatingEvent
    from county.store import Cursor, EventStore

DIMS = tuple(SUMMARY_DIMS)
# (dim, rated_day, hall_id, k, label)
Key = tuple[str, str, str, str, str]

_UPSERT = (
    "INSERT INTO rating_days (dim, rated_day, hall_id, k, label, {counts}) VALUES (?, ?, ?, ?, ?, {marks})"
    " ON CONFLICT (dim, rated_day, hall_id, k, label) DO UPDATE SET {sets}"
).format(
    counts=", ".join(SUMMARY_COUNTS),
    marks=", ".join("?" * len(SUMMARY_COUNTS)),
    sets=", ".join(f"{c} = rating_days.{c} + excluded.{c}" for c in SUMMARY_COUNTS),
)
_INVALID = SUMMARY_COUNTS.index("invalid")
_DEFAULTS = SUMMARY_COUNTS.index("defaults")


def count_index(level: int, system_default: bool, invalid: bool) -> int:
    """Which of the seven counts a rating is in (the FILTERs of the back-fill, in Python)."""
    if invalid:
        return _INVALID
    if system_default:
        return _DEFAULTS
    return level - 1


def keys(
    day: str,
    hall: str,
    window: str | None,
    staff_id: str | None,
    staff_name: str | None,
    item_code: str | None,
    item_name: str | None,
    channel: int,
) -> list[Key]:
    """The summary rows a rating is counted in, one per `dim` (order of `DIMS`)."""
    return [
        ("window", day, hall, window or "", ""),
        ("staff", day, hall, staff_id or "", staff_name or ""),
        ("item", day, hall, item_code or "", item_name or ""),
        ("channel", day, hall, str(channel), ""),
    ]


def _apply(store: EventStore, cur: Cursor, deltas: dict[Key, list[int]]) -> None:
    # keys in one order: two PostgreSQL writers upserting the same rows lock them alike
    rows = [(*k, *v) for k, v in sorted(deltas.items()) if any(v)]
    if rows:
        cur.executemany(store.sql(_UPSERT), rows)


def add(store: EventStore, cur: Cursor, ratings: Iterable[RatingEvent]) -> None:
    """Count ratings just inserted by this transaction (each once: duplicates are never passed)."""
    from county.store import rated_day  # county.store imports this module

    deltas: dict[Key, list[int]] = {}
    for r in ratings:
        first = r.staff[0] if r.staff else None
        i = count_index(int(r.level), r.system_default, False)
        for key in keys(
            rated_day(r),
            r.hall_id,
            r.window_id,
            first.id if first else None,
            first.name if first else None,
            r.item_code,
            r.item_name,
            r.channel,
        ):
            deltas.setdefault(key, [0] * len(SUMMARY_COUNTS))[i] += 1
    _apply(store, cur, deltas)


def mark_invalid(store: EventStore, cur: Cursor, event_id: str) -> bool:
    """Make a rating invalid (误评/恶意差评 approved on appeal) and move it in the summary; False
    if there is no such rating or it is invalid already (nothing changes then)."""
    cur.execute(
        store.sql(
            "SELECT rated_day, hall_id, window_id, staff_id, staff_name, item_code, item_name, channel,"
            " level, system_default FROM ratings WHERE event_id = ? AND NOT invalid"
        ),
        [event_id],
    )
    row = cur.fetchone()
    if row is None:
        return False
    # guarded: of two approvals racing (PostgreSQL), only the one that changes the row moves it
    cur.execute(store.sql("UPDATE ratings SET invalid = TRUE WHERE event_id = ? AND NOT invalid"), [event_id])
    if cur.rowcount != 1:
        return False
    day, hall, window, staff_id, staff_name, item_code, item_name, channel, level, default = row
    if day is None:  # never counted (a row without its day, from before migration 2 filled it)
        return True
    before = count_index(int(level), bool(default), False)
    move = [0] * len(SUMMARY_COUNTS)
    move[before] -= 1
    move[_INVALID] += 1
    _apply(
        store,
        cur,
        {
            k: list(move)
            for k in keys(day, hall, window, staff_id, staff_name, item_code, item_name, int(channel))
        },
    )
    return True


def rebuild(store: EventStore) -> None:
    """Recount the whole summary from the ratings (migration 4's back-fill), in one transaction."""
    with store.transaction() as cur:
        if store.dialect == "postgresql":  # writers wait; readers go on reading the old rows
            cur.execute("LOCK TABLE ratings IN SHARE MODE")
        cur.execute("DELETE FROM rating_days")
        for sql in SUMMARY_BACKFILL:
            cur.execute(sql)


def _rows(cur: Cursor, sql: str) -> dict[Key, tuple[int, ...]]:
    cur.execute(sql)
    out: dict[Key, tuple[int, ...]] = {}
    for r in cur.fetchall():
        n = tuple(int(x) for x in r[5:])
        if any(n):
            out[(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))] = n
    return out


def differences(store: EventStore) -> list[str]:
    """How the summary differs from a recount of the ratings (empty: it is exact), one line each.
    Reads both in one transaction, so no writer comes between them."""
    with store.transaction() as cur:
        if store.dialect == "postgresql":  # one snapshot for both reads
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        kept = _rows(
            cur, f"SELECT dim, rated_day, hall_id, k, label, {', '.join(SUMMARY_COUNTS)} FROM rating_days"
        )
        fresh = _rows(cur, " UNION ALL ".join(SUMMARY_RECOUNT))
    return [
        f"{'/'.join(key)}: summary {kept.get(key)}, ratings {fresh.get(key)}"
        for key in sorted(kept.keys() | fresh.keys())
        if kept.get(key) != fresh.get(key)
    ]
