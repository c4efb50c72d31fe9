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

from bench.evaluator_idle import Measured  # noqa: E402
from county import brokers  # noqa: E402
from county.demo_catalogue import demo_catalogue  # noqa: E402
from drivers.sim.idcard import IdCardSimulator  # noqa: E402
from drivers.sim.line import LineSim  # noqa: E402
from drivers.sim.printer import PrinterSimulator  # noqa: E402
from tests.support.mosquitto import Accounts, make_hall_broker, settings_for  # noqa: E402
from tests.support.mqtt_helpers import connect  # noqa: E402

HALL = "test-hall"
DEVICE = "kiosk-01"

MINIMAL_APP = r"""
import logging
import sys
from pathlib import Path
sys.path.insert(0, "ROOT_DIR")
import ui.env
ui.env.prepare(Path(sys.argv[1]))
ui.env.configure_window((1080, 1920))
from ui.fonts import register_cjk_font
register_cjk_font()
from kivy.app import App
from kivy.core.window import Window
from kivy.uix.label import Label
logging.basicConfig(level=logging.INFO)
log = logging.getLogger("baseline")
class Hello(App):
    def build(self):
        return Label(text="政务服务自助终端 Self-service kiosk", font_size=48)
    def on_start(self):
        def first(*_):
            Window.unbind(on_flip=first)
            log.info("first frame drawn")
        Window.bind(on_flip=first)
Hello().run()
"""


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--window-s", type=float, default=20.0, help="CPU is averaged over this long")
    p.add_argument("--settle-s", type=float, default=5.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kiosk_idle.json")
    a = p.parse_args()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        broker = make_hall_broker(root / "hall", accounts)
        accounts.add_many([DEVICE, brokers.COUNTY_SERVICE])
        broker.start()
        # the county's retained catalogue, as the kiosk would find it at the hall broker
        county = connect(settings_for(broker, accounts, brokers.COUNTY_SERVICE), "bench-county")
        county.publish("county/v1/catalogue", demo_catalogue().to_json(), retain=True)
        county.close()
        card = IdCardSimulator()
        sims = [card, LineSim(), PrinterSimulator()]
        for s in sims:
            s.start()
        try:
            hello = root / "minimal_window.py"
            hello.write_text(MINIMAL_APP.replace("ROOT_DIR", str(ROOT)), encoding="utf-8")
            base = Measured([sys.executable, str(hello), str(root / "kivy-base")], env)
            if not base.first_frame.wait(60):
                raise SystemExit("baseline: no first frame\n" + "\n".join(base.lines[-20:]))
            baseline = {
                "first_frame_s": round(base.t_first - base.t0, 3),
                **base.measure(a.settle_s, a.window_s),
            }
            base.stop()

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
            if not app.first_frame.wait(60):
                raise SystemExit("kiosk: no first frame\n" + "\n".join(app.lines[-20:]))
            idle = {"first_frame_s": round(app.t_first - app.t0, 3), **app.measure(a.settle_s, a.window_s)}
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
        "window": [1080, 1920],
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
