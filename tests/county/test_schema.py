"""Numbered migrations (county/schema.py): applied once, in order, on both backends; a database
made before migrations existed is adopted with its data; a newer database is refused in one line."""

import sqlite3

import pytest

from county import schema
from county.schema import Migration
from county.store import EventStore, SqliteStore, StoreError, open_store
from tests.support.events import rating


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'county.db'}"
    return request.getfixturevalue("postgres_url")


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
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, Migration(nxt, "test: a column", [
        "ALTER TABLE ratings ADD COLUMN note_for_test TEXT",
        {"sqlite": "CREATE INDEX t_sqlite ON ratings (note_for_test)",
         "postgresql": "CREATE INDEX t_pg ON ratings (note_for_test)"},
    ])])
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
