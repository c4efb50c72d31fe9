"""Accounts and ACLs of the hall broker (broker_config/acl.in) against a real Mosquitto."""

import pytest

from core import topics
from core.accounts import COUNTY_SERVICE, MANAGER, MONITOR
from core.config import MqttSettings
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

HALL = "test-hall"
NOT_AUTHORIZED = 135


def test_anonymous_is_refused(hall_broker):
    with pytest.raises(ConnectionRefusedError) as e:
        connect(MqttSettings(url=hall_broker.url), "anon")
    assert e.value.args[0] == NOT_AUTHORIZED


def test_wrong_password_is_refused(hall_broker, broker_accounts, tmp_path):
    broker_accounts.add("eval-01")
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    with pytest.raises(ConnectionRefusedError) as e:
        connect(MqttSettings(url=hall_broker.url, username="eval-01", password_file=wrong), "eval-01")
    assert e.value.args[0] == NOT_AUTHORIZED


def test_unknown_user_is_refused(hall_broker, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("whatever\n")
    with pytest.raises(ConnectionRefusedError):
        connect(MqttSettings(url=hall_broker.url, username="eval-99", password_file=pw), "eval-99")


def _settings(broker, accounts, user):
    return MqttSettings(url=broker.url, username=user, password_file=accounts.password_file(user))


def test_account_added_while_running_can_connect(hall_broker, broker_accounts):
    # the harness adds the account with mosquitto_passwd and SIGHUPs the broker: no restart needed
    c = connect(_settings(hall_broker, broker_accounts, "kiosk-07"), "kiosk-07")
    c.close()


def test_device_cannot_publish_as_another_device(hall_broker, broker_accounts):
    watcher = connect(_settings(hall_broker, broker_accounts, COUNTY_SERVICE), "svc")
    watcher.subscribe(["hall/v1/+/+/#"])
    evil = connect(_settings(hall_broker, broker_accounts, "eval-02"), "eval-02")
    for t in (
        topics.event(HALL, "eval-01", "rating"),
        topics.status(HALL, "eval-01"),
        topics.telemetry(HALL, "eval-01"),
        topics.ack(HALL, "eval-01"),
        topics.config(HALL, "eval-01"),
        topics.cmd(HALL, "eval-01", "invite"),
        topics.reply(HALL, "eval-01"),
        topics.ack(HALL, "eval-02"),
        topics.config(HALL, "eval-02"),
        topics.cmd(HALL, "eval-02", "restart"),
        topics.reply(HALL, "eval-02"),
        topics.COUNTY_STATE,
        topics.CATALOGUE,
    ):
        assert evil.publish(t, b"{}") == NOT_AUTHORIZED, t
    assert watcher.get_none(0.5) == []
    # while its own topics do pass
    assert evil.publish(topics.event(HALL, "eval-02", "rating"), b"{}") == 0
    assert watcher.get(5).topic == topics.event(HALL, "eval-02", "rating")
    evil.close()
    watcher.close()


def test_device_cannot_read_another_devices_inbox(hall_broker, broker_accounts):
    county = connect(_settings(hall_broker, broker_accounts, COUNTY_SERVICE), "svc")
    snoop = connect(_settings(hall_broker, broker_accounts, "eval-02"), "eval-02")
    snoop.subscribe([*topics.device_inbox(HALL, "eval-01"), "hall/v1/+/+/event/+", "hall/v1/#"])
    snoop.subscribe(topics.device_inbox(HALL, "eval-02"))
    for t in [x.replace("+", "invite") for x in topics.device_inbox(HALL, "eval-01")]:
        assert county.publish(t, b"{}") == 0
    victim = connect(_settings(hall_broker, broker_accounts, "eval-01"), "eval-01")
    assert victim.publish(topics.event(HALL, "eval-01", "rating"), b"{}") == 0
    assert victim.publish(topics.status(HALL, "eval-01"), b"{}") == 0
    assert snoop.get_none(0.5) == []
    victim.close()
    # its own inbox is delivered
    assert county.publish(topics.ack(HALL, "eval-02"), b"{}") == 0
    assert snoop.get(5).topic == topics.ack(HALL, "eval-02")
    snoop.close()
    county.close()


def test_device_reads_county_state_and_catalogue_and_writes_queries(hall_broker, broker_accounts):
    county = connect(_settings(hall_broker, broker_accounts, COUNTY_SERVICE), "svc")
    county.subscribe([topics.all_queries()])
    assert county.publish(topics.COUNTY_STATE, b'{"online": true}', retain=True) == 0
    assert county.publish(topics.CATALOGUE, b"[]", retain=True) == 0
    dev = connect(_settings(hall_broker, broker_accounts, "kiosk-01"), "kiosk-01")
    dev.subscribe([topics.COUNTY_STATE, topics.CATALOGUE])
    got = {m.topic for m in dev.collect(2, 5)}
    assert got == {topics.COUNTY_STATE, topics.CATALOGUE}
    assert dev.publish(topics.query("progress"), b"{}") == 0
    assert county.get(5).topic == topics.query("progress")
    dev.close()
    county.close()


def test_monitor_is_read_only(hall_broker, broker_accounts):
    mon = connect(_settings(hall_broker, broker_accounts, MONITOR), "mon")
    mon.subscribe([topics.all_status(), topics.all_telemetry(), "hall/v1/+/+/event/+"])
    for t in (
        topics.status(HALL, "eval-01"),
        topics.cmd(HALL, "eval-01", "invite"),
        topics.config(HALL, "eval-01"),
        topics.COUNTY_STATE,
    ):
        assert mon.publish(t, b"{}") == NOT_AUTHORIZED, t
    dev = connect(_settings(hall_broker, broker_accounts, "eval-01"), "eval-01")
    dev.publish(topics.status(HALL, "eval-01"), b"{}", retain=True)
    dev.publish(topics.telemetry(HALL, "eval-01"), b"{}", qos=0)
    dev.publish(topics.event(HALL, "eval-01", "rating"), b"{}")
    assert len(mon.collect(3, 5)) == 3
    mon.close()
    dev.close()


def test_manager_may_invite_and_restart_but_not_configure(hall_broker, broker_accounts):
    mgr = connect(_settings(hall_broker, broker_accounts, MANAGER), "mgr")
    dev = connect(_settings(hall_broker, broker_accounts, "eval-01"), "eval-01")
    dev.subscribe(topics.device_inbox(HALL, "eval-01"))
    for name in ("invite", "identify", "restart"):  # restart: the console's button for a stuck device
        assert mgr.publish(topics.cmd(HALL, "eval-01", name), b"{}") == 0
        assert dev.get(5).topic == topics.cmd(HALL, "eval-01", name)
    for t in (
        topics.cmd(HALL, "eval-01", "reboot"),
        topics.config(HALL, "eval-01"),
        topics.ack(HALL, "eval-01"),
        topics.event(HALL, "eval-01", "rating"),
    ):
        assert mgr.publish(t, b"{}") == NOT_AUTHORIZED, t
    assert dev.get_none(0.3) == []
    mgr.close()
    dev.close()


def test_command_response_reaches_only_the_requester(hall_broker, broker_accounts):
    """cmd responses go to county/v1/response/<requester>/<device> (documented in docs/brokers.md)."""
    mgr = connect(_settings(hall_broker, broker_accounts, MANAGER), "mgr")
    mgr.subscribe([f"county/v1/response/{MANAGER}/#"])
    other = connect(_settings(hall_broker, broker_accounts, "eval-02"), "eval-02")
    other.subscribe(["county/v1/response/#"])
    dev = connect(_settings(hall_broker, broker_accounts, "eval-01"), "eval-01")
    assert dev.publish(f"county/v1/response/{MANAGER}/eval-01", b"{}") == 0
    # a device cannot answer in another device's name
    assert dev.publish(f"county/v1/response/{MANAGER}/eval-02", b"{}") == NOT_AUTHORIZED
    assert mgr.get(5).topic == f"county/v1/response/{MANAGER}/eval-01"
    assert mgr.get_none(0.3) == [] and other.get_none(0) == []
    for c in (mgr, other, dev):
        c.close()


def test_county_service_may_use_a_shared_subscription(county_broker, broker_accounts):
    svc = connect(_settings(county_broker, broker_accounts, COUNTY_SERVICE), "svc-a")
    assert svc.subscribe([topics.all_events("county")]) == [1]
    dev = connect(_settings(county_broker, broker_accounts, "eval-01"), "eval-01")
    assert dev.publish(topics.event(HALL, "eval-01", "rating"), b"{}") == 0
    assert svc.get(5).topic == topics.event(HALL, "eval-01", "rating")
    # a device may not
    assert dev.subscribe([topics.all_events("county")]) in ([1], [135])
    dev.publish(topics.event(HALL, "eval-01", "signin"), b"{}")
    assert dev.get_none(0.3) == []
    svc.close()
    dev.close()


def test_alerts_reach_monitor_and_manager_not_devices(county_broker, broker_accounts):
    """county/v1/alert/{hall}: the county service writes; the monitor (console) and manager read;
    a device does neither."""
    svc = connect(_settings(county_broker, broker_accounts, COUNTY_SERVICE), "svc")
    mon = connect(_settings(county_broker, broker_accounts, MONITOR), "mon")
    mgr = connect(_settings(county_broker, broker_accounts, MANAGER), "mgr")
    dev = connect(_settings(county_broker, broker_accounts, "eval-01"), "eval-01")
    for c in (mon, mgr):
        c.subscribe([topics.all_alerts()])
    dev.subscribe([topics.all_alerts(), "county/v1/#"])
    assert svc.publish(topics.alert(HALL), b"{}") == 0
    assert mon.get(5).topic == topics.alert(HALL) and mgr.get(5).topic == topics.alert(HALL)
    assert dev.get_none(0.5) == []
    for c in (dev, mon, mgr):  # nobody but the county service raises an alert
        assert c.publish(topics.alert(HALL), b"{}") == NOT_AUTHORIZED
    assert mon.get_none(0.3) == []
    for c in (svc, mon, mgr, dev):
        c.close()
