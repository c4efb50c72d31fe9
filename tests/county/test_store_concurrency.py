"""Two receivers (a share group) writing at once, on both backends: one row per event and per case
round, whoever wins."""

import threading

import pytest

from core import topics
from county import summary
from county.receiver import Incoming, process_batch
from county.store import EventStore, open_store
from tests.support.events import rating


@pytest.fixture
def two_stores(database_url):
    stores: list[EventStore] = [open_store(database_url), open_store(database_url)]
    yield stores
    for s in stores:
        s.close()


def test_concurrent_batches_store_each_case_round_once(two_stores):
    cases = [f"C-{i}" for i in range(200)]
    # each store gets its own ratings (new event ids) for the same cases: one of each pair wins
    batches = [[rating(case_id=c) for c in cases] for _ in two_stores]
    results: list[list[str]] = [[], []]
    start = threading.Barrier(2)

    def run(i: int) -> None:
        start.wait()
        for k in range(0, len(cases), 20):
            results[i].extend(two_stores[i].store_batch(batches[i][k : k + 20]))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for k in range(len(cases)):
        assert sorted([results[0][k], results[1][k]]) == ["duplicate", "stored"], cases[k]
    assert two_stores[0].count("ratings") == len(cases) == two_stores[0].count("events")
    assert summary.differences(two_stores[0]) == []  # the daily summary counted each once too


def test_two_receivers_racing_on_the_same_redelivered_events_store_each_once(two_stores):
    """A redelivered message reaching two receivers of a share group at once (a receiver killed
    before its PUBACK): both batches commit, one row each, and both receivers have an ack to send
    (`stored` from one, `duplicate` from the other, which the device treats alike)."""
    events = [rating(case_id=f"R-{i}") for i in range(200)]
    msgs = [Incoming(topics.event(e.hall_id, e.device_id, "rating"), e.to_json()) for e in events]
    acks: list[dict[str, str]] = [{}, {}]
    start = threading.Barrier(2)

    def run(i: int) -> None:
        start.wait()
        for k in range(0, len(msgs), 25):
            for items in process_batch(two_stores[i], msgs[k : k + 25]).values():
                acks[i].update((a.event_id, a.result) for a in items)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for e in events:
        assert sorted([acks[0][e.event_id], acks[1][e.event_id]]) == ["duplicate", "stored"]
    assert two_stores[0].count("events") == len(events) == two_stores[1].count("ratings")
    assert summary.differences(two_stores[1]) == []


def test_the_unique_keys_refuse_what_a_missed_check_would_store_twice(two_stores, monkeypatch):
    """The look-up before the insert is an optimisation; the database's unique keys decide. A
    check that misses a stored event makes the batch fail as a whole (nothing acked, nothing
    half-stored), and the redelivery is then a `duplicate`."""
    first, later = two_stores
    e, other = rating(case_id="U-1"), rating(case_id="U-2")
    assert first.store_batch([e]) == ["stored"]
    monkeypatch.setattr(type(later), "_existing", lambda self, cur, sql, keys: set())
    monkeypatch.setattr(type(later), "_existing_pairs", lambda self, cur, case_ids: [])
    with pytest.raises(Exception, match=r"(?i)unique|duplicate key"):
        later.store_batch([other, e])
    monkeypatch.undo()
    assert later.count("events") == 1  # `other` was rolled back with the batch
    assert later.store_batch([other, e]) == ["stored", "duplicate"]
    assert summary.differences(later) == []  # the failed batch's counts were rolled back with it


def test_threads_sharing_one_store_take_turns(database_url):
    """The receiver's worker writes while another thread reads through the same store (one
    connection): the reader waits for the writer's transaction instead of breaking it."""
    store = open_store(database_url)
    inside = threading.Event()
    counted: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        inside.wait(5)
        try:
            counted.append(store.count("ratings"))
        except BaseException as e:  # the failure this test is about
            errors.append(e)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with store.transaction() as cur:
            cur.execute(store.sql("SELECT count(*) FROM ratings"))
            inside.set()
            reader.join(0.5)  # it must still be waiting: our transaction is open
            assert reader.is_alive()
        reader.join(10)
        assert errors == [] and counted == [0]
        assert store.store_batch([rating()]) == ["stored"]  # the connection is still good
    finally:
        reader.join(10)
        store.close()
