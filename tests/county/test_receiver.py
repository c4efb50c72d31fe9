"""The county receiver end to end: a device publishes at the hall broker, through the bridge, to
`hall-county` (a real process) at the county broker; acks come back on the device's ack topic.
Every test that stores runs on SQLite and on PostgreSQL (the `database_url` parameter)."""

import sqlite3
import time

import pytest

from core import topics
from core.levels import Level
from core.messages import Ack, AckItem, CountyState
from county.receiver import Receiver
from county.settings import CountySettings
from county.store import SqliteStore, open_store
from tests.support.county import county_process
from tests.support.events import rating, signin
from tests.support.mosquitto import HallPair, make_county_broker, running, settings_for
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

HALL = "test-hall"


@pytest.fixture
def county(hall_pair, tmp_path, database_url):
    c = county_process(hall_pair, tmp_path / "receiver", database_url)
    c.start()
    yield c
    c.kill()


def _device(hall_pair, device_id="eval-01"):
    dev = connect(hall_pair.device(device_id), device_id)
    dev.subscribe([topics.ack(HALL, device_id)])
    return dev


def _acks(dev, n, timeout=15.0):
    """The first `n` ack items that arrive (possibly in several Ack messages)."""
    items: list[AckItem] = []
    deadline = time.monotonic() + timeout
    while len(items) < n and time.monotonic() < deadline:
        try:
            m = dev.get(max(0.05, deadline - time.monotonic()))
        except Exception:
            break
        items.extend(Ack.from_json(bytes(m.payload)).acks)
    return items


def _state(dev, timeout):
    return CountyState.from_json(bytes(dev.get(timeout).payload))


def test_events_are_stored_and_acked(hall_pair, county):
    dev = _device(hall_pair)
    events = [rating(), rating(case_id="C-1", level=Level.DISSATISFIED, reasons=["R01"]), signin()]
    for e in events:
        assert dev.publish(topics.event(HALL, "eval-01", e.TYPE), e.to_json()) == 0
    items = _acks(dev, 3)
    assert {(i.event_id, i.result) for i in items} == {(e.event_id, "stored") for e in events}
    store = county.store()
    assert store.count("events") == 3 and store.count("ratings") == 2 and store.count("sign_events") == 1
    store.close()
    dev.close()


def test_a_resent_event_is_acked_as_duplicate(hall_pair, county):
    dev = _device(hall_pair)
    e = rating()
    dev.publish(topics.event(HALL, "eval-01", "rating"), e.to_json())
    assert [(i.event_id, i.result) for i in _acks(dev, 1)] == [(e.event_id, "stored")]
    dev.publish(topics.event(HALL, "eval-01", "rating"), e.to_json())
    assert [(i.event_id, i.result) for i in _acks(dev, 1)] == [(e.event_id, "duplicate")]
    # a second rating of the same case round, with a new event id, too
    first, again = rating(case_id="C-7"), rating(case_id="C-7")
    dev.publish(topics.event(HALL, "eval-01", "rating"), first.to_json())
    dev.publish(topics.event(HALL, "eval-01", "rating"), again.to_json())
    assert {(i.event_id, i.result) for i in _acks(dev, 2)} == {
        (first.event_id, "stored"),
        (again.event_id, "duplicate"),
    }
    dev.close()


def test_an_invalid_event_is_rejected_with_a_reason(hall_pair, county):
    dev = _device(hall_pair)
    e = rating()
    bad = e.to_json().replace(b'"level":5', b'"level":1')  # 差评 without reason or comment
    assert bad != e.to_json()
    dev.publish(topics.event(HALL, "eval-01", "rating"), bad)
    [item] = _acks(dev, 1)
    assert (item.event_id, item.result) == (e.event_id, "rejected")
    assert "reason" in (item.reason or "")
    dev.close()


