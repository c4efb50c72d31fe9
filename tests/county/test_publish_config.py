"""`hall-county publish-config`: an operator gives a device its window and staff roster. Published
at the county broker, it crosses the bridge and waits, retained, for the device; a bad file or a
wrong account is one line and nothing is published."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import topics
from core.device_config import DeviceConfig
from tests.support.county import county_process
from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker

HALL = "test-hall"
ROOT = Path(__file__).resolve().parents[2]

CONFIG = {
    "schema": "hall.config/1",
    "window_name": "7号窗口 医保业务",
    "window_name_en": "Window 7 · Medical insurance",
    "staff": [{"id": "S0701", "name": "赵磊", "card": "CARD-7001", "title": "医保经办员"}],
    "allow_free_rating": False,
}


def hall_county(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "county.main", "--config", str(config), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_config_reaches_the_device_through_the_bridge_retained(hall_pair, tmp_path):
    county = county_process(hall_pair, tmp_path / "county")
    cfg = tmp_path / "eval-07.json"
    cfg.write_text(json.dumps(CONFIG, ensure_ascii=False), encoding="utf-8")
    r = hall_county(county.config, "publish-config", "--device", f"{HALL}/eval-07", str(cfg))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"published config for {HALL}/eval-07: 7号窗口 医保业务, 1 staff"
    # the device connects later, at its hall broker: the configuration is waiting for it
    device = connect(hall_pair.device("eval-07"), "eval-07")
    device.subscribe([topics.config(HALL, "eval-07")])
    msg = device.get(10)
    assert msg.retain
    got = DeviceConfig.from_json(bytes(msg.payload))
    assert got.window_name == "7号窗口 医保业务" and got.staff[0].card == "CARD-7001"
    assert got.allow_free_rating is False
    device.close()


def test_bad_file_device_or_account_is_one_line(hall_pair, tmp_path):
    county = county_process(hall_pair, tmp_path / "county")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "hall.config/1", "invite_ttl_s": -1}', encoding="utf-8")
    r = hall_county(county.config, "publish-config", "--device", f"{HALL}/eval-07", str(bad))
    assert r.returncode == 1 and "invite_ttl_s" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    good = tmp_path / "good.json"
    good.write_text(json.dumps(CONFIG), encoding="utf-8")
    r = hall_county(county.config, "publish-config", "--device", "Bad Hall/eval-07", str(good))
    assert r.returncode == 2 and "--device" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    # the monitor's read-only account may not publish a configuration: refused, and said so
    monitor = hall_pair.monitor(at_county=True)
    as_monitor = tmp_path / "monitor.toml"
    as_monitor.write_text(
        f'[mqtt]\nurl = "{monitor.url}"\nusername = "{monitor.username}"\n'
        f'password_file = "{monitor.password_file}"\n',
        encoding="utf-8",
    )
    r = hall_county(as_monitor, "publish-config", "--device", f"{HALL}/eval-07", str(good))
    assert r.returncode == 1 and "did not take it" in r.stderr, r.stderr
    watcher = connect(hall_pair.device("eval-07"), "eval-07")
    watcher.subscribe([topics.config(HALL, "eval-07")])
    assert watcher.get_none(1.0) == []  # nothing was published, nothing retained
    watcher.close()
