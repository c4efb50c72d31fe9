"""Two `hall-county` receivers on one PostgreSQL (docs/county.md, "Storage"; docs/delivery.md,
"County broker restarts"): the load splits by halls, one killed with SIGKILL mid-stream leaves the
other storing, restarted it rejoins and takes up what waited for it in its session; nothing lost,
nothing stored twice, no ack before its commit.

The halls' bridges are played by clients with the bridge accounts at the county broker (exactly
what a bridge sends: `hall/v1/<hall>/<device>/event/rating`, QoS 1; acks read back on
`hall/v1/<hall>/+/ack`), four halls, no resend: a lost event stays lost here, nothing covers it.

Each receiver has its own `client_id` and its own `halls` (plain persistent subscriptions).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from core import topics
from core.accounts import bridge_account
from core.messages import Ack
from core.mqtt_client import make_client
from county.store import open_store
from tests.support.county import CountyProcess, county_process
from tests.support.events import rating
from tests.support.mosquitto import Accounts, Broker, HallPair, make_county_broker, running, settings_for

pytestmark = [pytest.mark.broker, pytest.mark.timeout(240)]

HALLS = ("hall-a", "hall-b", "hall-c", "hall-d")
PER_HALL = 300


class BridgeSim:
    """A hall's bridge at the county broker: publishes events, collects the acks that come back,
    and checks at each ack's arrival that its event is already committed in the store."""

    def __init__(self, county: Broker, accounts: Accounts, hall: str, database_url: str) -> None:
        self.hall = hall
        self.store = open_store(database_url)  # its own connection: sees only committed rows
        self.acks: Counter[str] = Counter()
        self.results: dict[str, set[str]] = {}
        self.early: list[str] = []  # acked, but not (yet) in the store
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = make_client(settings_for(county, accounts, bridge_account(hall)), f"sim-bridge-{hall}")
        self.client.max_inflight_messages_set(100)
        self.client.on_connect = lambda c, *_: c.subscribe(topics.ack(hall, "eval-01"), qos=1)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_message = self._on_ack
        self.client.connect(county.url.split("//")[1].split(":")[0], county.port)
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def _on_ack(self, _c: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
        items = Ack.from_json(bytes(m.payload)).acks
        ids = [i.event_id for i in items]
        found = {
            r[0]
            for r in self.store.rows(
                "SELECT event_id FROM events WHERE event_id IN ({})".format(",".join("?" * len(ids))), ids
            )
        }
        with self.lock:
            for i in items:
                self.acks[i.event_id] += 1
                self.results.setdefault(i.event_id, set()).add(i.result)
                if i.event_id not in found:
                    self.early.append(i.event_id)

    def publish(self, n: int, start: int) -> list[str]:
        events = [
            rating(hall=self.hall, device="eval-01", case_id=f"{self.hall}-C{start + k:05d}")
            for k in range(n)
        ]
        for e in events:
            self.client.publish(topics.event(self.hall, "eval-01", "rating"), e.to_json(), qos=1)
        return [e.event_id for e in events]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.store.close()


def receivers_for(
    pair: HallPair, root: Path, url: str, n: int, halls: list[tuple[str, ...]] | None = None
) -> list[CountyProcess]:
    out = []
    for i in range(n):
        extra = {"client_id": f'"county-r{i}"', "log_level": '"INFO"'}
        if halls is not None:
            extra["halls"] = "[" + ", ".join(f'"{h}"' for h in halls[i]) + "]"
        out.append(county_process(pair, root / f"r{i}", url, **extra))
    return out


@pytest.fixture
def county_only(tmp_path: Path) -> Iterator[HallPair]:
    """A county broker that knows four halls (their bridge accounts); no hall broker is needed."""
    accounts = Accounts(tmp_path / "accounts")
    county = make_county_broker(tmp_path / "county", accounts, halls=HALLS)
    county.start()
    with running(county):
        yield HallPair(hall=county, county=county, accounts=accounts)  # only .county is used


def wait_for(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out: {what}")


def stored_counts(r: CountyProcess) -> Counter[str]:
    """The last `stored` count a receiver logged (it logs its counts when it stops)."""
    found = re.findall(r"'stored': (\d+)", r.log.read_text(errors="replace"))
    return Counter(stored=int(found[-1]) if found else 0)


def test_two_receivers_split_survive_a_kill_and_rejoin(
    county_only: HallPair, tmp_path: Path, postgres_url: str
) -> None:
    receivers = receivers_for(county_only, tmp_path, postgres_url, 2, halls=[HALLS[0::2], HALLS[1::2]])
    sims: list[BridgeSim] = []
    store = open_store(postgres_url)
    try:
        for r in receivers:
            r.start()
        sims = [BridgeSim(county_only.county, county_only.accounts, h, postgres_url) for h in HALLS]
        sent: list[str] = []
        step = 25
        for k in range(0, PER_HALL, step):
            if k == PER_HALL // 3:
                receivers[0].kill()  # SIGKILL mid-stream, batches in hand, PUBACKs unsent
                killed_at = store.count("events")
            if k == 2 * PER_HALL // 3:
                # while it was dead the other went on storing
                assert store.count("events") > killed_at + step, "the surviving receiver stalled"
                receivers[0].start()  # rejoins: its session holds what waited for it
            for s in sims:
                sent += s.publish(step, k)
            time.sleep(0.12)
        wait_for(lambda: store.count("events") >= len(sent), 90, "every event stored")
        wait_for(lambda: all(len(s.acks) == PER_HALL for s in sims), 60, "every event acked")
        time.sleep(1.0)  # late duplicates, if any, would show now
        for r in receivers:
            assert r.stop() == 0
        rows = store.rows("SELECT event_id FROM events")
        ratings = store.count("ratings")
    finally:
        for s in sims:
            s.close()
        for r in receivers:
            r.kill()
        store.close()

    assert len(rows) == len(sent) == len(set(sent)) == ratings == len(HALLS) * PER_HALL  # none lost
    assert {r[0] for r in rows} == set(sent)  # none stored twice (event_id is the key), none foreign
    for s in sims:
        assert s.early == [], f"{s.hall}: acks before the commit: {s.early[:3]}"
        assert all(res <= {"stored", "duplicate"} for res in s.results.values())
    assert all(stored_counts(r)["stored"] > 0 for r in receivers), "both receivers took a share"


def test_two_receivers_racing_on_the_same_events_store_once_and_both_ack(
    county_only: HallPair, tmp_path: Path, postgres_url: str
) -> None:
    """Both receivers get every event of a hall (the same hall in both `halls` lists, as while a
    hall moves between receivers, or a redelivery racing a restart): one row each, and each
    receiver acks every event, one `stored` and one `duplicate`."""
    hall = HALLS[0]
    receivers = receivers_for(county_only, tmp_path, postgres_url, 2, halls=[(hall,), (hall,)])
    sim: BridgeSim | None = None
    store = open_store(postgres_url)
    try:
        for r in receivers:
            r.start()
        sim = BridgeSim(county_only.county, county_only.accounts, hall, postgres_url)
        sent = sim.publish(200, 0)
        wait_for(lambda: sum(sim.acks.values()) >= 2 * len(sent), 60, "two acks per event")
        time.sleep(0.5)
        assert store.count("events") == len(sent) == store.count("ratings")
        assert sim.early == []
        assert all(sim.acks[e] == 2 and sim.results[e] == {"stored", "duplicate"} for e in sent)
    finally:
        if sim is not None:
            sim.close()
        for r in receivers:
            r.kill()
        store.close()


def test_a_standby_takes_over_the_partition_of_a_receiver_killed_mid_stream(
    county_only: HallPair, tmp_path: Path, postgres_url: str
) -> None:
    """Two receivers with the same client id and halls on one PostgreSQL: one serves, the other
    waits on the partition lock (county/partition.py). SIGKILL the serving one mid-stream and never
    start it again: the standby takes the session over and stores everything, each event once."""
    active, standby = (
        county_process(county_only, tmp_path / name, postgres_url, client_id='"county-a"')
        for name in ("active", "standby")
    )
    sims: list[BridgeSim] = []
    store = open_store(postgres_url)
    try:
        active.start()
        standby.spawn()
        wait_for(
            lambda: "standby: another receiver serves county-a" in standby.log.read_text(),
            30,
            "the second receiver to wait as standby",
        )
        sims = [BridgeSim(county_only.county, county_only.accounts, h, postgres_url) for h in HALLS[:2]]
        sent: list[str] = []
        for k in range(0, 200, 20):
            if k == 80:
                active.kill()
            for s in sims:
                sent += s.publish(20, k)
            time.sleep(0.15)
        wait_for(lambda: store.count("events") >= len(sent), 60, "the standby to store the rest")
        wait_for(lambda: all(len(s.acks) == 200 for s in sims), 30, "every event acked")
        time.sleep(0.5)
        rows = store.rows("SELECT event_id FROM events")
        assert "serving county-a" in standby.log.read_text()
        assert standby.stop() == 0
    finally:
        for s in sims:
            s.close()
        active.kill()
        standby.kill()
        store.close()
    assert sorted(r[0] for r in rows) == sorted(sent) and len(set(sent)) == 400
    for s in sims:
        assert s.early == []


def test_a_receiver_that_loses_its_partition_lock_stops_serving(
    county_only: HallPair, tmp_path: Path, postgres_server: str, postgres_url: str
) -> None:
    """Its lock connection ended (PostgreSQL restarted, or the connection was cut): it can no
    longer know that no other receiver serves its session, so it stops (exit 1; systemd starts it
    again and it competes for the lock anew)."""
    import psycopg

    r = county_process(county_only, tmp_path / "r", postgres_url, client_id='"county-a"')
    r.start()
    try:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (postgres_url.rsplit("/", 1)[1],),
            )
        assert r.proc is not None
        assert r.proc.wait(20) == 1
        assert "lost the partition lock" in r.log.read_text()
    finally:
        r.kill()