def test_acks_go_only_to_the_publishing_device(hall_pair, county):
    a, b = _device(hall_pair, "eval-01"), _device(hall_pair, "eval-02")
    ea, eb = rating(device="eval-01"), rating(device="eval-02")
    a.publish(topics.event(HALL, "eval-01", "rating"), ea.to_json())
    b.publish(topics.event(HALL, "eval-02", "rating"), eb.to_json())
    assert [i.event_id for i in _acks(a, 1)] == [ea.event_id]
    assert [i.event_id for i in _acks(b, 1)] == [eb.event_id]
    assert a.get_none(0.3) == [] and b.get_none(0) == []
    a.close()
    b.close()


def test_county_state_is_retained_and_goes_offline_on_stop(hall_pair, county):
    dev = connect(hall_pair.device("kiosk-01"), "kiosk-01")
    dev.subscribe([topics.COUNTY_STATE])
    assert _state(dev, 5).online is True
    assert county.stop() == 0
    assert _state(dev, 10).online is False
    dev.close()


def test_last_will_says_offline_when_killed(hall_pair, county):
    dev = connect(hall_pair.device("kiosk-01"), "kiosk-01")
    dev.subscribe([topics.COUNTY_STATE])
    assert _state(dev, 5).online is True
    county.kill()
    assert _state(dev, 10).online is False  # the broker sees the socket close
    dev.close()


def test_events_sent_while_the_receiver_is_down_are_stored_on_restart(hall_pair, county):
    dev = _device(hall_pair)
    before = rating()
    dev.publish(topics.event(HALL, "eval-01", "rating"), before.to_json())
    assert [i.result for i in _acks(dev, 1)] == ["stored"]
    county.kill()  # SIGKILL: its session (subscription) stays at the county broker
    events = [rating() for _ in range(50)]
    for e in events:
        dev.publish(topics.event(HALL, "eval-01", "rating"), e.to_json())
    county.start()
    items = _acks(dev, 50, timeout=30)
    assert {(i.event_id, i.result) for i in items} == {(e.event_id, "stored") for e in events}
    store = county.store()
    assert store.count("ratings") == 51
    store.close()
    dev.close()


def _flaky(store, failures: int, monkeypatch):
    """A real store (either backend) whose first commits fail, as with a full disk or a lock."""
    real = store.store_batch
    left = [failures]

    def store_batch(events, payloads=None, received_ms=None):
        if left[0]:
            left[0] -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return real(events, payloads, received_ms)

    monkeypatch.setattr(store, "store_batch", store_batch)
    return left


def test_a_failing_database_loses_nothing_and_acks_nothing_early(
    hall_pair, database_url, caplog, monkeypatch
):
    store = open_store(database_url)
    failures = _flaky(store, 2, monkeypatch)
    settings = CountySettings(
        mqtt=hall_pair.county_service().model_dump(), client_id="flaky", database=database_url
    )
    receiver = Receiver(settings, store)
    receiver.start()
    try:
        assert receiver.wait_connected(10)
        time.sleep(0.3)  # subscribed
        dev = _device(hall_pair)
        e = rating()
        dev.publish(topics.event(HALL, "eval-01", "rating"), e.to_json())
        [item] = _acks(dev, 1, timeout=20)  # only after the retries succeeded
        assert (item.event_id, item.result) == (e.event_id, "stored")
        assert failures == [0] and store.count("ratings") == 1
        assert "disk is full" in caplog.text
        dev.close()
    finally:
        receiver.stop()
        store.close()


