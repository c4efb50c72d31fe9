"""Migration 2 on a county database that has ratings already: their China-time day and first
clerk are filled in, nothing is invalid, and the loop works on them (both backends)."""

from datetime import date

import pytest

from county import schema
from county.stats import compute
from county.store import open_store

# rated 2026-11-30 17:00 UTC = 2026-12-01 01:00 in China; and one with +08:00
OLD_ROWS = [
    ("e-utc", "2026-11-30T17:00:00+00:00", '[{"id": "s-1", "name": "王芳"}]'),
    ("e-cst", "2026-11-30T23:59:00+08:00", "[]"),
]


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'county.db'}"
    return request.getfixturevalue("postgres_url")


def _version_1_database(url: str) -> None:
    """A database as hall-county made it at schema version 1, with two ratings in it."""
    dialect: schema.Dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    statements = [
        schema.VERSION_TABLE,
        *schema.MIGRATIONS[0].sql(dialect),
        "INSERT INTO schema_version (version, name, applied_ms) VALUES (1, 'base', 0)",
    ]
    insert = (
        "INSERT INTO ratings (event_id, hall_id, device_id, window_id, region_code, channel, input,"
        " case_id, assess_number, item_code, item_name, staff, level, gbt_code, reasons, comment,"
        " public, system_default, invited_at, rated_at) VALUES"
        " ({e}, 'h1', 'eval-01', 'w-01', '110101', 5, 'keypad', NULL, 1, 'A', '事项', {s}, 5, 1,"
        " '[]', '', TRUE, FALSE, {t}, {t})"
    )
    for eid, at, staff in OLD_ROWS:
        statements.append(insert.format(e=f"'{eid}'", s=f"'{staff}'", t=f"'{at}'"))
    if dialect == "sqlite":
        import sqlite3

        lite = sqlite3.connect(url[len("sqlite:///") :])
        for sql in statements:
            lite.execute(sql)
        lite.commit()
        lite.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)


def test_migration_2_fills_the_new_columns_of_old_ratings(url):
    _version_1_database(url)
    store = open_store(url)
    assert store.schema_version() >= 2
    got = sorted(store.rows("SELECT event_id, rated_day, staff_id, staff_name, invalid FROM ratings"))
    assert [(e, d, s, n, bool(i)) for e, d, s, n, i in got] == [
        ("e-cst", "2026-11-30", None, None, False),
        ("e-utc", "2026-12-01", "s-1", "王芳", False),
    ]
    by_day = compute(store, date(2026, 11, 30), date(2026, 12, 1), "day")
    assert [(r.key, r.active) for r in by_day.rows] == [("2026-11-30", 1), ("2026-12-01", 1)]
    assert [r.label for r in compute(store, date(2026, 12, 1), date(2026, 12, 1), "staff").rows] == ["王芳"]
    store.close()
