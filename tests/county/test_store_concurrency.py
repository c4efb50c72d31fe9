"""Two receivers (a share group) writing at once must still store one rating per case round."""

import threading

import pytest

from county.store import EventStore, SqliteStore, open_store
from tests.support.events import rating


@pytest.fixture(params=["sqlite", "postgres"])
def two_stores(request, tmp_path):
    stores: list[EventStore]
    if request.param == "sqlite":
        stores = [SqliteStore(tmp_path / "c.db"), SqliteStore(tmp_path / "c.db")]
    else:
        url = request.getfixturevalue("postgres_url")
        stores = [open_store(url), open_store(url)]
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
            results[i].extend(two_stores[i].store_batch(batches[i][k:k + 20]))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for k in range(len(cases)):
        assert sorted([results[0][k], results[1][k]]) == ["duplicate", "stored"], cases[k]
    assert two_stores[0].count("ratings") == len(cases) == two_stores[0].count("events")
