"""The county loop against real Mosquitto: work-order alerts, system defaults by two receivers,
a late device rating after the default, and the overdue alert when the (fake) clock passes the
due day."""

import time
from datetime import datetime, timedelta

import pytest

from core import topics
from core.accounts import COUNTY_SERVICE, MONITOR
from core.clock import CHINA_TZ
from core.levels import Level
from core.messages import Alert
from county.cases import CaseRecord, CaseStore, load_or_create_key
from county.defaults import default_event_id
from county.loop import LoopService
from county.receiver import Receiver
from county.settings import CountySettings
from county.store import open_store
from county.workdays import WorkCalendar
from tests.county.test_receiver import _acks, _device
from tests.support.county import county_process
from tests.support.events import rating
from tests.support.loop import clock_at
from tests.support.mosquitto import settings_for
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

HALL = "test-hall"


def _alerts(settings, name="alerts"):
    c = connect(settings, f"{name}-{time.monotonic_ns() % 10**6}")
    assert c.subscribe([topics.all_alerts()]) == [1]
    return c


def _wait(cond, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return False


def test_a_bad_rating_sent_twice_opens_one_work_order_and_one_alert(hall_pair, tmp_path):
    county = county_process(hall_pair, tmp_path / "r")
    county.start()
    try:
        mon = _alerts(hall_pair.monitor(at_county=True))
        dev = _device(hall_pair)
        e = rating(case_id="C-77", level=Level.VERY_DISSATISFIED, reasons=["R02"])
        dev.publish(topics.event(HALL, "eval-01", "rating"), e.to_json())
        assert [(i.event_id, i.result) for i in _acks(dev, 1)] == [(e.event_id, "stored")]
        dev.publish(topics.event(HALL, "eval-01", "rating"), e.to_json())  # the device sends it again
        assert [(i.event_id, i.result) for i in _acks(dev, 1)] == [(e.event_id, "duplicate")]
        m = mon.get(10)
        assert m.topic == topics.alert(HALL) and not m.retain
        alert = Alert.from_json(bytes(m.payload))
        assert (alert.kind, alert.case_id, alert.level, alert.reasons, alert.hall_id) == (
            "new",
            "C-77",
            1,
            ["R02"],
            HALL,
        )
        assert mon.get_none(2.0) == []  # one alert, not two
        store = county.store()
        assert store.count("workorders") == 1 and store.rows("SELECT id FROM workorders") == [
            (alert.workorder_id,)
        ]
        store.close()
        mon.close()
        dev.close()
    finally:
        county.kill()


def _finished_cases(root, n, finished):
    cs = CaseStore(root / "cases.db", load_or_create_key(root / "id-hmac.key"))
    cs.upsert(
        [
            CaseRecord(
                case_id=f"D-{i:04d}",
                item_code="A1",
                item_name="社保卡补换",
                case_type=1,
                applicant_name="赵六",
                accepted_at=finished - timedelta(days=1),
                finished_at=finished,
                state=3,
                window_id="w-03",
                hall_id=HALL,
            )
            for i in range(n)
        ],
        datetime.now(CHINA_TZ),
    )
    cs.close()


@pytest.fixture(params=["sqlite", "postgres"])
def shared_db(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared' / 'county.db'}"
    return request.getfixturevalue("postgres_url")


def test_defaults_by_two_receivers_at_once_are_stored_once(hall_pair, tmp_path, shared_db):
    root = tmp_path / "shared"
    root.mkdir()
    finished = datetime.now(CHINA_TZ) - timedelta(days=30)  # well past any 5-working-day window
    _finished_cases(root, 300, finished)
    db = f'"{shared_db}"'
    a = county_process(
        hall_pair,
        tmp_path / "a",
        database=db,
        client_id='"county-a"',
        loop_interval_s="1",
        cases_database=f'"{root / "cases.db"}"',
        id_key_file=f'"{root / "id-hmac.key"}"',
    )
    b = county_process(
        hall_pair,
        tmp_path / "b",
        database=db,
        client_id='"county-b"',
        loop_interval_s="1",
        cases_database=f'"{root / "cases.db"}"',
        id_key_file=f'"{root / "id-hmac.key"}"',
    )
    a.start()
    b.start()
    try:
        store = open_store(shared_db)
        assert _wait(lambda: store.count("ratings") >= 300, 30), (a.tail(), b.tail())
        time.sleep(2.5)  # both have run more rounds since
        assert store.count("ratings") == 300 and store.count("events") == 300
        assert store.rows("SELECT count(DISTINCT case_id) FROM ratings WHERE system_default = TRUE") == [
            (300,)
        ]
        store.close()
        for p in (a, b):
            assert "failed this round" not in p.tail(200), p.tail()

        # a device's rating arriving after the default: acked duplicate, stored nothing
        dev = _device(hall_pair)
        late = rating(case_id="D-0007", level=Level.SATISFIED)
        dev.publish(topics.event(HALL, "eval-01", "rating"), late.to_json())
        assert [(i.event_id, i.result) for i in _acks(dev, 1)] == [(late.event_id, "duplicate")]
        store = open_store(shared_db)
        assert store.rows("SELECT event_id, level FROM ratings WHERE case_id = 'D-0007'") == [
            (default_event_id("D-0007", 1), 3)
        ]
        store.close()
        dev.close()
    finally:
        a.kill()
        b.kill()


def test_overdue_alert_fires_when_the_clock_passes_the_due_day(county_broker, broker_accounts, tmp_path):
    db = f"sqlite:///{tmp_path / 'county.db'}"
    svc = settings_for(county_broker, broker_accounts, COUNTY_SERVICE)
    settings = CountySettings(
        mqtt=svc.model_dump(),
        client_id="county-fake-clock",
        database=db,
        cases_database=str(tmp_path / "cases.db"),
    )
    calendar = WorkCalendar()
    clock = clock_at(2026, 9, 29, 10, 0)
    store = open_store(db)
    store.calendar = calendar
    receiver = Receiver(settings, store)
    loop = LoopService(settings, receiver.publish_alert, calendar, clock=clock)
    receiver.start()
    mon = _alerts(settings_for(county_broker, broker_accounts, MONITOR), "mon")
    dev = connect(settings_for(county_broker, broker_accounts, "eval-01"), "eval-01")
    try:
        assert receiver.wait_connected(10)
        time.sleep(0.3)  # subscribed
        rated = datetime(2026, 9, 29, 10, 0, tzinfo=CHINA_TZ)
        e = rating(level=Level.DISSATISFIED, reasons=["R03"], invited_at=rated, rated_at=rated)
        dev.publish(topics.event(HALL, "eval-01", "rating"), e.to_json())
        new = Alert.from_json(bytes(mon.get(10).payload))
        assert new.kind == "new" and new.due.isoformat() == "2026-10-19"

        def move_to(when: datetime) -> None:
            clock.advance(when.timestamp() - clock.time())

        move_to(datetime(2026, 10, 19, 23, 59, tzinfo=CHINA_TZ))  # the due day itself: not overdue yet
        loop.run_once()
        assert mon.get_none(1.0) == []
        move_to(datetime(2026, 10, 20, 0, 1, tzinfo=CHINA_TZ))
        _, overdue, sent = loop.run_once()
        assert [w.id for w in overdue] == [new.workorder_id] and sent == 1
        late = Alert.from_json(bytes(mon.get(10).payload))
        assert (late.kind, late.workorder_id, late.due) == ("overdue", new.workorder_id, new.due)
        loop.run_once()
        assert mon.get_none(1.0) == []  # once
    finally:
        dev.close()
        mon.close()
        receiver.stop()
        loop.stop()
        store.close()
