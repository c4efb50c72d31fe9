"""The delivery guarantee end to end (docs/contracts.md, Delivery), with every part killed in turn.

A device process sends 2,000 rating events through hall broker → bridge → county broker →
county service while the test kills and restarts, in turn, the county broker (long enough for
more than 1,000 events to queue behind it), the county service, the hall broker, and the device
itself (SIGKILL). At the end the county database holds exactly 2,000 events, each once, and the
device's outbox has nothing unacked. It runs once with the county on SQLite and once on
PostgreSQL (the `database_url` parameter).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core import topics
from core.messages import DeviceStatus
from tests.e2e.procs import Device
from tests.support.county import CountyProcess, county_process
from tests.support.mosquitto import HallPair
from tests.support.mqtt_helpers import Connected, connect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420), pytest.mark.xdist_group("e2e")]

DEV = "eval-e2e"
COUNT = 2000
RATE = 70.0  # events per second at the start; faster during the first outage, slower after it


def county_rows(county: CountyProcess) -> list[tuple[str, str, int]]:
    store = county.store()
    try:
        return [(r[0], r[1], int(r[2])) for r in store.rows("SELECT event_id, device_id, seq FROM events")]
    finally:
        store.close()


def status_where(watch: Connected, pred: Callable[[DeviceStatus], bool]) -> DeviceStatus:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        st = DeviceStatus.from_json(bytes(watch.get(max(0.1, deadline - time.monotonic())).payload))
        if pred(st):
            return st
    raise AssertionError("no such device status")


def wait_for(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out: {what}")


def test_2000_events_survive_every_fault(hall_pair: HallPair, tmp_path: Path, database_url: str) -> None:
    county = county_process(hall_pair, tmp_path / "county", database_url)
    device = Device(
        url=hall_pair.hall.url,
        password_file=hall_pair.accounts.password_file(DEV),
        state=tmp_path / "device",
        hall=hall_pair.hall_id,
        device=DEV,
        count=COUNT,
        rate=RATE,
        log=tmp_path / "device.log",
    )
    try:
        county.start()
        device.start()
        device.wait_put(100)

        # 1. county broker down while more than 1,000 events queue behind it
        hall_pair.county.kill()
        down_at = device.last_put()
        device.send("rate 150")
        device.wait_put(down_at + 1050)
        device.send("rate 15")  # the rest spans the other faults
        queued = device.last_put() - down_at
        assert device.unacked() > 1000, "the outage should hold back more than 1,000 events"
        hall_pair.county.start()
        hall_pair.wait_bridge()
        # the same county service reconnects (paho's backoff: up to 30 s) and the backlog flows
        wait_for(lambda: len(county_rows(county)) >= down_at + 500, 90, "the backlog to reach the county")

        # 2. county service killed and restarted
        device.wait_put(device.last_put() + 60)
        county.kill()
        time.sleep(2)
        county.start()

        # 3. hall broker killed and restarted
        device.wait_put(device.last_put() + 60)
        connects = device.tail(10_000).count("connected to hall broker")
        hall_pair.hall.kill()
        time.sleep(2)
        hall_pair.hall.start()
        wait_for(
            lambda: device.tail(10_000).count("connected to hall broker") > connects,
            30,
            "the device to reconnect",
        )
        hall_pair.wait_bridge()

        # 4. the device itself, SIGKILL, and started again
        device.wait_put(device.last_put() + 60)
        watch = connect(hall_pair.monitor(), "e2e-status-watch")
        watch.subscribe([topics.status(hall_pair.hall_id, DEV)])
        device.kill()
        killed_after = device.last_put()
        dead = status_where(watch, lambda st: st.state == "offline")  # the last will
        mark = len(device.lines)
        device.start()
        device.send("rate 100")
        resumed = int(device.wait_line(lambda ln: ln.startswith("resume "), start=mark).split()[1])
        alive = status_where(watch, lambda st: st.state == "online")
        watch.close()
        assert alive.session > dead.session
        device.wait_line(lambda ln: ln == "all put", timeout=120, start=mark)

        wait_for(
            lambda: len(county_rows(county)) >= COUNT and device.unacked() == 0,
            150,
            "county to store all events and the device to see every ack",
        )
        time.sleep(1.0)  # late duplicates, if any, would show now
        rows = county_rows(county)
        assert device.terminate() == 0
    finally:
        device.kill()
        county.kill()

    assert queued > 1000
    assert resumed >= killed_after  # no put that returned was forgotten
    assert len(rows) == COUNT
    assert len({r[0] for r in rows}) == COUNT
    assert sorted(r[2] for r in rows) == list(range(1, COUNT + 1))
    assert {r[1] for r in rows} == {DEV}
    assert device.unacked() == 0
    con = sqlite3.connect(device.state / "outbox.db")
    results = dict(con.execute("SELECT result, count(*) FROM events GROUP BY result").fetchall())
    seqs = [json.loads(r[0])["seq"] for r in con.execute("SELECT payload FROM events ORDER BY seq")]
    con.close()
    assert seqs == list(range(1, COUNT + 1))
    assert set(results) <= {"stored", "duplicate"} and sum(results.values()) == COUNT
