"""The hall → county bridge (broker_config/bridge.conf.in) between two real Mosquitto brokers."""

import time
from typing import Any

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core import topics
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

HALL = "test-hall"
# `autosave_interval 1` saves when more than one whole second has passed: every ~2 s
AUTOSAVED = 2.5


def test_event_status_telemetry_go_out_to_the_county(hall_pair):
    svc = connect(hall_pair.county_service(), "svc")
    svc.subscribe([topics.all_events(), topics.all_status()])
    svc.subscribe([topics.all_telemetry()], qos=0)
    dev = connect(hall_pair.device("eval-01"), "eval-01")
    dev.publish(topics.event(HALL, "eval-01", "rating"), b'{"n": 1}')
    dev.publish(topics.status(HALL, "eval-01"), b'{"state": "online"}', retain=True)
    dev.publish(topics.telemetry(HALL, "eval-01"), b"{}", qos=0)
    got = {m.topic: m.payload for m in svc.collect(3, 10)}
    assert got[topics.event(HALL, "eval-01", "rating")] == b'{"n": 1}'
    assert topics.status(HALL, "eval-01") in got and topics.telemetry(HALL, "eval-01") in got
    dev.close()
    svc.close()


def test_ack_cmd_config_reply_come_in_from_the_county(hall_pair):
    dev = connect(hall_pair.device("eval-01"), "eval-01")
    dev.subscribe([*topics.device_inbox(HALL, "eval-01"), topics.COUNTY_STATE])
    svc = connect(hall_pair.county_service(), "svc")
    sent = [
        topics.ack(HALL, "eval-01"),
        topics.cmd(HALL, "eval-01", "invite"),
        topics.config(HALL, "eval-01"),
        topics.reply(HALL, "eval-01"),
        topics.COUNTY_STATE,
    ]
    for t in sent:
        assert svc.publish(t, t.encode()) == 0
    got = dev.collect(len(sent), 10)
    assert sorted(m.topic for m in got) == sorted(sent)
    assert all(m.payload == m.topic.encode() for m in got)
    dev.close()
    svc.close()


def test_other_halls_topics_do_not_cross(hall_pair):
    """The bridge carries only its own hall: a device claiming another hall stays local."""
    svc = connect(hall_pair.county_service(), "svc")
    svc.subscribe([topics.all_events()])
    dev = connect(hall_pair.device("eval-01"), "eval-01")
    dev.publish(topics.event("other-hall", "eval-01", "rating"), b"{}")
    assert svc.get_none(0.7) == []
    dev.close()
    svc.close()


def test_retained_config_reaches_a_device_through_the_bridge(hall_pair):
    svc = connect(hall_pair.county_service(), "svc")
    svc.publish(topics.config(HALL, "eval-01"), b'{"v": 1}', retain=True)
    time.sleep(0.3)
    # a newer config while the bridge is up must stay retained at the hall broker too
    svc.publish(topics.config(HALL, "eval-01"), b'{"v": 2}', retain=True)
    time.sleep(0.5)
    dev = connect(hall_pair.device("eval-01"), "eval-01")  # connects after both were sent
    dev.subscribe([topics.config(HALL, "eval-01")])
    m = dev.get(5)
    assert (m.payload, m.retain) == (b'{"v": 2}', True)
    dev.close()
    svc.close()


def test_request_response_properties_cross_the_bridge(hall_pair):
    """Kiosk queries (MQTT 5 response topic + correlation data) survive the bridge both ways."""
    svc = connect(hall_pair.county_service(), "svc")
    svc.subscribe([topics.all_queries("county")])
    kiosk = connect(hall_pair.device("kiosk-01"), "kiosk-01")
    kiosk.subscribe([topics.reply(HALL, "kiosk-01")])
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = topics.reply(HALL, "kiosk-01")
    props.CorrelationData = b"req-42"
    kiosk.client.publish(topics.query("progress"), b"{}", qos=1, properties=props)
    q: Any = svc.get(10).properties
    assert q.ResponseTopic == topics.reply(HALL, "kiosk-01")
    assert q.CorrelationData == b"req-42"
    rp = Properties(PacketTypes.PUBLISH)
    rp.CorrelationData = q.CorrelationData
    svc.client.publish(q.ResponseTopic, b'{"result": "ok"}', qos=1, properties=rp)
    r: Any = kiosk.get(10).properties
    assert r.CorrelationData == b"req-42"
    kiosk.close()
    svc.close()


