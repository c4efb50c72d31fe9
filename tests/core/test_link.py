"""The device link against a real Mosquitto hall broker rendered from broker_config/."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core import topics
from core.accounts import COUNTY_SERVICE
from core.clock import FakeClock
from core.commands import CommandReply
from core.config import DeviceSettings
from core.device_config import DeviceConfig
from core.link import Link
from core.messages import Ack, AckItem, CountyState, DeviceStatus, Telemetry
from core.outbox import Outbox
from core.queries import ProgressQuery
from core.requests import RequestTimeout
from tests.support.acker import Acker
from tests.support.events import rating
from tests.support.mosquitto import HALL_ID, Accounts, Broker, make_hall_broker, settings_for
from tests.support.mqtt_helpers import Connected, connect

pytestmark = pytest.mark.broker
DEV = "eval-01"


def wait(cond: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def device_settings(broker: Broker, accounts: Accounts, state: Path, device: str = DEV) -> DeviceSettings:
    return DeviceSettings(
        device_id=device, hall_id=HALL_ID, state_dir=state, mqtt=settings_for(broker, accounts, device)
    )


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    ob = Outbox(tmp_path / "state" / "outbox.db")
    yield ob
    ob.close()


@pytest.fixture
def make_link(
    hall_broker: Broker, broker_accounts: Accounts, tmp_path: Path
) -> Iterator[Callable[..., Link]]:
    links: list[Link] = []

    def make(outbox: Outbox | None, **kw: Any) -> Link:
        link = Link(
            device_settings(hall_broker, broker_accounts, tmp_path / "state"),
            kind="evaluator",
            outbox=outbox,
            version="test",
            **kw,
        )
        links.append(link)
        return link

    yield make
    for link in links:
        link.stop(timeout=2)


def watcher(hall_broker: Broker, accounts: Accounts, *subs: str) -> Connected:
    c = connect(settings_for(hall_broker, accounts, COUNTY_SERVICE), f"watch-{time.monotonic_ns()}")
    if subs:
        c.subscribe(list(subs))
    return c


def test_drains_in_seq_order_and_county_ack_ends_life(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    acker = Acker(settings_for(hall_broker, broker_accounts, COUNTY_SERVICE))
    try:
        for i in range(30):
            outbox.put(rating(HALL_ID, DEV, case_id=f"C{i}"))
        link = make_link(outbox)
        link.start()
        assert acker.wait_for(30)
        assert wait(lambda: outbox.backlog().unacked == 0)
        first_seen: list[int] = []
        for _, seq in acker.arrivals:
            if seq not in first_seen:
                first_seen.append(seq)
        assert first_seen == list(range(1, 31))
        # a new event goes out at once when the app wakes the link
        ev = outbox.put(rating(HALL_ID, DEV, case_id="late"))
        link.wake()
        assert wait(lambda: outbox.outcome(ev.event_id) == ("stored", None))
        assert link.acked == 31
    finally:
        acker.close()


def test_unacked_event_is_resent_with_backoff(
    hall_broker: Broker, broker_accounts: Accounts, tmp_path: Path, make_link: Callable[..., Link]
) -> None:
    clock = FakeClock()
    outbox = Outbox(tmp_path / "state" / "outbox.db", clock=clock)
    acker = Acker(settings_for(hall_broker, broker_accounts, COUNTY_SERVICE), ack=False)
    try:
        ev = outbox.put(rating(HALL_ID, DEV))
        make_link(outbox).start()
        assert wait(lambda: len(acker.arrivals) == 1)
        time.sleep(0.8)  # more than a poll: no resend while the backoff runs
        assert len(acker.arrivals) == 1
        clock.advance(8.0)
        assert wait(lambda: len(acker.arrivals) == 2)
        assert acker.arrivals == [(ev.event_id, 1), (ev.event_id, 1)]
        clock.advance(15.0)
        time.sleep(0.8)
        assert len(acker.arrivals) == 2  # second wait is 16 s
        clock.advance(1.0)
        assert wait(lambda: len(acker.arrivals) == 3)
    finally:
        acker.close()
        outbox.close()


def test_status_online_session_rises_and_offline_on_stop(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    w = watcher(hall_broker, broker_accounts, topics.status(HALL_ID, DEV))
    sessions = []
    for _ in range(2):
        link = make_link(outbox)
        link.start()
        assert wait(lambda: link.connected)  # noqa: B023 - waited for right here
        st = DeviceStatus.from_json(bytes(w.get().payload))
        while st.state != "online":
            st = DeviceStatus.from_json(bytes(w.get().payload))
        assert st.kind == "evaluator" and st.backlog is not None and st.disk is not None
        sessions.append(st.session)
        link.set_peripheral("keypad", "ok")
        st = DeviceStatus.from_json(bytes(w.get().payload))
        assert st.peripherals == {"keypad": "ok"}
        link.set_peripheral("keypad", "ok")  # unchanged: nothing published
        link.set_detail("键盘未连接 keypad not connected")
        assert DeviceStatus.from_json(bytes(w.get().payload)).detail.startswith("键盘未连接")
        link.stop()
        st = DeviceStatus.from_json(bytes(w.get().payload))
        assert (st.state, st.session) == ("offline", sessions[-1])
    assert sessions[1] > sessions[0]
    w.close()


def test_commands_reply_on_response_topic(
    hall_broker: Broker, broker_accounts: Accounts, make_link: Callable[..., Link]
) -> None:
    got: list[tuple[str, bytes]] = []

    def on_command(name: str, raw: bytes) -> CommandReply:
        got.append((name, raw))
        return CommandReply(result="busy", reason="rating in progress")

    link = make_link(None)
    link.on_command = on_command
    link.start()
    assert wait(lambda: link.connected)
    resp = "county/v1/response/svc.county/eval-01"
    w = watcher(hall_broker, broker_accounts, resp)

    def ask(name: str, payload: bytes, corr: bytes) -> dict[str, object]:
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = resp
        props.CorrelationData = corr
        w.client.publish(topics.cmd(HALL_ID, DEV, name), payload, qos=1, properties=props)
        m = w.get(10)
        assert m.properties is not None and getattr(m.properties, "CorrelationData", None) == corr
        reply: dict[str, object] = json.loads(m.payload)
        return reply

    time.sleep(0.3)  # the device's subscription is in place
    r = ask("invite", b'{"schema":"hall.invite/1","case_id":"C1"}', b"c1")
    assert r == {"schema": "hall.cmd-reply/1", "result": "busy", "reason": "rating in progress"}
    assert got == [("invite", b'{"schema":"hall.invite/1","case_id":"C1"}')]
    r = ask("invite", b"{not json", b"c2")
    assert r["result"] == "refused" and "hall.invite/1" in str(r["reason"])
    r = ask("teleport", b"{}", b"c3")
    assert r["result"] == "refused" and "unknown command" in str(r["reason"])
    link.on_command = lambda n, raw: 1 / 0  # type: ignore[assignment,return-value]
    r = ask("identify", b"{}", b"c4")
    assert r["result"] == "refused" and "device error" in str(r["reason"])
    assert len(got) == 1 and link.connected
    w.close()


def test_config_applied_and_bad_config_keeps_old(
    hall_broker: Broker,
    broker_accounts: Accounts,
    make_link: Callable[..., Link],
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = watcher(hall_broker, broker_accounts)
    good = DeviceConfig(window_name="3号窗口")
    w.publish(topics.config(HALL_ID, DEV), good.to_json(), retain=True)
    seen: list[DeviceConfig] = []
    link = make_link(None)
    link.on_config = seen.append
    link.start()
    assert wait(lambda: len(seen) == 1)
    assert seen[0].window_name == "3号窗口"
    with caplog.at_level(logging.WARNING, logger="core.link"):
        w.publish(topics.config(HALL_ID, DEV), b'{"schema":"hall.config/1","thanks_s":-1}', retain=True)
        assert wait(lambda: any("invalid configuration" in r.getMessage() for r in caplog.records))
    assert len(seen) == 1 and link.config == seen[0]
    w.publish(topics.config(HALL_ID, DEV), b"", retain=True)
    w.close()


def test_request_response_and_timeout(
    hall_broker: Broker, broker_accounts: Accounts, make_link: Callable[..., Link]
) -> None:
    county = watcher(hall_broker, broker_accounts, topics.query("progress"))

    def answer() -> None:
        m = county.get(10)
        assert m.properties is not None
        props = Properties(PacketTypes.PUBLISH)
        props.CorrelationData = getattr(m.properties, "CorrelationData", b"")
        body = b'{"answer":' + m.payload + b"}"
        county.client.publish(getattr(m.properties, "ResponseTopic", ""), body, qos=1, properties=props)

    link = make_link(None)
    with pytest.raises(RequestTimeout, match="no connection"):
        link.request(topics.query("progress"), ProgressQuery(hall_id=HALL_ID, device_id=DEV, case_id="C1"), 1)
    link.start()
    assert wait(lambda: link.connected)
    time.sleep(0.3)
    t = threading.Thread(target=answer)
    t.start()
    q = ProgressQuery(hall_id=HALL_ID, device_id=DEV, case_id="C9")
    out = json.loads(link.request(topics.query("progress"), q, timeout=10))
    t.join()
    assert out["answer"]["case_id"] == "C9"
    with pytest.raises(RequestTimeout, match=r"no answer from county/v1/query/progress within 0\.3 s"):
        link.request(topics.query("progress"), q, timeout=0.3)
    county.close()


def test_dead_broker_at_start_then_it_comes(
    broker_accounts: Accounts, tmp_path: Path, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    broker = make_hall_broker(tmp_path / "late-hall", broker_accounts)
    link = Link(device_settings(broker, broker_accounts, tmp_path / "state"), kind="evaluator", outbox=outbox)
    try:
        with caplog.at_level(logging.WARNING, logger="core.link"):
            outbox.put(rating(HALL_ID, DEV))
            link.start()
            assert wait(lambda: any("cannot reach hall broker" in r.getMessage() for r in caplog.records))
        assert not link.connected
        assert sum("cannot reach" in r.getMessage() for r in caplog.records) == 1
        broker.start()
        acker = Acker(settings_for(broker, broker_accounts, COUNTY_SERVICE))
        assert wait(lambda: outbox.backlog().unacked == 0, timeout=40)
        acker.close()
    finally:
        link.stop(timeout=2)
        broker.kill()


def test_acl_refusal_is_logged(
    hall_broker: Broker,
    broker_accounts: Accounts,
    outbox: Outbox,
    make_link: Callable[..., Link],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # an event filed under another device's topic: the broker's ACL drops it (PUBACK 135)
    ev = outbox.put(rating(HALL_ID, "eval-99"))
    with caplog.at_level(logging.WARNING, logger="core.link"):
        make_link(outbox).start()
        assert wait(lambda: any("refused event" in r.getMessage() for r in caplog.records))
    line = next(r.getMessage() for r in caplog.records if "refused event" in r.getMessage())
    assert ev.event_id in line and "135" in line
    assert outbox.backlog().unacked == 1


def test_broker_restart_mid_drain_loses_nothing(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    link = make_link(outbox)
    link.start()
    assert wait(lambda: link.connected)
    for i in range(300):
        outbox.put(rating(HALL_ID, DEV, case_id=f"C{i}"))
    link.wake()
    hall_broker.kill()
    assert wait(lambda: not link.connected)
    for i in range(300, 400):
        outbox.put(rating(HALL_ID, DEV, case_id=f"C{i}"))
    hall_broker.start()
    acker = Acker(settings_for(hall_broker, broker_accounts, COUNTY_SERVICE))
    try:
        assert acker.wait_for(400, timeout=40)
        assert wait(lambda: outbox.backlog().unacked == 0)
        assert link.reconnects >= 1
    finally:
        acker.close()


def test_telemetry(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    w = watcher(hall_broker, broker_accounts, topics.telemetry(HALL_ID, DEV))
    make_link(outbox, telemetry_s=0.3).start()
    t = Telemetry.from_json(bytes(w.get(10).payload))
    assert t.device_id == DEV and t.rss_bytes > 1_000_000 and t.cpu_percent >= 0
    assert t.backlog.unacked == 0 and t.disk.free_bytes > 0
    w.close()


def test_holds_new_events_while_too_many_wait_for_the_county(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    acker = Acker(settings_for(hall_broker, broker_accounts, COUNTY_SERVICE), ack=False)
    try:
        evs = [outbox.put(rating(HALL_ID, DEV, case_id=f"C{i}")) for i in range(12)]
        make_link(outbox, max_unacked=5).start()
        assert acker.wait_for(5)
        time.sleep(1.0)  # two polls: nothing new goes out while five wait for their ack
        assert acker.unique() == {e.event_id for e in evs[:5]}
        ack = Ack(acks=[AckItem(event_id=e.event_id, result="stored") for e in evs[:5]])
        acker.conn.publish(topics.ack(HALL_ID, DEV), ack.to_json())
        assert acker.wait_for(10)
        assert acker.unique() == {e.event_id for e in evs[:10]}
    finally:
        acker.close()


def test_reconnect_sends_each_in_flight_event_once(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    """Events in flight when the connection dies (published, no PUBACK) go out once on the next
    connection: from the outbox, not a second time from paho's own queue (core/link.py drops it)."""
    svc = settings_for(hall_broker, broker_accounts, COUNTY_SERVICE)
    watch = connect(svc, "inflight-watch", clean_start=False, session_expiry_s=600)
    watch.subscribe([topics.all_events()])
    watch.close()
    hall_broker.restart()  # SIGTERM saves the watcher's session; a SIGKILL later keeps it
    link = make_link(outbox)
    link.start()
    assert wait(lambda: link.connected)
    assert hall_broker.proc is not None
    hall_broker.proc.send_signal(signal.SIGSTOP)  # takes nothing, acks nothing
    evs = [outbox.put(rating(HALL_ID, DEV, case_id=f"F{i}")) for i in range(20)]
    link.wake()
    assert wait(lambda: link.published >= 20)  # handed to paho: in flight
    hall_broker.kill()
    assert wait(lambda: not link.connected)
    hall_broker.start()
    assert wait(lambda: link.connected, timeout=30)
    assert wait(lambda: link.published >= 40)  # the outbox sent them again at the reconnect
    time.sleep(1.0)  # and anything paho would resend by itself goes out meanwhile
    watch = connect(svc, "inflight-watch", clean_start=False, session_expiry_s=600)
    try:
        got = [json.loads(m.payload)["event_id"] for m in watch.collect(100, timeout=3.0)]
    finally:
        watch.close()
    assert sorted(got) == sorted(e.event_id for e in evs)  # each once


