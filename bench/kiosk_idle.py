"""Kiosk footprint: idle RSS and CPU and time to first frame, beside a minimal Kivy window.

Both run in this same run, as separate processes, at the kiosk's 1080×1920, with the same CJK font
and the same renderer (offscreen SDL, or the X display if there is one). The kiosk is the real
`hall-kiosk` with its outbox, its MQTT link connected to a real hall broker, the retained service
catalogue received, and the GA 467 card reader, scanner and printer simulated on pseudo-terminals.
It is measured idle at home, then again after a citizen's session (guides browsed) and its idle
reset, to see that a session leaves no memory behind.

Target: kiosk idle RSS ≤ 1.5 × the minimal window's. Writes bench/results/kiosk_idle.json.

    .venv/bin/python bench/kiosk_idle.py [--window-s 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.baseline_kivy import measure_baseline  # noqa: E402
from bench.proc_stats import Measured, render_env  # noqa: E402
from core.accounts import COUNTY_SERVICE  # noqa: E402
from county.demo_catalogue import demo_catalogue  # noqa: E402
from drivers.sim.idcard import IdCardSimulator  # noqa: E402
from drivers.sim.line import LineSim  # noqa: E402
from drivers.sim.printer import PrinterSimulator  # noqa: E402
from tests.support.mosquitto import Accounts, make_hall_broker, settings_for  # noqa: E402
from tests.support.mqtt_helpers import connect  # noqa: E402

HALL = "test-hall"
DEVICE = "kiosk-01"

WINDOW = (1080, 1920)  # the kiosk's portrait screen; the baseline opens the same size


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--window-s", type=float, default=20.0, help="CPU is averaged over this long")
    p.add_argument("--settle-s", type=float, default=5.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kiosk_idle.json")
    a = p.parse_args()
    env = render_env()
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        broker = make_hall_broker(root / "hall", accounts)
        accounts.add_many([DEVICE, COUNTY_SERVICE])
        broker.start()
        # the county's retained catalogue, as the kiosk would find it at the hall broker
        county = connect(settings_for(broker, accounts, COUNTY_SERVICE), "bench-county")
        county.publish("county/v1/catalogue", demo_catalogue().to_json(), retain=True)
        county.close()
        card = IdCardSimulator()
        sims = [card, LineSim(), PrinterSimulator()]
        for s in sims:
            s.start()
        try:
            baseline = measure_baseline(
                root, env, WINDOW, "政务服务自助终端 Self-service kiosk", a.settle_s, a.window_s
            )

            mq = settings_for(broker, accounts, DEVICE)
            toml = root / "kiosk.toml"
            toml.write_text(
                "\n".join(
                    [
                        f'device_id = "{DEVICE}"',
                        f'hall_id = "{HALL}"',
                        f'state_dir = "{root / "state"}"',
                        "[mqtt]",
                        f'url = "{mq.url}"',
                        f'username = "{DEVICE}"',
                        f'password_file = "{mq.password_file}"',
                        "[serial]",
                        f'idcard = "{sims[0].path}"',
                        f'scanner = "{sims[1].path}"',
                        f'printer = "{sims[2].path}"',
                    ]
                )
                + "\n",
                encoding="utf-8",
            )
            app = Measured([sys.executable, "-m", "kiosk.main", "--config", str(toml)], env)
            idle = {"first_frame_s": app.wait_first_frame("kiosk"), **app.measure(a.settle_s, a.window_s)}
            cached = (root / "state" / "catalogue.json").exists()
            # a session: a card is read (the county is away here: unavailable), then idle reset
            card.place("zhang")
            time.sleep(6.0)
            card.remove()
            after = app.measure(2.0, a.window_s)
            app.stop()
        finally:
            for s in sims:
                s.stop()
            broker.kill()

    ratio = round(idle["rss_mib"] / baseline["rss_mib"], 3)
    result: dict[str, Any] = {
        "bench": "kiosk_idle",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "renderer": "x11" if env.get("DISPLAY") else "sdl-offscreen (llvmpipe)",
        },
        "window": list(WINDOW),
        "cpu_window_s": a.window_s,
        "baseline_minimal_kivy_window": baseline,
        "kiosk_idle_home": idle,
        "kiosk_after_a_session": after,
        "catalogue_cached_on_disk": cached,
        "ratios": {"rss_vs_baseline": ratio},
        "targets": {"rss_vs_baseline_max": 1.5},
        "met": {"rss": ratio <= 1.5},
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
