"""A kiosk for `hall-demo`: a `hall-kiosk` process with a simulated GA 467 card reader, barcode
scanner and receipt printer on pseudo-terminals (the simulators run in the caller's process).

    from ops.kiosk_demo import seed_county_cases, start_kiosk
    seed_county_cases(county_toml)              # once, before or after the county starts
    k = start_kiosk(root / "kiosk-01", hall_mqtt_settings_for("kiosk-01"), "demo-hall")
    k.tap_card("zhang")                         # 张伟: 4 cases, one finished and rateable
    k.lift_card(); k.scan("1501022026112300001")
    print(k.printer.receipts[-1])               # what came out of the printer, as text
    k.stop()

The fixture cards `zhang` and `li` are applicants of the demo cases (county/demo_cases.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.clock import CHINA_TZ
from core.config import MqttSettings
from county import commands
from county.settings import CountySettings
from drivers.sim.idcard import IdCardSimulator
from drivers.sim.line import LineSim
from drivers.sim.printer import PrinterSimulator
from ops.procs import die_with_parent

__all__ = ["KioskDemo", "seed_county_cases", "start_kiosk"]


def seed_county_cases(county_config: Path) -> int:
    """Write the demo cases as a business-system export beside `county_config` (so a demo leaves
    nothing outside its folder) and import them into the county's case store (the one
    `county_config` names). Returns the exit code of the import (0 = done)."""
    settings = CountySettings.load(county_config)
    export = county_config.parent / f"demo-cases-{datetime.now(CHINA_TZ):%Y%m%d}.json"
    rc = commands.run(settings, "demo-cases", export)
    return rc or commands.run(settings, "import-cases", export)


@dataclass
class KioskDemo:
    device_id: str
    process: subprocess.Popen[bytes]
    card: IdCardSimulator
    scanner: LineSim
    printer: PrinterSimulator
    config: Path
    log: Path
    _log_file: object = field(default=None, repr=False)
    env: dict[str, str] | None = None  # extra environment of the kiosk process (kept for a restart)

    def tap_card(self, key: str = "zhang") -> None:
        """Lay a fixture card on the reader (`zhang`, `li`, `ayguli`, `child`, `badcheck`)."""
        self.card.place(key)

    def lift_card(self) -> None:
        self.card.remove()

    def scan(self, code: str) -> None:
        """A code read by the barcode/QR scanner (a case number, or a receipt's progress URL)."""
        self.scanner.send_line(code)

    def paper(self, state: str) -> None:
        """The printer's paper: `ok`, `near_end` or `out`."""
        self.printer.set_paper(state)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def restart(self) -> None:
        """Start the `hall-kiosk` process again on the same simulators (`hall-demo --supervise`)."""
        self.process = _spawn(self.config, self._log_file, self.env)

    def stop(self, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for sim in (self.card, self.scanner, self.printer):
            sim.stop()
        return int(self.process.returncode or 0)


def start_kiosk(
    root: Path,
    mqtt: MqttSettings,
    hall_id: str,
    *,
    device_id: str = "kiosk-01",
    region_code: str = "150102",
    hall_name: str = "县政务服务中心",
    language: str = "zh_CN",
    fullscreen: bool = False,
    extra_toml: str = "",
    env: dict[str, str] | None = None,
) -> KioskDemo:
    """Start the simulators and a `hall-kiosk` process using them; returns at once (the kiosk
    connects and draws in the background). Without a display the window renders offscreen."""
    root.mkdir(parents=True, exist_ok=True)
    card, scanner, printer = IdCardSimulator(), LineSim(), PrinterSimulator()
    for sim in (card, scanner, printer):
        sim.start()
    toml = root / "kiosk.toml"
    lines = [
        f'device_id = "{device_id}"',
        f'hall_id = "{hall_id}"',
        f'region_code = "{region_code}"',
        f'hall_name = "{hall_name}"',
        f'language = "{language}"',
        f'state_dir = "{root / "state"}"',
        f"fullscreen = {'true' if fullscreen else 'false'}",
        extra_toml,
        "[mqtt]",
        f'url = "{mqtt.url}"',
        f'username = "{mqtt.username or device_id}"',
        *([f'password_file = "{mqtt.password_file}"'] if mqtt.password_file else []),
        "[serial]",
        f'idcard = "{card.path}"',
        f'scanner = "{scanner.path}"',
        f'printer = "{printer.path}"',
    ]
    toml.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    log = root / "kiosk.log"
    out = open(log, "ab")  # noqa: SIM115 - lives as long as the child
    return KioskDemo(device_id, _spawn(toml, out, env), card, scanner, printer, toml, log, out, env)


def _spawn(toml: Path, out: Any, env: dict[str, str] | None) -> subprocess.Popen[bytes]:
    # its own session: Ctrl-C in the demo's terminal reaches the demo alone, which stops the
    # kiosk in order; and it dies with the demo, even if the demo is killed
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.main", "--config", str(toml)],
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
