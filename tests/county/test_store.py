"""County storage and batch processing without a broker, on SQLite and on PostgreSQL."""

import json

import pytest

from core import topics
from core.levels import Level
from county.receiver import Incoming, process_batch
from county.store import EventStore, SqliteStore, StoreError, open_store
from tests.support.events import rating, signin


@pytest.fixture
def store(database_url):
    """Every store test runs on both backends (`database_url` is parametrised)."""
    s: EventStore = open_store(database_url)
    yield s
    s.close()


def _msg(event, topic=None, payload=None):
    t = topic or topics.event(event.hall_id, event.device_id, event.TYPE)
    return Incoming(t, payload if payload is not None else event.to_json())


def test_an_event_is_stored_once_by_event_id(store):
    e = rating()
    assert store.store_batch([e]) == ["stored"]
    assert store.store_batch([e]) == ["duplicate"]
    assert store.store_batch([e, e]) == ["duplicate", "duplicate"]
    assert store.count("events") == 1 and store.count("ratings") == 1


def test_a_repeat_within_one_batch_is_a_duplicate(store):
    e = signin()
    assert store.store_batch([e, e]) == ["stored", "duplicate"]
    assert store.count("sign_events") == 1


def test_one_rating_per_case_and_round(store):
    first = rating(case_id="C-2026-0001", assess_number=1)
    again = rating(case_id="C-2026-0001", assess_number=1, level=Level.SATISFIED)  # new event_id
    second_round = rating(case_id="C-2026-0001", assess_number=2)
    assert store.store_batch([first, again, second_round]) == ["stored", "duplicate", "stored"]
    assert store.count("ratings") == 2 and store.count("events") == 2
    # the refused rating left nothing behind
    assert store.rows("SELECT count(*) FROM events WHERE event_id = ?", (again.event_id,)) == [(0,)]


def test_ratings_without_a_case_are_not_limited(store):
    assert store.store_batch([rating(), rating(), rating()]) == ["stored"] * 3


def test_rating_columns_for_the_countys_rules(store):
    e = rating(case_id="C-9", level=Level.DISSATISFIED, reasons=["R01"], public=False, comment="太慢")
    store.store_batch([e])
    row = store.rows(
        "SELECT case_id, assess_number, level, gbt_code, channel, staff, reasons, public,"
        " system_default FROM ratings"
    )[0]
    assert tuple(row[:5]) == ("C-9", 1, 2, 4, 5)
    assert json.loads(row[5]) == [{"id": "s-007", "name": "李明"}]
    assert json.loads(row[6]) == ["R01"] and row[7] in (0, False) and row[8] in (0, False)


def test_stored_batches_survive_reopening(tmp_path):
    s = SqliteStore(tmp_path / "c.db")
    e = rating()
    s.store_batch([e])
    s.close()
    s = SqliteStore(tmp_path / "c.db")
    assert s.store_batch([e]) == ["duplicate"]
    assert s.rows("PRAGMA journal_mode") == [("wal",)]
    s.close()


def test_process_batch_groups_acks_per_device(store):
    a1, a2, b1 = rating(device="eval-01"), rating(device="eval-01"), signin(device="eval-02")
    acks = process_batch(store, [_msg(a1), _msg(b1), _msg(a2), _msg(a1)])
    assert [(i.event_id, i.result) for i in acks[("test-hall", "eval-01")]] == [
        (a1.event_id, "stored"),
        (a2.event_id, "stored"),
        (a1.event_id, "duplicate"),
    ]
    assert [(i.event_id, i.result) for i in acks[("test-hall", "eval-02")]] == [(b1.event_id, "stored")]


def _rejected(store, msg):
    acks = process_batch(store, [msg])
    [(device, [item])] = acks.items()
    assert item.result == "rejected" and item.reason
    return device, item


def test_bad_rating_without_reason_is_rejected_with_the_reason(store):
    e = rating()
    raw = json.loads(e.to_json())
    raw["level"] = 1  # 差评 without a reason or comment
    device, item = _rejected(store, _msg(e, payload=json.dumps(raw).encode()))
    assert device == ("test-hall", "eval-01") and item.event_id == e.event_id
    assert "reason" in item.reason
    assert store.count() == 0


def test_unknown_field_and_wrong_schema_are_rejected(store):
    e = rating()
    raw = json.loads(e.to_json())
    _, item = _rejected(store, _msg(e, payload=json.dumps({**raw, "citizen_name": "x"}).encode()))
    assert "citizen_name" in item.reason
    _, item = _rejected(store, _msg(e, payload=json.dumps({**raw, "schema": "hall.rating/2"}).encode()))
    assert "schema" in item.reason
    assert store.count() == 0


def test_payload_must_match_the_topic(store):
    e = rating(device="eval-01")
    _, item = _rejected(store, _msg(e, topic=topics.event("test-hall", "eval-02", "rating")))
    assert "eval-01" in item.reason and "eval-02" in item.reason
    _, item = _rejected(store, _msg(e, topic=topics.event("test-hall", "eval-01", "signin")))
    assert item.event_id == e.event_id


def test_unparseable_payload_is_dropped_without_an_ack(store, caplog):
    acks = process_batch(store, [Incoming(topics.event("test-hall", "eval-01", "rating"), b"\xff{not json")])
    assert acks == {}
    assert "cannot be acked" in caplog.text


def test_payloads_are_not_logged(store, caplog):
    e = rating()
    raw = json.loads(e.to_json())
    raw["level"], raw["comment"] = 1, "x" * 501  # too long: rejected
    caplog.set_level("DEBUG")
    process_batch(store, [_msg(e, payload=json.dumps(raw).encode())])
    assert "xxxxxxxx" not in caplog.text and "李明" not in caplog.text


def test_open_store_refuses_unknown_urls(tmp_path):
    with pytest.raises(StoreError):
        open_store("mysql://x")
    with pytest.raises(StoreError):
        (tmp_path / "file").write_text("")
        open_store(f"sqlite:///{tmp_path}/file/county.db")  # a file where a directory should be


def test_postgres_store_reconnects_after_its_connection_dies(postgres_server, postgres_url):
    """A PostgreSQL restart (or kill) ends every connection: the batch in hand fails (so it is not
    acked and comes again) and the next one is stored over a new connection."""
    import psycopg

    s = open_store(postgres_url)
    first, second = rating(), rating()
    assert s.store_batch([first]) == ["stored"]
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (postgres_url.rsplit("/", 1)[1],),
        )
    with pytest.raises(psycopg.OperationalError):
        s.store_batch([second])
    assert s.store_batch([second, first]) == ["stored", "duplicate"]
    s.close()
