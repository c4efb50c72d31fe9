"""The county's query side as a real `hall-county` process: a kiosk asks through the hall broker and
the bridge, gets its cases on its reply topic with its correlation data, sees the retained
catalogue, and a stored rating makes the case no longer rateable."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core import topics
from core.catalogue import Catalogue
from core.messages import Ack
from core.queries import ProgressQuery, ProgressReply
from county.demo_cases import DEMO_APPLICANTS
from tests.support.county import county_process
from tests.support.events import rating
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

HALL = "test-hall"
KIOSK = "kiosk-01"
ZHANG = DEMO_APPLICANTS[0]


@pytest.fixture
def county(hall_pair, tmp_path, database_url):
    c = county_process(hall_pair, tmp_path / "county", database_url)
    export = tmp_path / "cases.json"
    for cmd in (["demo-cases", str(export)], ["import-cases", str(export)]):
        r = subprocess.run(
            [sys.executable, "-m", "county.main", "--config", str(c.config), *cmd],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
    assert "imported 20 cases" in r.stdout
    c.start()
    yield c
    c.kill()


def ask(dev, query: ProgressQuery, timeout: float = 10.0) -> ProgressReply:
    corr = uuid.uuid4().bytes
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = topics.reply(HALL, KIOSK)
    props.CorrelationData = corr
    dev.client.publish(topics.query("progress"), query.to_json(), qos=1, properties=props)
    while True:
        m = dev.get(timeout)
        if m.topic == topics.reply(HALL, KIOSK):
            assert bytes(m.properties.CorrelationData) == corr
            return ProgressReply.from_json(bytes(m.payload))


def test_progress_by_id_and_case_through_the_bridge(hall_pair, county):
    dev = connect(hall_pair.device(KIOSK), KIOSK)
    dev.subscribe([topics.reply(HALL, KIOSK), topics.ack(HALL, KIOSK)])
    r = ask(dev, ProgressQuery(hall_id=HALL, device_id=KIOSK, id_number=ZHANG.id_number))
    assert r.result == "ok" and len(r.cases) == 4
    fresh = next(c for c in r.cases if c.rateable)
    assert fresh.state == 3 and fresh.staff and fresh.steps
    r2 = ask(dev, ProgressQuery(hall_id=HALL, device_id=KIOSK, case_id=fresh.case_id))
    assert r2.cases == [fresh]
    nobody = ask(dev, ProgressQuery(hall_id=HALL, device_id=KIOSK, id_number="11010119900101002X"))
    assert nobody.result == "not_found"

    # a rating of that case is stored by the receiver: the case is no longer rateable
    ev = rating(HALL, KIOSK, case_id=fresh.case_id, assess_number=1, channel=5, input="touch")
    assert dev.publish(topics.event(HALL, KIOSK, "rating"), ev.to_json()) == 0
    while True:
        m = dev.get(10)
        if m.topic == topics.ack(HALL, KIOSK):
            assert Ack.from_json(bytes(m.payload)).acks[0].result == "stored"
            break
    r3 = ask(dev, ProgressQuery(hall_id=HALL, device_id=KIOSK, case_id=fresh.case_id))
    assert r3.cases[0].rateable is False
    dev.close()
    # the ID number never reaches the county's log
    assert ZHANG.id_number not in county.tail(10_000)


def test_catalogue_is_retained_at_the_hall(hall_pair, county):
    dev = connect(hall_pair.device(KIOSK), KIOSK)
    dev.subscribe([topics.CATALOGUE])
    m = dev.get(10)
    assert m.retain
    cat = Catalogue.from_json(bytes(m.payload))
    assert len(cat.items) >= 10 and "mn" in cat.languages
    dev.close()
