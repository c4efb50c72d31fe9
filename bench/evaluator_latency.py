"""Press → stored at the county: the real evaluator app against the raw broker path.

Both paths end in the same place, the county service's database, behind the same bridged hall
and county brokers (rendered from broker_config/) and the same `hall-county` process:

- app: a key press on the simulated hk1 keypad (pty) → driver → controller → outbox (SQLite,
  fsync) → link → hall broker → bridge → county broker → county service → row in `ratings`;
- raw: a device client publishes the same kind of rating event straight to the hall broker.

The two alternate, one of each per round, so both see the same conditions. The time is taken
when the row is visible to a reader polling the county database every millisecond.
Target: app p99 ≤ 50 ms. Writes bench/results/evaluator_latency.json.

    .venv/bin/python bench/evaluator_latency.py [--rounds 100]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.console_common import figures  # noqa: E402
from core import topics  # noqa: E402
from core.accounts import MANAGER  # noqa: E402
from core.clock import SystemClock, now  # noqa: E402
from core.commands import InviteCommand  # noqa: E402
from core.events import CHANNEL_HALL_TERMINAL, RatingEvent, StaffRef  # noqa: E402
from drivers.sim.keypad import KeypadSim  # noqa: E402
from drivers.sim.line import StaffCardSim  # noqa: E402
from ops.commander import Commander  # noqa: E402
from tests.support.county import county_process  # noqa: E402
from tests.support.mosquitto import Accounts, HallPair, make_county_broker, make_hall_broker  # noqa: E402
from tests.support.mqtt_helpers import connect  # noqa: E402

DEVICE, RAW = "eval-01", "eval-raw"


def wait_row(db: sqlite3.Connection, case_id: str, timeout: float = 10.0) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if db.execute("SELECT 1 FROM ratings WHERE case_id = ?", (case_id,)).fetchone():
            return time.perf_counter()
        time.sleep(0.001)
    raise TimeoutError(f"{case_id} not stored within {timeout} s")


def wait(cond: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        time.sleep(0.002)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=100)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "evaluator_latency.json")
    a = p.parse_args()
    app_ms: list[float] = []
    raw_ms: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-lat-") as tmp:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        county_b = make_county_broker(root / "county-broker", accounts)
        hall_b = make_hall_broker(root / "hall-broker", accounts, county=county_b)
        pair = HallPair(hall_b, county_b, accounts)
        accounts.add_many([DEVICE, RAW, MANAGER])
        keypad, cards = KeypadSim(), StaffCardSim()
        proc: subprocess.Popen[bytes] | None = None
        county = None
        try:
            pair.start()
            county = county_process(pair, root / "county")
            county.start()
            keypad.start()
            cards.start()
            dev = pair.device(DEVICE)
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
                        f'hall_id = "{pair.hall_id}"',
                        f'state_dir = "{root / "state"}"',
                        f'initial_config = "{root / "config.json"}"',
                        'log_level = "WARNING"',
                        "[mqtt]",
                        f'url = "{dev.url}"',
                        f'username = "{DEVICE}"',
                        f'password_file = "{dev.password_file}"',
                        "[serial]",
                        f'keypad = "{keypad.path}"',
                        f'staff_card = "{cards.path}"',
                    ]
                )
                + "\n",
                encoding="utf-8",
            )
            log = open(root / "evaluator.log", "wb")  # noqa: SIM115 - closed with the process
            proc = subprocess.Popen(
                [sys.executable, "-m", "evaluator.main", "--config", str(toml), "--headless"],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            wait(lambda: bool(keypad.host_bytes), 20)  # the app has opened its keypad
            manager = Commander(pair.manager())
            for _ in range(50):  # the card reader may open a moment after the keypad
                cards.send_line("CARD-0001")
                time.sleep(0.2)
                warmup = manager.send(pair.hall_id, DEVICE, "invite", InviteCommand(case_id="WARMUP"))
                if warmup.result == "accepted":
                    break
            wait(lambda: keypad.keys_enabled)
            keypad.press(5)
            raw = connect(pair.device(RAW), RAW)
            db = sqlite3.connect(f"file:{county.database}?mode=ro", uri=True)
            wait_row(db, "WARMUP")
            clock = SystemClock()
            for i in range(a.rounds):
                case = f"APP-{i:05d}"
                reply = manager.send(pair.hall_id, DEVICE, "invite", InviteCommand(case_id=case))
                assert reply.result == "accepted", reply
                wait(lambda: keypad.keys_enabled)
                t0 = time.perf_counter()
                keypad.press(4)
                app_ms.append((wait_row(db, case) - t0) * 1000)
                wait(lambda: not keypad.keys_enabled)

                rated = now(clock)
                ev = RatingEvent(
                    hall_id=pair.hall_id,
                    device_id=RAW,
                    window_id="w99",
                    region_code="110101",
                    channel=CHANNEL_HALL_TERMINAL,
                    input="keypad",
                    case_id=f"RAW-{i:05d}",
                    staff=[StaffRef(id="S01", name="李明")],
                    level=4,
                    invited_at=rated - timedelta(seconds=3),
                    rated_at=rated,
                    seq=i + 1,
                )
                t0 = time.perf_counter()
                raw.client.publish(topics.event(pair.hall_id, RAW, "rating"), ev.to_json(), qos=1)
                raw_ms.append((wait_row(db, ev.case_id or "") - t0) * 1000)
            manager.close()
            raw.close()
            db.close()
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(15)
            keypad.stop()
            cards.stop()
            if county is not None:
                county.kill()
            pair.stop()

    app, base = figures(app_ms), figures(raw_ms)
    result = {
        "bench": "evaluator_latency",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "rounds": a.rounds,
        "app_press_to_stored": app,
        "raw_publish_to_stored": base,
        "app_minus_raw_p50_ms": round(app["p50_ms"] - base["p50_ms"], 2),
        "target": {"app_p99_ms_max": 50.0},
        "met": app["p99_ms"] <= 50.0,
        "note": "stored = row visible to a reader polling the county database every 1 ms",
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
