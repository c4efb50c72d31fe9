"""Numbered migrations (county/schema.py): applied once, in order, on both backends; a database
made before migrations existed is adopted with its data; a newer database is refused in one line."""

import sqlite3
from pathlib import Path

import pytest

from core.levels import Level
from county import schema, summary
from county.schema import Migration
from county.store import EventStore, SqliteStore, StoreError, open_store
from tests.support.events import rating, signin


@pytest.fixture
def url(database_url):
    return database_url


def test_a_new_database_gets_every_migration_once(url):
    s = open_store(url)
    latest = max(m.version for m in schema.MIGRATIONS)
    assert s.schema_version() == latest
    s.close()
    again = open_store(url)  # a restart applies nothing twice
    assert again.rows("SELECT count(*) FROM schema_version") == [(len(schema.MIGRATIONS),)]
    again.close()


def test_a_pre_migration_database_keeps_its_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for ddl in schema.BASE_TABLES.values():  # what hall-county made before migrations
        conn.execute(ddl)
    conn.execute("INSERT INTO events VALUES ('e1', 'rating', 'h', 'd', 1, 0, '{}')")
    conn.commit()
    conn.close()
    s = SqliteStore(path)
    assert s.schema_version() == max(m.version for m in schema.MIGRATIONS)
    assert s.rows("SELECT event_id FROM events") == [("e1",)]
    assert s.store_batch([rating()]) == ["stored"]
    s.close()


def test_a_later_migration_runs_on_an_existing_database(url, monkeypatch):
    s: EventStore = open_store(url)
    s.store_batch([rating(case_id="C-1")])
    s.close()
    nxt = max(m.version for m in schema.MIGRATIONS) + 1
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        [
            *schema.MIGRATIONS,
            Migration(
                nxt,
                "test: a column",
                [
                    "ALTER TABLE ratings ADD COLUMN note_for_test TEXT",
                    {
                        "sqlite": "CREATE INDEX t_sqlite ON ratings (note_for_test)",
                        "postgresql": "CREATE INDEX t_pg ON ratings (note_for_test)",
                    },
                ],
            ),
        ],
    )
    s = open_store(url)
    assert s.schema_version() == nxt
    assert s.rows("SELECT case_id, note_for_test FROM ratings") == [("C-1", None)]
    s.close()


def test_a_database_newer_than_the_program_is_refused_in_one_line(tmp_path):
    path = tmp_path / "new.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (999, 'from the future', 0)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as e:
        open_store(f"sqlite:///{path}")
    assert "999" in str(e.value) and "\n" not in str(e.value)


PRE_MIGRATIONS_SQL = Path(__file__).parent / "data" / "schema_pre_migrations.sql"


def _old_database(url: str) -> None:
    """A county database as the pre-migration hall-county left it: its schema, and rows written
    the way it wrote them (events, a rating of a case round, a sign-in)."""
    statements = [s for s in PRE_MIGRATIONS_SQL.read_text().split(";") if "CREATE" in s]
    inserts: list[tuple[str, tuple[object, ...]]] = []
    for e in (OLD_RATING, OLD_SIGNIN):
        inserts.append(
            (
                "INSERT INTO events (event_id, type, hall_id, device_id, seq, received_ms, payload)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (e.event_id, e.TYPE, e.hall_id, e.device_id, e.seq, 1, e.to_json().decode()),
            )
        )
    r, si = OLD_RATING, OLD_SIGNIN
    # the typed rows exactly as the pre-migration county/store.py wrote them (its columns, no more)
    inserts.append(
        (
            "INSERT INTO ratings (event_id, hall_id, device_id, window_id, region_code, channel, input,"
            " case_id, assess_number, item_code, item_name, staff, level, gbt_code, reasons, comment,"
            " public, system_default, invited_at, rated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.event_id,
                r.hall_id,
                r.device_id,
                r.window_id,
                r.region_code,
                r.channel,
                r.input,
                r.case_id,
                r.assess_number,
                r.item_code,
                r.item_name,
                '[{"id": "s-007", "name": "李明"}]',
                int(r.level),
                r.gbt_code,
                "[]",
                r.comment,
                r.public,
                False,
                r.invited_at.isoformat(),
                r.rated_at.isoformat(),
            ),
        )
    )
    inserts.append(
        (
            "INSERT INTO sign_events (event_id, type, hall_id, device_id, window_id, staff_id, staff_name,"
            " at, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                si.event_id,
                si.TYPE,
                si.hall_id,
                si.device_id,
                si.window_id,
                si.staff.id,
                si.staff.name,
                si.at.isoformat(),
                None,
            ),
        )
    )
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path)
        for ddl in statements:
            conn.execute(ddl)
        for sql, params in inserts:
            conn.execute(sql, params)
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(url) as pg:
        for ddl in statements:
            pg.execute(ddl)
        for sql, params in inserts:
            pg.execute(sql.replace("?", "%s"), params)


