"""`ops.kiosk_demo.start_kiosk` (for hall-demo): a real `hall-kiosk` process with simulated card reader,
scanner and printer comes online, and a card tap reaches the county as a progress query."""

from __future__ import annotations

import time

import pytest

from core import topics
from core.messages import DeviceStatus
from ops.kiosk_demo import seed_county_cases, start_kiosk
from tests.support.county import county_process
from tests.support.mqtt_helpers import connect

pytestmark = [pytest.mark.gui, pytest.mark.broker, pytest.mark.serial]


def test_demo_kiosk_online_and_querying(hall_pair, tmp_path):
    county = county_process(hall_pair, tmp_path / "county")
    assert seed_county_cases(county.config) == 0
    county.start()
    watcher = connect(hall_pair.monitor(), "watch-kiosk")
    watcher.subscribe([topics.status(hall_pair.hall_id, "kiosk-01")])
    k = start_kiosk(tmp_path / "kiosk", hall_pair.device("kiosk-01"), hall_pair.hall_id)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            assert k.alive, k.log.read_text(errors="replace")[-3000:]
            try:
                status = DeviceStatus.from_json(bytes(watcher.get(1.0).payload))
            except Exception:
                continue
            if status.state == "online" and status.peripherals.get("idcard") == "ok":
                break
        assert status is not None and status.state == "online", k.log.read_text(errors="replace")[-3000:]
        assert status.kind == "kiosk"
        k.tap_card("zhang")
        deadline = time.monotonic() + 30
        while "query progress from" not in county.tail(200) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "(4 cases)" in county.tail(200), county.tail(50)
    finally:
        watcher.close()
        k.stop()
        county.kill()
