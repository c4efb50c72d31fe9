import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.messages import AckItem
from core.outbox import FIRST_RESEND_S, MAX_RESEND_S, Outbox, OutboxError, resend_delay
from tests.support.events import rating

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox(tmp_path: Path, clock: FakeClock):
    ob = Outbox(tmp_path / "outbox.db", clock=clock, retention_s=10 * 86400)
    yield ob
    ob.close()


def test_put_assigns_rising_seq_and_topic(outbox: Outbox) -> None:
    stored = [outbox.put(rating(case_id=f"C{i}")) for i in range(5)]
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    due = outbox.due(10)
    assert [d.seq for d in due] == [1, 2, 3, 4, 5]
    assert due[0].topic == "hall/v1/test-hall/eval-01/event/rating"
    body = json.loads(due[2].payload)
    assert body["seq"] == 3 and body["case_id"] == "C2" and body["schema"] == "hall.rating/1"
    assert due[0].attempts == 0


def test_put_same_event_twice_keeps_one_seq(outbox: Outbox) -> None:
    ev = rating()
    first = outbox.put(ev)
    again = outbox.put(ev)
    assert first.seq == again.seq == 1
    assert outbox.backlog().unacked == 1
    assert outbox.last_seq() == 1


def test_due_respects_limit_and_order(outbox: Outbox) -> None:
    for i in range(10):
        outbox.put(rating(case_id=f"C{i}"))
    assert [d.seq for d in outbox.due(3)] == [1, 2, 3]
    outbox.mark_sent([d.event_id for d in outbox.due(3)])
    assert [d.seq for d in outbox.due(3)] == [4, 5, 6]
    assert outbox.due(0) == []


def test_ack_ends_life_for_every_result(outbox: Outbox, caplog: pytest.LogCaptureFixture) -> None:
    a, b, c, d = (outbox.put(rating(case_id=f"C{i}")) for i in range(4))
    assert outbox.ack(AckItem(event_id=a.event_id, result="stored"))
    assert outbox.ack(AckItem(event_id=b.event_id, result="duplicate"))
    with caplog.at_level("WARNING"):
        assert outbox.ack(AckItem(event_id=c.event_id, result="rejected", reason="rated twice"))
    assert [r.getMessage() for r in caplog.records] == [f"county rejected event {c.event_id}: rated twice"]
    assert outbox.outcome(c.event_id) == ("rejected", "rated twice")
    assert outbox.outcome(d.event_id) is None
    assert [e.seq for e in outbox.due(10)] == [d.seq]
    assert outbox.backlog().unacked == 1


def test_ack_unknown_or_repeated_is_ignored(outbox: Outbox) -> None:
    a = outbox.put(rating())
    assert not outbox.ack(AckItem(event_id="0190a0a0-0000-7000-8000-000000000000", result="stored"))
    assert outbox.ack(AckItem(event_id=a.event_id, result="stored"))
    assert not outbox.ack(AckItem(event_id=a.event_id, result="duplicate"))
    assert outbox.outcome(a.event_id) == ("stored", None)


def test_ack_many_in_one_go(outbox: Outbox) -> None:
    evs = [outbox.put(rating(case_id=f"C{i}")) for i in range(5)]
    items = [AckItem(event_id=e.event_id, result="stored") for e in evs[:3]]
    assert outbox.ack_many(items + items) == 3
    assert outbox.backlog().unacked == 2


def test_backoff_schedule(outbox: Outbox, clock: FakeClock) -> None:
    assert [resend_delay(n) for n in (1, 2, 3, 4, 5, 20)] == [8, 16, 32, 60, 60, 60]
    ev = outbox.put(rating())
    expected = [FIRST_RESEND_S, 2 * FIRST_RESEND_S, 4 * FIRST_RESEND_S, MAX_RESEND_S, MAX_RESEND_S]
    for n, wait in enumerate(expected, start=1):
        [entry] = outbox.due(5)
        assert entry.attempts == n - 1
        outbox.mark_sent([ev.event_id])
        clock.advance(wait - 0.5)
        assert outbox.due(5) == [], f"resend {n} came too early"
        clock.advance(0.5)
    assert outbox.due(5)[0].attempts == len(expected)


def test_requeue_all_makes_everything_due(outbox: Outbox, clock: FakeClock) -> None:
    for i in range(3):
        outbox.put(rating(case_id=f"C{i}"))
    outbox.mark_sent([d.event_id for d in outbox.due(10)])
    assert outbox.due(10) == []
    assert outbox.requeue_all() == 3
    assert [d.seq for d in outbox.due(10)] == [1, 2, 3]