def test_bridged_backlog_over_1000_survives_a_county_outage(hall_pair):
    """Mosquitto pitfall (docs/brokers.md, Queues): the default queue of 1000 per client drops a
    bridged backlog silently."""
    n = 3000
    svc = connect(hall_pair.county_service(), "svc-backlog", clean_start=False, session_expiry_s=3600)
    svc.subscribe([topics.all_events()])
    svc.close()  # the session (and its subscription) stays at the county broker
    hall_pair.county.stop()

    dev = connect(hall_pair.device("eval-01"), "eval-01", max_inflight=100)
    infos = [
        dev.client.publish(topics.event(HALL, "eval-01", "rating"), str(i).encode(), qos=1) for i in range(n)
    ]
    for info in infos:
        info.wait_for_publish(30)
    dev.close()

    hall_pair.county.start()
    hall_pair.wait_bridge()
    time.sleep(1.0)  # some of the backlog lands in the offline session's queue
    svc = connect(hall_pair.county_service(), "svc-backlog", clean_start=False, session_expiry_s=3600)
    got = svc.collect(n, 60)
    assert len({m.payload for m in got}) == n
    assert [int(m.payload) for m in got] == list(range(n))  # and in order
    svc.close()


def test_queued_ack_reaches_a_device_after_a_hall_outage(hall_pair):
    """Acks sent while the hall broker is down wait in the bridge's session at the county."""
    dev = connect(hall_pair.device("eval-01"), "eval-01", clean_start=False, session_expiry_s=3600)
    dev.subscribe(topics.device_inbox(HALL, "eval-01"))
    dev.close()
    time.sleep(AUTOSAVED)  # let the hall broker save the device's session
    hall_pair.hall.kill()
    svc = connect(hall_pair.county_service(), "svc")
    for i in range(1500):
        svc.client.publish(topics.ack(HALL, "eval-01"), str(i).encode(), qos=1)
    svc.publish(topics.ack(HALL, "eval-01"), b"last")
    hall_pair.hall.start()
    hall_pair.wait_bridge()
    dev = connect(hall_pair.device("eval-01"), "eval-01", clean_start=False, session_expiry_s=3600)
    got = dev.collect(1501, 60)
    assert len(got) == 1501 and got[-1].payload == b"last"
    dev.close()
    svc.close()


def test_retained_status_survives_a_hall_broker_kill(hall_pair):
    dev = connect(hall_pair.device("eval-01"), "eval-01")
    dev.publish(topics.status(HALL, "eval-01"), b'{"state": "online"}', retain=True)
    dev.close()
    time.sleep(AUTOSAVED)
    hall_pair.hall.kill()
    hall_pair.hall.start()
    mon = connect(hall_pair.monitor(), "mon")
    mon.subscribe([topics.all_status()])
    m = mon.get(5)
    assert (m.topic, m.payload, m.retain) == (topics.status(HALL, "eval-01"), b'{"state": "online"}', True)
    mon.close()


def test_bridge_state_is_visible_to_the_monitor(hall_pair):
    mon = connect(hall_pair.monitor(), "mon")
    mon.subscribe(["$SYS/broker/connection/+/state"])
    assert [m.payload for m in mon.collect(2, 5)] == [b"1", b"1"]
    hall_pair.county.stop()
    assert [m.payload for m in mon.collect(2, 10)] == [b"0", b"0"]
    mon.close()


def test_status_stays_retained_at_the_county(hall_pair):
    """A county monitor that connects later still sees each device's last status (and last will)."""
    dev = connect(hall_pair.device("eval-01"), "eval-01")
    dev.publish(topics.status(HALL, "eval-01"), b'{"state": "online"}', retain=True)
    time.sleep(0.5)
    dev.publish(topics.status(HALL, "eval-01"), b'{"state": "online", "session": 2}', retain=True)
    dev.close()
    time.sleep(0.5)
    mon = connect(hall_pair.monitor(at_county=True), "mon")
    mon.subscribe([topics.all_status()])
    m = mon.get(5)
    assert (m.topic, m.payload, m.retain) == (
        topics.status(HALL, "eval-01"),
        b'{"state": "online", "session": 2}',
        True,
    )
    mon.close()
