"""The county store's schema as numbered migrations, applied at start by every backend.

A county upgrading keeps its data: each migration runs once, in order, in its own transaction,
and its number is recorded in `schema_version`. Version 1 is the schema as first shipped (its
`CREATE ... IF NOT EXISTS` statements also adopt a database made before migrations existed).
Never edit a migration that has shipped; add the next number. Statements are portable SQL
(SQLite >= 3.24 and PostgreSQL), or a `{"sqlite": ..., "postgresql": ...}` pair where the
dialects differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Dialect = Literal["sqlite", "postgresql"]
Statement = str | Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: Sequence[Statement]

    def sql(self, dialect: Dialect) -> list[str]:
        return [s if isinstance(s, str) else s[dialect] for s in self.statements]


BASE_TABLES: dict[str, str] = {
    "events": """
        CREATE TABLE IF NOT EXISTS events (
            event_id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            hall_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            seq BIGINT NOT NULL,
            received_ms BIGINT NOT NULL,
            payload TEXT NOT NULL
        )""",
    "ratings": """
        CREATE TABLE IF NOT EXISTS ratings (
            event_id TEXT PRIMARY KEY,
            hall_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            window_id TEXT,
            region_code TEXT NOT NULL,
            channel INTEGER NOT NULL,
            input TEXT NOT NULL,
            case_id TEXT,
            assess_number INTEGER NOT NULL,
            item_code TEXT,
            item_name TEXT,
            staff TEXT NOT NULL,
            level INTEGER NOT NULL,
            gbt_code INTEGER NOT NULL,
            reasons TEXT NOT NULL,
            comment TEXT NOT NULL,
            public BOOLEAN NOT NULL,
            system_default BOOLEAN NOT NULL,
            invited_at TEXT NOT NULL,
            rated_at TEXT NOT NULL,
            UNIQUE (case_id, assess_number)
        )""",
    "expirations": """
        CREATE TABLE IF NOT EXISTS expirations (
            event_id TEXT PRIMARY KEY,
            hall_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            window_id TEXT,
            case_id TEXT NOT NULL,
            assess_number INTEGER NOT NULL,
            item_code TEXT,
            invited_at TEXT NOT NULL,
            expired_at TEXT NOT NULL
        )""",
    "sign_events": """
        CREATE TABLE IF NOT EXISTS sign_events (
            event_id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            hall_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            window_id TEXT,
            staff_id TEXT NOT NULL,
            staff_name TEXT NOT NULL,
            at TEXT NOT NULL,
            cause TEXT
        )""",
}

# --- migration 2: the county loop (docs/county.md "The 好差评 loop") ---
WORKORDER_COLUMNS = """
    event_id TEXT NOT NULL UNIQUE,
    hall_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    window_id TEXT,
    case_id TEXT,
    item_code TEXT,
    staff_id TEXT,
    level INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    rated_at TEXT NOT NULL,
    rated_day TEXT NOT NULL,
    due TEXT NOT NULL,
    due_provisional BOOLEAN NOT NULL DEFAULT FALSE,
    state TEXT NOT NULL,
    appeal_from TEXT,
    visited BOOLEAN NOT NULL DEFAULT FALSE,
    closed_day TEXT,
    overdue_alerted BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms BIGINT NOT NULL"""
ACTION_COLUMNS = """
    workorder_id BIGINT NOT NULL REFERENCES workorders (id),
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL"""
ALERT_COLUMNS = """
    workorder_id BIGINT NOT NULL REFERENCES workorders (id),
    hall_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    sent_ms BIGINT"""

# --- migration 4: the daily summary the statistics read (county/summary.py) ---
# One row per China-time day, hall and value of one grouping (`dim`): `k` is the window id, the
# first clerk's id, the item code or the channel; `label` the clerk's or item's name as rated.
# A missing value is '' (never NULL, so the primary key is the upsert's conflict target); the
# statistics count NULL and '' as one key already. The seven counts split every rating exactly
# once: an active rating by level, a system default, an invalid one.
SUMMARY_COUNTS = ("level1", "level2", "level3", "level4", "level5", "defaults", "invalid")
SUMMARY_COLUMNS = """
    dim TEXT NOT NULL,
    rated_day TEXT NOT NULL,
    hall_id TEXT NOT NULL,
    k TEXT NOT NULL,
    label TEXT NOT NULL,
    level1 BIGINT NOT NULL DEFAULT 0,
    level2 BIGINT NOT NULL DEFAULT 0,
    level3 BIGINT NOT NULL DEFAULT 0,
    level4 BIGINT NOT NULL DEFAULT 0,
    level5 BIGINT NOT NULL DEFAULT 0,
    defaults BIGINT NOT NULL DEFAULT 0,
    invalid BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, rated_day, hall_id, k, label)"""
_ACTIVE = "NOT invalid AND NOT system_default"
_SUMMARY_FROM_RATINGS = ", ".join(
    [
        *(f"count(*) FILTER (WHERE level = {n} AND {_ACTIVE}) AS level{n}" for n in range(1, 6)),
        "count(*) FILTER (WHERE system_default AND NOT invalid) AS defaults",
        "count(*) FILTER (WHERE invalid) AS invalid",
    ]
)
# dim -> (k, label) as SQL over a ratings row
SUMMARY_DIMS: dict[str, tuple[str, str]] = {
    "window": ("coalesce(window_id, '')", "''"),
    "staff": ("coalesce(staff_id, '')", "coalesce(staff_name, '')"),
    "item": ("coalesce(item_code, '')", "coalesce(item_name, '')"),
    "channel": ("CAST(channel AS TEXT)", "''"),
}
# the summary's rows counted from the ratings, one query per dim (county/summary.py reuses them)
SUMMARY_RECOUNT = [
    f"SELECT '{dim}' AS dim, rated_day, hall_id, {k} AS k, {label} AS label, {_SUMMARY_FROM_RATINGS}"
    f" FROM ratings WHERE rated_day IS NOT NULL GROUP BY rated_day, hall_id, {k}"
    + (f", {label}" if label != "''" else "")  # PostgreSQL refuses a constant in GROUP BY
    for dim, (k, label) in SUMMARY_DIMS.items()
]
# the back-fill: every stored rating counted once per dim
SUMMARY_BACKFILL = [
    f"INSERT INTO rating_days (dim, rated_day, hall_id, k, label, {', '.join(SUMMARY_COUNTS)}) {select}"
    for select in SUMMARY_RECOUNT
]

MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "base: events, ratings, expirations, sign-ins",
        [
            *BASE_TABLES.values(),
            "CREATE INDEX IF NOT EXISTS ratings_rated_at ON ratings (rated_at)",
            "CREATE INDEX IF NOT EXISTS events_device_seq ON events (hall_id, device_id, seq)",
        ],
    ),
    Migration(
        2,
        "county loop: working-day fields, invalid ratings, work orders, alerts",
        [
            # China-time day and first clerk of a rating: statistics group and filter on plain columns
            "ALTER TABLE ratings ADD COLUMN rated_day TEXT",
            "ALTER TABLE ratings ADD COLUMN staff_id TEXT",
            "ALTER TABLE ratings ADD COLUMN staff_name TEXT",
            # 误评/恶意差评 approved on appeal: the rating stays stored and leaves the statistics
            "ALTER TABLE ratings ADD COLUMN invalid BOOLEAN NOT NULL DEFAULT FALSE",
            {
                "sqlite": "UPDATE ratings SET rated_day = date(rated_at, '+8 hours'),"
                " staff_id = json_extract(staff, '$[0].id'),"
                " staff_name = json_extract(staff, '$[0].name')",
                "postgresql": "UPDATE ratings SET"
                " rated_day = to_char(rated_at::timestamptz AT TIME ZONE INTERVAL '+08:00',"
                " 'YYYY-MM-DD'),"
                " staff_id = staff::json -> 0 ->> 'id', staff_name = staff::json -> 0 ->> 'name'",
            },
            # covering indexes: a month by window or by clerk is read from the index alone
            "CREATE INDEX IF NOT EXISTS ratings_day_window ON ratings"
            " (rated_day, hall_id, window_id, level, system_default, invalid)",
            "CREATE INDEX IF NOT EXISTS ratings_day_staff ON ratings"
            " (rated_day, hall_id, staff_id, staff_name, level, system_default, invalid)",
            {
                "sqlite": "CREATE TABLE IF NOT EXISTS workorders (id INTEGER PRIMARY KEY,"
                + WORKORDER_COLUMNS
                + ")",
                "postgresql": "CREATE TABLE IF NOT EXISTS workorders ("
                "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY," + WORKORDER_COLUMNS + ")",
            },
            "CREATE INDEX IF NOT EXISTS workorders_hall_state ON workorders (hall_id, state)",
            "CREATE INDEX IF NOT EXISTS workorders_due ON workorders (due)",
            "CREATE INDEX IF NOT EXISTS workorders_rated_day ON workorders (rated_day)",
            {
                "sqlite": "CREATE TABLE IF NOT EXISTS workorder_actions (id INTEGER PRIMARY KEY,"
                + ACTION_COLUMNS
                + ")",
                "postgresql": "CREATE TABLE IF NOT EXISTS workorder_actions ("
                "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY," + ACTION_COLUMNS + ")",
            },
            "CREATE INDEX IF NOT EXISTS workorder_actions_order ON workorder_actions (workorder_id, id)",
            {
                "sqlite": "CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY," + ALERT_COLUMNS + ")",
                "postgresql": "CREATE TABLE IF NOT EXISTS alerts ("
                "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY," + ALERT_COLUMNS + ")",
            },
            "CREATE INDEX IF NOT EXISTS alerts_unsent ON alerts (sent_ms, id)",
        ],
    ),
    Migration(
        3,
        "upstream: the queue of reports to the province (docs/county.md)",
        [
            # one row per stored rating, written in the rating's transaction; deleted on the
            # province's success answer. `claimed_until` (ms) is a lease: a sender that dies
            # mid-post loses its claim when it runs out, and another sender takes the row.
            """
        CREATE TABLE IF NOT EXISTS upstream_queue (
            event_id TEXT PRIMARY KEY,
            queued_ms BIGINT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_ms BIGINT NOT NULL DEFAULT 0,
            claimed_by TEXT,
            claimed_until BIGINT NOT NULL DEFAULT 0,
            refused BOOLEAN NOT NULL DEFAULT FALSE,
            last_error TEXT
        )""",
            # oldest first: the sender walks this index and skips what is postponed or claimed
            "CREATE INDEX IF NOT EXISTS upstream_queue_order ON upstream_queue (queued_ms, event_id)",
            # what the province confirmed, kept for audit: a report confirmed twice would show here
            """
        CREATE TABLE IF NOT EXISTS upstream_sent (
            event_id TEXT PRIMARY KEY,
            confirmed_ms BIGINT NOT NULL,
            attempts INTEGER NOT NULL,
            duplicate BOOLEAN NOT NULL
        )""",
        ],
    ),
    Migration(
        4,
        "statistics: the daily summary rating_days, back-filled from the stored ratings",
        [
            {
                # clustered by its key: a period is one range of the table
                "sqlite": "CREATE TABLE IF NOT EXISTS rating_days (" + SUMMARY_COLUMNS + ") WITHOUT ROWID",
                "postgresql": "CREATE TABLE IF NOT EXISTS rating_days (" + SUMMARY_COLUMNS + ")",
            },
            # PostgreSQL: no rating may commit between the back-fill's snapshot and this
            # migration's commit (SQLite's BEGIN IMMEDIATE already excludes other writers)
            {"sqlite": "SELECT 1", "postgresql": "LOCK TABLE ratings IN SHARE MODE"},
            *SUMMARY_BACKFILL,
        ],
    ),
    Migration(
        5,
        "statistics read the daily summary: the ratings' two wide per-day indexes give way to one narrow",
        [
            # Migration 2's covering indexes served the statistics' row scan, which the daily summary
            # replaced; every stored rating paid for both (7 and 8 columns). What still reads
            # ratings by day (the console's live feed of today, the reference recount) needs only
            # the day and the time.
            "CREATE INDEX IF NOT EXISTS ratings_day_at ON ratings (rated_day, rated_at)",
            "DROP INDEX IF EXISTS ratings_day_window",
            "DROP INDEX IF EXISTS ratings_day_staff",
        ],
    ),
]

VERSION_TABLE = """
    CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_ms BIGINT NOT NULL
    )"""


def pending(applied: set[int]) -> list[Migration]:
    """The migrations not yet applied, in order; refuses a database newer than this code."""
    known = {m.version for m in MIGRATIONS}
    unknown = sorted(applied - known)
    if unknown:
        raise SchemaError(
            f"database schema version {unknown[-1]} is newer than this program knows"
            f" ({max(known)}): upgrade hall-county first"
        )
    return [m for m in sorted(MIGRATIONS, key=lambda m: m.version) if m.version not in applied]


class SchemaError(Exception):
    """A database this program cannot use as it is; `str()` is the one line to show."""