def test_backlog_age(outbox: Outbox, clock: FakeClock) -> None:
    assert outbox.backlog().unacked == 0 and outbox.backlog().oldest_age_s is None
    outbox.put(rating())
    clock.advance(42)
    outbox.put(rating())
    bl = outbox.backlog()
    assert bl.unacked == 2 and bl.oldest_age_s == pytest.approx(42)


def test_prune_keeps_unacked_and_recent(outbox: Outbox, clock: FakeClock) -> None:
    old_acked, old_unacked = outbox.put(rating(case_id="A")), outbox.put(rating(case_id="B"))
    outbox.ack(AckItem(event_id=old_acked.event_id, result="stored"))
    clock.advance(9 * 86400)
    recent = outbox.put(rating(case_id="C"))
    outbox.ack(AckItem(event_id=recent.event_id, result="stored"))
    assert outbox.prune() == 0
    clock.advance(1 * 86400 + 1)
    assert outbox.prune() == 1
    assert outbox.outcome(old_acked.event_id) is None
    assert outbox.outcome(recent.event_id) == ("stored", None)
    assert [d.event_id for d in outbox.due(10)] == [old_unacked.event_id]
    clock.advance(365 * 86400)
    outbox.prune()
    assert outbox.backlog().unacked == 1
    # seq keeps rising after its highest rows were pruned
    assert outbox.put(rating(case_id="D")).seq == 4


