"""hall-monitor as a manager runs it, against a real hall broker with the monitor account."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import topics
from core.clock import SystemClock, epoch_ms
from core.messages import Backlog, DeviceStatus
from tests.support.mosquitto import HallPair
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

MONITOR = Path(sys.executable).parent / "hall-monitor"


def test_monitor_shows_a_device_and_its_missing_keypad(bridged_brokers: HallPair) -> None:
    pair = bridged_brokers
    dev = pair.device("ev-07")
    status = DeviceStatus(
        hall_id=pair.hall_id,
        device_id="ev-07",
        kind="evaluator",
        state="online",
        session=3,
        timestamp=epoch_ms(SystemClock()),
        window_id="w7",
        peripherals={"keypad": "missing"},
        backlog=Backlog(unacked=4, oldest_age_s=12.0),
    )
    conn = connect(dev, "ev-07")
    try:
        assert conn.publish(topics.status(pair.hall_id, "ev-07"), status.to_json(), retain=True) == 0
    finally:
        conn.close()

    mon = pair.monitor()
    env = {
        **os.environ,
        "HALL_MQTT__URL": mon.url,
        "HALL_MQTT__USERNAME": mon.username or "",
        "HALL_MQTT__PASSWORD_FILE": str(mon.password_file),
    }
    out = subprocess.run([str(MONITOR), "--once", "1.5"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stdout.splitlines() if "ev-07" in ln)
    assert "异常 DEGRADED" in line and "keypad=missing" in line and "w7" in line


def test_monitor_with_a_wrong_password_says_so(hall_broker, broker_accounts, tmp_path: Path) -> None:
    bad = tmp_path / "pw"
    bad.write_text("wrong\n")
    env = {
        **os.environ,
        "HALL_MQTT__URL": hall_broker.url,
        "HALL_MQTT__USERNAME": "svc.monitor",
        "HALL_MQTT__PASSWORD_FILE": str(bad),
    }
    out = subprocess.run([str(MONITOR), "--once", "1"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "not connected" in out.stderr
