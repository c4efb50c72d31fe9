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
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.commands import InviteCommand  # noqa: E402
from core.events import StaffRef  # noqa: E402
from county import brokers  # noqa: E402
from drivers.sim.keypad import KeypadSim  # noqa: E402
from drivers.sim.line import StaffCardSim  # noqa: E402
from evaluator.commander import Commander  # noqa: E402
from tests.support.mosquitto import Accounts, make_hall_broker, settings_for  # noqa: E402

HALL = "test-hall"  # the hall id the test brokers are rendered for
DEVICE = "eval-01"
CLK_TCK = os.sysconf("SC_CLK_TCK")

MINIMAL_APP = r"""
import logging
import sys
from pathlib import Path
sys.path.insert(0, "ROOT_DIR")
import ui.env
ui.env.prepare(Path(sys.argv[1]))
ui.env.configure_window((1280, 800))
from ui.fonts import register_cjk_font
register_cjk_font()
from kivy.app import App
from kivy.core.window import Window
from kivy.uix.label import Label
logging.basicConfig(level=logging.INFO)
log = logging.getLogger("baseline")
class Hello(App):
    def build(self):
        return Label(text="政务服务评价 Service rating", font_size=48)
    def on_start(self):
        def first(*_):
            Window.unbind(on_flip=first)
            log.info("first frame drawn")
        Window.bind(on_flip=first)
Hello().run()
"""


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class Measured:
    """A process whose stderr is watched for the "first frame drawn" log line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.first_frame = threading.Event()
        self.lines: list[str] = []
        self.t0 = time.monotonic()
        self.t_first = 0.0
        self.proc = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            if "first frame drawn" in line and not self.first_frame.is_set():
                self.t_first = time.monotonic()
                self.first_frame.set()

    def measure(self, settle_s: float, window_s: float) -> dict[str, float]:
        time.sleep(settle_s)
        pid = self.proc.pid
        c0, w0 = cpu_ticks(pid), time.monotonic()
        time.sleep(window_s)
        c1, w1 = cpu_ticks(pid), time.monotonic()
        return {
            "cpu_percent": round(100.0 * (c1 - c0) / CLK_TCK / (w1 - w0), 2),
            "rss_mib": round(rss_kib(pid) / 1024, 1),
            "peak_rss_mib": round(rss_kib(pid, "VmHWM") / 1024, 1),
        }

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--window-s", type=float, default=20.0, help="CPU is averaged over this long")
    p.add_argument("--settle-s", type=float, default=5.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "evaluator_idle.json")
    a = p.parse_args()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as tmp:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        broker = make_hall_broker(root / "hall", accounts)
        accounts.add_many([DEVICE, brokers.MANAGER])
        broker.start()
        keypad, cards = KeypadSim(), StaffCardSim()
        keypad.start()
        cards.start()
        try:
            # the minimal window first, then the evaluator: same font, same renderer
            hello = root / "minimal_window.py"  # Kivy's App wants a source file, not `-c`
            hello.write_text(MINIMAL_APP.replace("ROOT_DIR", str(ROOT)), encoding="utf-8")
            base = Measured([sys.executable, str(hello), str(root / "kivy-base")], env)
            if not base.first_frame.wait(60):
                raise SystemExit("baseline: no first frame\n" + "\n".join(base.lines[-20:]))
            baseline = {
                "first_frame_s": round(base.t_first - base.t0, 3), **base.measure(a.settle_s, a.window_s)
            }
            base.stop()

            mq = settings_for(broker, accounts, DEVICE)
            (root / "config.json").write_text(json.dumps(
                {"window_name": "1号窗口", "staff": [{"id": "S01", "name": "李明", "card": "CARD-0001"}]}
            ), encoding="utf-8")
            toml = root / "evaluator.toml"
            toml.write_text("\n".join([
                f'device_id = "{DEVICE}"', f'hall_id = "{HALL}"', f'state_dir = "{root / "state"}"',
                f'initial_config = "{root / "config.json"}"',
                "[mqtt]", f'url = "{mq.url}"', f'username = "{DEVICE}"',
                f'password_file = "{mq.password_file}"',
                "[serial]", f'keypad = "{keypad.path}"', f'staff_card = "{cards.path}"',
            ]) + "\n", encoding="utf-8")
            app = Measured([sys.executable, "-m", "evaluator.main", "--config", str(toml)], env)
            if not app.first_frame.wait(60):
                raise SystemExit("evaluator: no first frame\n" + "\n".join(app.lines[-20:]))
            idle = {"first_frame_s": round(app.t_first - app.t0, 3), **app.measure(a.settle_s, a.window_s)}
            cards.send_line("CARD-0001")
            manager = Commander(settings_for(broker, accounts, brokers.MANAGER))
            reply = manager.send(HALL, DEVICE, "invite", InviteCommand(
                case_id="BENCH-0001", item_name="户籍证明", staff=[StaffRef(id="S01", name="李明")],
                expires_in_s=600,
            ))
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
            "python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
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
