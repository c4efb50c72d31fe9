"""The whole county side for the console's browser tests and benchmarks: a hall broker bridged
to the county broker, `hall-county`, `hall-console` and device processes, all real."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from core import topics
from core.accounts import MANAGER
from core.events import RatingEvent
from ops.procs import die_with_parent
from tests.support.console import ConsoleProcess, console_process
from tests.support.county import CountyProcess, county_process
from tests.support.mosquitto import (
    HALL_ID,
    Accounts,
    HallPair,
    make_county_broker,
    make_hall_broker,
    settings_for,
)
from tests.support.mqtt_helpers import Connected, connect

CHROMIUM = "/usr/bin/chromium-headless-shell"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
OTHER_HALL = "other-hall"


@dataclass
class County:
    root: Path
    pair: HallPair
    county: CountyProcess
    console: ConsoleProcess
    devices: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _publishers: dict[str, Connected] = field(default_factory=dict)

    def start_device(self, device: str) -> None:
        """An evaluator's link (outbox + MQTT, status with last will) as its own process."""
        s = self.pair.device(device)
        state = self.root / "devices" / device
        state.mkdir(parents=True, exist_ok=True)
        self.devices[device] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.e2e.device_proc",
                "--url",
                s.url,
                "--password-file",
                str(s.password_file),
                "--state",
                str(state),
                "--hall",
                HALL_ID,
                "--device",
                device,
                "--count",
                "0",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(state / "log", "ab"),  # noqa: SIM115 - the child keeps it open
            preexec_fn=die_with_parent,
        )

    def kill_device(self, device: str) -> None:
        p = self.devices.pop(device)
        p.kill()
        p.wait(10)

    def publish_rating(self, ev: RatingEvent) -> None:
        """A rating as its device sends it, through the hall broker and the bridge."""
        dev = ev.device_id
        if dev not in self._publishers:
            self._publishers[dev] = connect(self.pair.device(dev), f"pub-{dev}")
        self._publishers[dev].publish(topics.event(ev.hall_id, dev, "rating"), ev.to_json(), qos=1)

    def close(self) -> None:
        for c in self._publishers.values():
            c.close()
        for p in self.devices.values():
            p.kill()
            p.wait(10)
        self.console.stop()
        self.county.stop()
        self.pair.stop()


@contextmanager
def county_side(root: Path, **web: str) -> Iterator[County]:
    accounts = Accounts(root / "accounts")
    county_broker = make_county_broker(root / "county-broker", accounts, halls=(HALL_ID, OTHER_HALL))
    hall_broker = make_hall_broker(root / "hall-broker", accounts, county=county_broker)
    pair = HallPair(hall_broker, county_broker, accounts)
    pair.start()
    county = county_process(pair, root / "county")
    console = console_process(
        root / "console",
        f"sqlite:///{county.database}",
        pair.monitor(at_county=True),
        settings_for(county_broker, accounts, MANAGER),
        **web,
    )
    side = County(root, pair, county, console)
    try:
        county.start()
        console.add_user("mgr", "manager", HALL_ID)
        console.add_user("other", "manager", OTHER_HALL)
        console.add_user("admin", "admin")
        console.start()
        yield side
    finally:
        side.close()