OLD_RATING = rating(case_id="C-OLD-1")
OLD_SIGNIN = signin()


def test_an_upgrade_from_the_pre_migration_schema_keeps_the_data_and_the_rules(url):
    _old_database(url)
    s = open_store(url)
    assert s.schema_version() == max(m.version for m in schema.MIGRATIONS)
    assert s.rows("SELECT event_id FROM ratings") == [(OLD_RATING.event_id,)]
    assert s.count("events") == 2 and s.count("sign_events") == 1
    # what was stored before the upgrade still counts for "once"
    again = rating(case_id="C-OLD-1")  # the same case round, rated again with a new event id
    assert s.store_batch([OLD_RATING, OLD_SIGNIN, again, rating(case_id="C-NEW-1")]) == [
        "duplicate",
        "duplicate",
        "duplicate",
        "stored",
    ]
    s.close()
    reopened = open_store(url)  # the next start applies nothing again
    assert reopened.rows("SELECT count(*) FROM schema_version") == [(len(schema.MIGRATIONS),)]
    assert reopened.count("ratings") == 2
    # the old rating is in the daily summary the migration back-filled, the new one beside it
    assert reopened.rows("SELECT sum(level5) FROM rating_days WHERE dim = 'window'") == [(2,)]
    assert summary.differences(reopened) == []
    reopened.close()


def test_migration_4_back_fills_the_daily_summary_from_the_stored_ratings(url):
    """A county upgrading to the daily summary keeps its figures: every rating it had is counted,
    invalid ones and system defaults apart, exactly as a recount of the ratings says."""
    from tests.county.test_stats import fill_table

    s = open_store(url)
    fill_table(s)  # the statistics tests' hand-worked table: 差评, a default, one made invalid
    expected = s.rows("SELECT * FROM rating_days ORDER BY dim, rated_day, hall_id, k, label")
    with s.transaction() as cur:  # the same store as it was at version 3: no summary yet
        cur.execute("DROP TABLE rating_days")
        cur.execute("DELETE FROM schema_version WHERE version = 4")
    s.close()
    s = open_store(url)
    assert s.schema_version() == max(m.version for m in schema.MIGRATIONS)
    assert summary.differences(s) == []
    assert s.rows("SELECT * FROM rating_days ORDER BY dim, rated_day, hall_id, k, label") == expected
    # November 30 of h2: one active 5 (#7); November 4: a default (#5) and the invalid 差评 (#6)
    assert s.rows(
        "SELECT hall_id, k, level5, defaults, invalid FROM rating_days"
        " WHERE dim = 'window' AND rated_day IN ('2026-11-04', '2026-11-30') ORDER BY rated_day, hall_id"
    ) == [("h1", "w-02", 0, 1, 0), ("h2", "w-01", 0, 0, 1), ("h2", "w-01", 1, 0, 0)]
    s.close()


def test_the_summary_check_sees_a_wrong_count_and_a_rebuild_mends_it(url):
    s = open_store(url)
    s.store_batch([rating(case_id="C-1"), rating(case_id="C-2", level=Level.DISSATISFIED, reasons=["R01"])])
    assert summary.differences(s) == []
    with s.transaction() as cur:
        cur.execute("UPDATE rating_days SET level5 = level5 + 1 WHERE dim = 'staff'")
        cur.execute("DELETE FROM rating_days WHERE dim = 'channel'")
    assert summary.differences(s) == [
        "channel/2026-11-23/test-hall/5/: summary None, ratings (0, 1, 0, 0, 1, 0, 0)",
        "staff/2026-11-23/test-hall/s-007/李明: summary (0, 1, 0, 0, 2, 0, 0), ratings (0, 1, 0, 0, 1, 0, 0)",
    ]
    summary.rebuild(s)
    assert summary.differences(s) == []
    s.close()


def test_migration_5_leaves_the_ratings_one_narrow_day_index(url):
    """The statistics read the daily summary: the wide per-day indexes of migration 2 are gone
    (an upgraded store too), and the console's feed of today still has an index by day."""
    s = open_store(url)
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ratings'"
        if url.startswith("sqlite")
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'ratings'"
    )
    names = {r[0] for r in s.rows(sql)}
    assert "ratings_day_at" in names
    assert not names & {"ratings_day_window", "ratings_day_staff"}
    s.close()
