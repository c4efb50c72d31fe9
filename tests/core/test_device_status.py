"""core.device_status: the session counter, and status publications in snapshot order."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path

from core.clock import FakeClock
from core.config import DeviceSettings
from core.device_status import DeviceReport, SessionCounter


def test_session_counter_rises_and_survives_a_restart(tmp_path: Path) -> None:
    c = SessionCounter(tmp_path / "dev.session")
    assert c.value == 0 and c.next() == 1 and c.next() == 2
    assert SessionCounter(tmp_path / "dev.session").value == 2
    (tmp_path / "bad.session").write_text("garbage")
    assert SessionCounter(tmp_path / "bad.session").value > 1_000_000_000  # from the clock: still rises


def report(tmp_path: Path) -> DeviceReport:
    settings = DeviceSettings(device_id="eval-01", hall_id="h1", state_dir=tmp_path)
    return DeviceReport(settings, kind="evaluator", version="t", outbox=None, clock=FakeClock(0.0))


def test_publishes_only_what_is_new(tmp_path: Path) -> None:
    r = report(tmp_path)
    sent: list[bytes] = []
    assert r.publish_online(sent.append)
    assert not r.publish_online(sent.append)  # nothing changed
    assert r.set_peripheral("keypad", "ok") and not r.set_peripheral("keypad", "ok")
    assert r.publish_online(sent.append)
    assert r.publish_online(sent.append, force=True)
    assert [json.loads(s)["peripherals"] for s in sent] == [{}, {"keypad": "ok"}, {"keypad": "ok"}]


def test_concurrent_changes_end_on_the_newest_status(tmp_path: Path) -> None:
    """Threads change the detail line and publish at once; the publisher is slow and uneven. The
    last status handed over is the newest state, never an older snapshot that finished late."""
    r, lock = report(tmp_path), threading.Lock()
    sent: list[str] = []

    def slow_send(payload: bytes) -> None:
        time.sleep(random.uniform(0, 0.005))
        with lock:
            sent.append(json.loads(payload)["detail"])

    def worker(i: int) -> None:
        for k in range(20):
            r.set_detail(f"{i}-{k}")
            r.publish_online(slow_send)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent[-1] == r.status("online").detail


def test_no_online_after_the_offline_of_a_clean_stop(tmp_path: Path) -> None:
    r = report(tmp_path)
    sent: list[str] = []
    r.publish_online(lambda p: sent.append(json.loads(p)["state"]))
    r.publish_offline(lambda p: sent.append(json.loads(p)["state"]))
    r.set_detail("late")
    assert not r.publish_online(lambda p: sent.append(json.loads(p)["state"]), force=True)
    assert sent == ["online", "offline"]