def test_low_disk_is_reported(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.db", low_disk_bytes=1 << 62)
    disk = ob.disk()
    assert disk.low and disk.free_bytes > 0
    ob.put(rating())  # low disk is reported, not refused
    ob.close()
    ob = Outbox(tmp_path / "o.db", low_disk_bytes=0)
    assert not ob.disk().low
    ob.close()


def test_full_database_raises_one_line(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.db")
    assert ob._db is not None
    pages = ob._db.execute("PRAGMA page_count").fetchone()[0]
    ob._db.execute(f"PRAGMA max_page_count = {pages}")  # what a full disk looks like to SQLite
    big = rating(level=1, comment="太慢" * 240)
    with pytest.raises(OutboxError) as err:
        for _ in range(50):
            ob.put(big)
            big = rating(level=1, comment="太慢" * 240)
    msg = str(err.value)
    assert "\n" not in msg and "cannot store event" in msg and "full" in msg
    before = ob.last_seq()
    ob._db.execute("PRAGMA max_page_count = 1000000")
    assert ob.put(rating()).seq == before + 1  # the failed put left no gap and no half row
    ob.close()


def test_closed_outbox_raises(tmp_path: Path) -> None:
    ob = Outbox(tmp_path / "o.db")
    ob.close()
    ob.close()
    with pytest.raises(OutboxError, match="closed"):
        ob.put(rating())


def test_unopenable_path_raises(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutboxError, match="cannot open"):
        Outbox(tmp_path / "file" / "o.db")


def test_reopen_keeps_events_counter_and_acks(tmp_path: Path, clock: FakeClock) -> None:
    ob = Outbox(tmp_path / "o.db", clock=clock)
    a, b = ob.put(rating(case_id="A")), ob.put(rating(case_id="B"))
    ob.ack(AckItem(event_id=a.event_id, result="stored"))
    ob.mark_sent([b.event_id])
    ob.close()
    ob = Outbox(tmp_path / "o.db", clock=FakeClock())
    [entry] = ob.due(10)  # due again at once: a new process does not wait out the old schedule
    assert (entry.event_id, entry.attempts) == (b.event_id, 1)
    assert ob.outcome(a.event_id) == ("stored", None)
    assert ob.put(rating()).seq == 3
    ob.close()


def test_threads_share_it(outbox: Outbox) -> None:
    import threading

    seqs: list[int] = []
    lock = threading.Lock()

    def writer() -> None:
        for _ in range(50):
            s = outbox.put(rating()).seq
            with lock:
                seqs.append(s)

    def reader() -> None:
        for _ in range(50):
            entries = outbox.due(20)
            outbox.mark_sent([e.event_id for e in entries])
            outbox.backlog()

    threads = [threading.Thread(target=writer) for _ in range(3)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 151))


def _run_writer(db: Path, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.core.outbox_writer", str(db), str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def test_kill_9_loses_no_returned_put_and_reuses_no_seq(tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    proc = _run_writer(db, 100_000)
    assert proc.stdout is not None
    printed: list[tuple[int, str]] = []
    for line in proc.stdout:
        fields = line.split()
        printed.append((int(fields[0]), fields[1]))
        if len(printed) == 300:
            os.kill(proc.pid, signal.SIGKILL)
            break
    # lines the writer printed before it died (each after its put returned)
    for line in proc.stdout:
        if line.endswith("\n"):
            fields = line.split()
            printed.append((int(fields[0]), fields[1]))
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    con = sqlite3.connect(db)
    stored = dict(con.execute("SELECT seq, event_id FROM events").fetchall())
    con.close()
    for seq, eid in printed:
        assert stored.get(seq) == eid, f"seq {seq} was put but is not in the outbox"
    assert [s for s, _ in printed] == list(range(1, len(printed) + 1))

    again = _run_writer(db, 50)
    out = again.communicate(timeout=60)[0]
    new_seqs = [int(line.split()[0]) for line in out.splitlines()]
    assert len(new_seqs) == 50 and min(new_seqs) > max(stored)
    con = sqlite3.connect(db)
    all_seqs = [r[0] for r in con.execute("SELECT seq FROM events ORDER BY seq")]
    payload_seqs = [json.loads(r[0])["seq"] for r in con.execute("SELECT payload FROM events ORDER BY seq")]
    con.close()
    assert all_seqs == payload_seqs and len(set(all_seqs)) == len(all_seqs)


def test_awaiting_ack_counts_sent_unacked(outbox: Outbox) -> None:
    evs = [outbox.put(rating(case_id=f"C{i}")) for i in range(4)]
    assert outbox.awaiting_ack() == 0
    outbox.mark_sent([e.event_id for e in evs[:3]])
    assert outbox.awaiting_ack() == 3
    outbox.ack(AckItem(event_id=evs[0].event_id, result="stored"))
    outbox.requeue_all()
    assert outbox.awaiting_ack() == 2


def test_due_merges_resends_and_new_events_by_seq(outbox: Outbox, clock: FakeClock) -> None:
    evs = [outbox.put(rating(case_id=f"C{i}")) for i in range(6)]
    outbox.mark_sent([evs[1].event_id, evs[3].event_id])
    assert [d.seq for d in outbox.due(10)] == [1, 3, 5, 6]
    clock.advance(FIRST_RESEND_S)
    assert [d.seq for d in outbox.due(10)] == [1, 2, 3, 4, 5, 6]
    assert [(d.seq, d.attempts) for d in outbox.due(3)] == [(1, 0), (2, 1), (3, 0)]


def test_due_without_resends_leaves_out_those_waiting_for_their_ack(outbox: Outbox, clock: FakeClock) -> None:
    """While the county is offline the link sends only what is due now (core/link.py holds resends)."""
    evs = [outbox.put(rating(case_id=f"C{i}")) for i in range(4)]
    outbox.mark_sent([evs[0].event_id, evs[2].event_id])
    clock.advance(FIRST_RESEND_S)
    assert [d.seq for d in outbox.due(10)] == [1, 2, 3, 4]
    assert [(d.seq, d.attempts) for d in outbox.due(10, resends=False)] == [(2, 0), (4, 0)]
    assert [d.seq for d in outbox.due(1, resends=False)] == [2]
    outbox.requeue_all()  # a reconnect: the sent ones are due now too
    assert [(d.seq, d.attempts) for d in outbox.due(10, resends=False)] == [(1, 1), (2, 0), (3, 1), (4, 0)]


def test_requeue_after_a_delay_keeps_never_sent_events_due_now(outbox: Outbox, clock: FakeClock) -> None:
    evs = [outbox.put(rating(case_id=f"C{i}")) for i in range(3)]
    outbox.mark_sent([evs[0].event_id, evs[1].event_id])
    clock.advance(MAX_RESEND_S)
    assert outbox.requeue_all(after_s=FIRST_RESEND_S) == 3
    assert [d.seq for d in outbox.due(10)] == [3]  # never sent: due now
    clock.advance(FIRST_RESEND_S - 0.5)
    assert [d.seq for d in outbox.due(10)] == [3]
    clock.advance(0.5)
    assert [d.seq for d in outbox.due(10)] == [1, 2, 3]