def test_the_retained_status_is_the_newest_snapshot_when_two_threads_publish_it(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    """Two publishers of the status race: the one that took its snapshot first must not publish
    last. Thread A snapshots `fault` and is held up (reading the outbox's backlog) while thread B
    snapshots `ok` and would publish: the retained status must end `ok`, the state in force."""
    link = make_link(outbox)
    link.start()
    assert wait(lambda: link.connected)
    hold = threading.Event()
    a_in_backlog = threading.Event()
    real_backlog = outbox.backlog

    def backlog() -> Any:
        if threading.current_thread().name == "A":
            a_in_backlog.set()
            hold.wait(5)
        return real_backlog()

    outbox.backlog = backlog  # type: ignore[method-assign]
    a = threading.Thread(target=link.set_peripheral, args=("keypad", "fault"), name="A")
    b = threading.Thread(target=link.set_peripheral, args=("keypad", "ok"), name="B")
    a.start()
    assert a_in_backlog.wait(5)
    b.start()
    b.join(0.5)  # B has had every chance to overtake A
    hold.set()
    a.join(5)
    b.join(5)
    time.sleep(0.3)  # both publishes reached the broker
    w = watcher(hall_broker, broker_accounts, topics.status(HALL_ID, DEV))
    retained = DeviceStatus.from_json(bytes(w.get(5).payload))
    w.close()
    assert retained.peripherals == {"keypad": "ok"}


def test_county_offline_when_its_beats_stop_and_a_retained_replay_does_not_revive_it(
    hall_broker: Broker, broker_accounts: Accounts, outbox: Outbox, make_link: Callable[..., Link]
) -> None:
    link = make_link(outbox)
    link.county.heartbeat_s = 0.5
    seen: list[bool] = []
    link.on_county_state = seen.append
    link.start()
    assert wait(lambda: link.connected)
    county = watcher(hall_broker, broker_accounts)
    beat = CountyState(online=True, timestamp=int(time.time() * 1000)).to_json()
    assert county.publish(topics.COUNTY_STATE, beat, retain=True) == 0
    assert wait(lambda: link.county_online is True)
    # no more beats: offline within 2 x 0.5 s (+ the sender's poll), and the app is told
    assert wait(lambda: link.county_online is False, timeout=5)
    assert county.publish(topics.COUNTY_STATE, beat, retain=True) == 0  # a restarted broker's replay
    time.sleep(0.6)
    assert link.county_online is False
    fresh = CountyState(online=True, timestamp=int(time.time() * 1000)).to_json()
    assert county.publish(topics.COUNTY_STATE, fresh, retain=True) == 0
    assert wait(lambda: link.county_online is True)
    assert wait(lambda: seen[:3] == [True, False, True])
    county.close()


@dataclass
class HoldRig:
    """A started link on a fake clock, an outbox, and a county stand-in that never acks."""

    hall_broker: Broker
    accounts: Accounts
    clock: FakeClock
    outbox: Outbox
    acker: Acker
    link: Link

    def say_county(self, online: bool) -> None:
        county = watcher(self.hall_broker, self.accounts)
        state = CountyState(online=online, timestamp=int(self.clock.time() * 1000)).to_json()
        assert county.publish(topics.COUNTY_STATE, state, retain=True) == 0
        county.close()
        assert wait(lambda: self.link.county_online is online)

    def press(self, case_id: str) -> str:
        event = self.outbox.put(rating(HALL_ID, DEV, case_id=case_id))
        self.link.wake()
        return event.event_id

    def new_acker(self) -> None:
        self.acker.close()
        self.acker = Acker(settings_for(self.hall_broker, self.accounts, COUNTY_SERVICE), ack=False)


@pytest.fixture
def hold(
    hall_broker: Broker, broker_accounts: Accounts, tmp_path: Path, make_link: Callable[..., Link]
) -> Iterator[HoldRig]:
    clock = FakeClock()
    outbox = Outbox(tmp_path / "state" / "outbox.db", clock=clock)
    acker = Acker(settings_for(hall_broker, broker_accounts, COUNTY_SERVICE), ack=False)
    link = make_link(outbox, clock=clock)
    rig = HoldRig(hall_broker, broker_accounts, clock, outbox, acker, link)
    try:
        link.start()
        assert wait(lambda: link.connected)
        yield rig
    finally:
        rig.acker.close()
        link.stop(timeout=2)
        outbox.close()


def test_resends_are_held_while_the_county_is_offline_and_follow_its_queued_copies_after(
    hold: HoldRig,
) -> None:
    """An outage: each new event goes out once (it waits in the broker's queue for the county), none
    is resent into that queue; after the county's return what is still unacked goes again, but only
    FIRST_RESEND_S later (its queued copy crosses first), not at once."""
    hold.say_county(False)
    first = hold.press("O1")
    assert wait(lambda: len(hold.acker.arrivals) == 1)  # new events are not held
    for _ in range(3):  # past the 8, 16 and 32 s resends
        hold.clock.advance(60.0)
        time.sleep(0.7)  # more than a poll
    assert len(hold.acker.arrivals) == 1
    second = hold.press("O2")
    assert wait(lambda: len(hold.acker.arrivals) == 2)
    assert hold.acker.unique() == {first, second}

    hold.say_county(True)
    time.sleep(0.7)
    assert len(hold.acker.arrivals) == 2  # not at once: the queued copies cross first
    hold.clock.advance(8.0)
    assert wait(lambda: len(hold.acker.arrivals) == 4)  # then each unacked event once more
    assert [eid for eid, _ in hold.acker.arrivals[2:]] == [first, second]


def test_a_held_backlog_is_still_resent_every_hold_round_in_case_the_liveness_is_wrong(
    hold: HoldRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.link

    monkeypatch.setattr(core.link, "HOLD_RESENDS_MAX_S", 3.0)
    hold.say_county(False)
    ev = hold.press("V1")
    assert wait(lambda: len(hold.acker.arrivals) == 1)
    hold.clock.advance(8.0)  # its resend is due, and held ...
    time.sleep(0.6)
    assert len(hold.acker.arrivals) == 1
    assert wait(lambda: len(hold.acker.arrivals) == 2, timeout=10)  # ... until the hold round
    time.sleep(0.6)
    assert len(hold.acker.arrivals) == 2  # once in a round (the next is 3 s away)
    assert hold.acker.unique() == {ev}


def test_a_held_backlog_goes_once_more_on_each_new_connection_and_at_the_county_s_loss(
    hold: HoldRig,
) -> None:
    """Copies that may be lost are sent again even while resends are held: what waited for its ack
    when the county went away (a killed county broker loses what it had not saved), and everything
    unacked after a reconnect to the hall broker (a killed hall broker loses its bridge queue)."""
    hold.say_county(True)
    before = hold.press("B1")
    assert wait(lambda: len(hold.acker.arrivals) == 1)
    hold.say_county(False)
    assert wait(lambda: len(hold.acker.arrivals) == 2)  # in flight at the loss: once more, at once
    during = hold.press("B2")
    assert wait(lambda: len(hold.acker.arrivals) == 3)
    hold.clock.advance(60.0)
    time.sleep(0.7)
    assert len(hold.acker.arrivals) == 3  # then held
    hold.hall_broker.restart()
    hold.new_acker()
    assert wait(lambda: hold.link.connected, timeout=30)
    assert hold.acker.wait_for(2)  # the new connection: each unacked event once
    hold.clock.advance(60.0)
    time.sleep(0.7)
    assert sorted(eid for eid, _ in hold.acker.arrivals) == sorted([before, during])