def test_two_receivers_split_the_county_by_halls(tmp_path, broker_accounts, database_url):
    """Each receiver takes its own halls (plain persistent subscriptions); every event is stored
    and acked once. The halls' bridges are played by their bridge accounts at the county broker."""
    halls = ("hall-a", "hall-b")
    broker = make_county_broker(tmp_path / "county", broker_accounts, halls=halls)
    broker.start()
    with running(broker):
        pair = HallPair(broker, broker, broker_accounts)  # only its county side is used
        receivers = [
            county_process(
                pair, tmp_path / f"r{i}", database_url, client_id=f'"county-r{i}"', halls=f'["{hall}"]'
            )
            for i, hall in enumerate(halls)
        ]
        bridges = [connect(settings_for(broker, broker_accounts, f"bridge.{h}"), f"b-{h}") for h in halls]
        try:
            for r in receivers:
                r.start()
            events = {h: [rating(hall=h, case_id=f"C-{h}-{i}") for i in range(150)] for h in halls}
            for b, h in zip(bridges, halls, strict=True):
                b.subscribe([topics.ack(h, "eval-01")])
                for e in events[h]:
                    b.client.publish(topics.event(h, "eval-01", "rating"), e.to_json(), qos=1)
            for b, h in zip(bridges, halls, strict=True):
                items = _acks(b, 150, timeout=30)
                assert sorted((i.event_id, i.result) for i in items) == sorted(
                    (e.event_id, "stored") for e in events[h]
                )
                assert b.get_none(0.5) == []  # each event acked once
            for r in receivers:
                r.stop()
            for r, h in zip(receivers, halls, strict=True):
                assert "'stored': 150" in r.log.read_text(), f"{r.config.parent.name} took {h}'s events only"
            store = open_store(database_url)
            assert store.count("ratings") == 300
            store.close()
        finally:
            for b in bridges:
                b.close()
            for r in receivers:
                r.kill()


def test_a_receiver_given_fewer_halls_drops_the_subscriptions_its_session_kept(tmp_path, broker_accounts):
    """Its session at the broker outlives a restart with another `halls`: what it no longer serves
    (the every-hall filter, a hall moved away) is unsubscribed, not stored twice by two receivers."""
    halls = ("hall-a", "hall-b")
    broker = make_county_broker(tmp_path / "county", broker_accounts, halls=halls)
    broker.start()
    with running(broker):
        pair = HallPair(broker, broker, broker_accounts)
        db = tmp_path / "r.db"
        every = county_process(pair, tmp_path / "every", client_id='"county-r"', database=f'"sqlite:///{db}"')
        every.start()  # subscribes every hall in its persistent session
        assert every.stop() == 0
        only_a = county_process(
            pair,
            tmp_path / "only-a",
            client_id='"county-r"',
            database=f'"sqlite:///{db}"',
            halls='["hall-a"]',
        )
        bridges = {h: connect(settings_for(broker, broker_accounts, f"bridge.{h}"), f"b-{h}") for h in halls}
        try:
            only_a.start()
            ea, eb = rating(hall="hall-a"), rating(hall="hall-b")
            bridges["hall-b"].publish(topics.event("hall-b", "eval-01", "rating"), eb.to_json())
            bridges["hall-a"].publish(topics.event("hall-a", "eval-01", "rating"), ea.to_json())
            bridges["hall-a"].subscribe([topics.ack("hall-a", "eval-01")])
            time.sleep(1.0)
            store = SqliteStore(db)
            try:
                deadline = time.monotonic() + 10
                while store.count("events") < 1 and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(1.0)
                ids = {r[0] for r in store.rows("SELECT event_id FROM events")}
            finally:
                store.close()
            assert ids == {ea.event_id}  # hall-b's event was not taken by the hall-a receiver
        finally:
            for b in bridges.values():
                b.close()
            only_a.kill()


def test_losing_the_broker_is_a_warning_and_coming_back_an_info_line(hall_pair, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="county.receiver")
    store = SqliteStore(tmp_path / "c.db")
    settings = CountySettings(
        mqtt=hall_pair.county_service().model_dump(),
        client_id="logs",
        database=f"sqlite:///{tmp_path / 'c.db'}",
    )
    receiver = Receiver(settings, store)
    receiver.start()
    try:
        assert receiver.wait_connected(10)
        hall_pair.county.kill()
        deadline = time.monotonic() + 10
        while receiver.wait_connected(0) and time.monotonic() < deadline:
            time.sleep(0.05)
        hall_pair.county.start()
        assert receiver.wait_connected(15)  # paho retries every <= 2 s
        lost = [r for r in caplog.records if "lost the county broker" in r.getMessage()]
        back = [r for r in caplog.records if "s away" in r.getMessage()]
        assert [r.levelname for r in lost] == ["WARNING"] and [r.levelname for r in back] == ["INFO"]
    finally:
        receiver.stop()
        store.close()
