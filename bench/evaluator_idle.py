"""Evaluator footprint: idle RSS and CPU, time to first frame, beside a minimal Kivy window.

Both run in this same run, on the same machine, as separate processes with the same CJK font and
the same renderer (offscreen SDL, or the X display if there is one). The evaluator is the real
`hall-evaluator` with its outbox, its MQTT link connected to a real hall broker, and a keypad and
a staff-card reader simulated on pseudo-terminals. It is measured twice: idle (nobody signed in)
and with a rating open (the seconds count down on screen, the one thing that redraws).

Targets: RSS ≤ 1.25 × the minimal window's, CPU ≤ 2 % idle, first frame ≤ 3 s.
Writes bench/results/evaluator_idle.json.

    .venv/bin/python bench/evaluator_idle.py [--window-s 20]
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
from core.accounts import MANAGER  # noqa: E402
from core.commands import InviteCommand  # noqa: E402
from core.events import StaffRef  # noqa: E402
from drivers.sim.keypad import KeypadSim  # noqa: E402
from drivers.sim.line import StaffCardSim  # noqa: E402
from ops.commander import Commander  # noqa: E402
from tests.support.mosquitto import Accounts, make_hall_broker, settings_for  # noqa: E402

HALL = "test-hall"  # the hall id the test brokers are rendered for
DEVICE = "eval-01"
WINDOW = (1280, 800)  # the evaluator's screen; the baseline opens the same size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--window-s", type=float, default=20.0, help="CPU is averaged over this long")
    p.add_argument("--settle-s", type=float, default=5.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "evaluator_idle.json")
    a = p.parse_args()
    env = render_env()
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as tmp:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        broker = make_hall_broker(root / "hall", accounts)
        accounts.add_many([DEVICE, MANAGER])
        broker.start()
        keypad, cards = KeypadSim(), StaffCardSim()
        keypad.start()
        cards.start()
        try:
            # the minimal window first, then the evaluator: same font, same renderer
            baseline = measure_baseline(
                root, env, WINDOW, "政务服务评价 Service rating", a.settle_s, a.window_s
            )

            mq = settings_for(broker, accounts, DEVICE)
            (root / "config.json").write_text(
                json.dumps(
                    {"window_name": "1号窗口", "staff": [{"id": "S01", "name": "李明", "card": "CARD-0001"}]}
                ),
                encoding="utf-8",
            )
            toml = root / "evaluator.toml"
            toml.write_text(
                "\n".join(
                    [
                        f'device_id = "{DEVICE}"',
                        f'hall_id = "{HALL}"',
                        f'state_dir = "{root / "state"}"',
                        f'initial_config = "{root / "config.json"}"',
                        "[mqtt]",
                        f'url = "{mq.url}"',
                        f'username = "{DEVICE}"',
                        f'password_file = "{mq.password_file}"',
                        "[serial]",
                        f'keypad = "{keypad.path}"',
                        f'staff_card = "{cards.path}"',
                    ]
                )
                + "\n",
                encoding="utf-8",
            )
            app = Measured([sys.executable, "-m", "evaluator.main", "--config", str(toml)], env)
            idle = {"first_frame_s": app.wait_first_frame("evaluator"), **app.measure(a.settle_s, a.window_s)}
            cards.send_line("CARD-0001")
            manager = Commander(settings_for(broker, accounts, MANAGER))
            reply = manager.send(
                HALL,
                DEVICE,
                "invite",
                InviteCommand(
                    case_id="BENCH-0001",
                    item_name="户籍证明",
                    staff=[StaffRef(id="S01", name="李明")],
                    expires_in_s=600,
                ),
            )
            manager.close()
            rating_open = {"invite": reply.result, **app.measure(1.0, a.window_s)}
            app.stop()
        finally:
            keypad.stop()
            cards.stop()
            broker.kill()

    result: dict[str, Any] = {
        "bench": "evaluator_idle",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "renderer": "x11" if env.get("DISPLAY") else "sdl-offscreen (llvmpipe)",
        },
        "cpu_window_s": a.window_s,
        "baseline_minimal_kivy_window": baseline,
        "evaluator_idle": idle,
        "evaluator_rating_open": rating_open,
        "ratios": {"rss_vs_baseline": round(idle["rss_mib"] / baseline["rss_mib"], 3)},
        "targets": {"rss_vs_baseline_max": 1.25, "idle_cpu_percent_max": 2.0, "first_frame_s_max": 3.0},
        "met": {
            "rss": idle["rss_mib"] <= 1.25 * baseline["rss_mib"],
            "idle_cpu": idle["cpu_percent"] <= 2.0,
            "first_frame": idle["first_frame_s"] <= 3.0,
        },
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
