"""Card tap → cases on screen, and scan → timeline on screen, through the real chain:

GA 467 reader simulator on a pty → the kiosk's card reader driver → controller → MQTT 5 request
through the hall broker and the bridge → `hall-county` (case store with the demo cases) → reply →
the view rendered and the frame drawn (offscreen SDL, 1080×1920). Measured in a child process
that owns the window; N rounds each.

Baseline in the same run: the bare MQTT 5 request/response of the same query by a plain paho
client through the same brokers and county (what the network and the county cost on their own).

Target: card tap → on screen ≤ 2 s. Writes bench/results/kiosk_card_to_timeline.json.

    .venv/bin/python bench/kiosk_card_to_timeline.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HALL = "test-hall"
DEVICE = "kiosk-01"


def stats(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {
        "n": len(xs),
        "median_s": round(statistics.median(xs), 4),
        "p90_s": round(xs[min(len(xs) - 1, int(0.9 * len(xs)))], 4),
        "max_s": round(xs[-1], 4),
    }


def probe(spec_file: str) -> None:
    """The child: a kiosk service and window; N card taps and N scans, timed to the drawn frame."""
    spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
    from tests.support.kiosk_window import KioskOnScreen, prepare_kiosk_window

    prepare_kiosk_window()
    from kivy.core.window import Window

    from core.config import MqttSettings
    from drivers.sim.idcard import IdCardSimulator
    from drivers.sim.line import LineSim
    from kiosk.settings import KioskSettings

    card, scanner = IdCardSimulator(), LineSim()
    card.start()
    scanner.start()
    settings = KioskSettings(
        device_id=DEVICE,
        hall_id=HALL,
        state_dir=Path(spec["work"]) / "state",
        mqtt=MqttSettings(**spec["mqtt"]),
        serial={"idcard": card.path, "scanner": scanner.path},
    )
    seen: list[tuple[float, str]] = []  # (when, screen) at every change
    kiosk = KioskOnScreen(
        settings, frames_per_draw=1, on_change=lambda: seen.append((time.monotonic(), c.screen))
    )
    service, c = kiosk.service, kiosk.controller
    service.start()
    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.monotonic()))

    card_s: list[float] = []
    scan_s: list[float] = []
    reader_s: list[float] = []

    pump = kiosk.pump_once

    def until(cond: Any, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                reader = service.card_reader.state if service.card_reader else None
                raise SystemExit(
                    f"timeout after {len(card_s)} card, {len(scan_s)} scan rounds, seen {seen[-4:]} "
                    f"(screen {c.screen}, link {service.link.connected}, "
                    f"catalogue {c.catalogue is not None}, reader {reader})"
                )
            pump()
            time.sleep(0.01)

    def drawn_after(t: float) -> float:
        """The first frame flipped after `t` (the state change): the moment it is on screen."""
        kiosk.redraw()
        until(lambda: any(f > t for f in flips))
        return next(f for f in flips if f > t)

    until(
        lambda: (
            service.link.connected
            and c.catalogue is not None
            and service.card_reader is not None
            and service.card_reader.state == "ok"
        ),
        60,
    )

    case_id = ""
    for _ in range(spec["rounds"]):
        c.home()
        pump()
        t0 = time.monotonic()
        card.place("zhang")
        until(lambda: c.screen == "progress")
        asked = next(t for t, sc in seen if t >= t0 and sc == "querying")
        reader_s.append(asked - t0)  # the reader found, selected and read the card
        shown = next(t for t, sc in reversed(seen) if sc == "progress")
        card_s.append(drawn_after(shown) - t0)
        case_id = next(x.case_id for x in c.session.cases if x.state == 2)
        card.remove()
        end = time.monotonic() + 1.5  # the reader polls a few times before it knows the card is gone
        while time.monotonic() < end:
            pump()
            time.sleep(0.01)
    for _ in range(spec["rounds"]):
        c.home()
        end = time.monotonic() + 2.2  # the scanner driver drops the same code repeated within 2 s
        while time.monotonic() < end:
            pump()
            time.sleep(0.01)
        t0 = time.monotonic()
        scanner.send_line(case_id)
        until(lambda: c.screen == "case")
        scan_s.append(drawn_after(next(t for t, sc in reversed(seen) if sc == "case")) - t0)
    Path(spec["out"]).write_text(json.dumps({"card": card_s, "scan": scan_s, "reader": reader_s}))
    service.stop()
    card.stop()
    scanner.stop()


def baseline_requests(mq: Any, rounds: int, id_number: str) -> list[float]:
    """The same progress query, bare: a plain paho MQTT 5 client through the same brokers."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from core import topics
    from core.queries import ProgressQuery
    from tests.support.mqtt_helpers import connect

    dev = connect(mq, f"{DEVICE}-bench")
    dev.subscribe([topics.reply(HALL, DEVICE)])
    out = []
    for _ in range(rounds):
        corr = uuid.uuid4().bytes
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = topics.reply(HALL, DEVICE)
        props.CorrelationData = corr
        t0 = time.monotonic()
        q = ProgressQuery(hall_id=HALL, device_id=DEVICE, id_number=id_number)
        dev.client.publish(topics.query("progress"), q.to_json(), qos=1, properties=props)
        while True:
            m = dev.get(10)
            if getattr(m.properties, "CorrelationData", None) == corr:
                break
        out.append(time.monotonic() - t0)
    dev.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kiosk_card_to_timeline.json")
    p.add_argument("--probe", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.probe:
        probe(a.probe)
        return
    from county.demo_cases import DEMO_APPLICANTS
    from tests.support.county import county_process
    from tests.support.mosquitto import Accounts, HallPair, make_county_broker, make_hall_broker

    with tempfile.TemporaryDirectory(prefix="bench-kiosk-card-") as tmp:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        county_b = make_county_broker(root / "county-broker", accounts)
        hall_b = make_hall_broker(root / "hall-broker", accounts, county=county_b)
        pair = HallPair(hall_b, county_b, accounts)
        pair.start()
        county = county_process(pair, root / "county")
        export = root / "cases.json"
        for cmd in (["demo-cases", str(export)], ["import-cases", str(export)]):
            subprocess.run(
                [sys.executable, "-m", "county.main", "--config", str(county.config), *cmd],
                check=True,
                capture_output=True,
                cwd=ROOT,
                timeout=60,
            )
        county.start()
        try:
            mq = pair.device(DEVICE)
            base = baseline_requests(mq, a.rounds, DEMO_APPLICANTS[0].id_number)
            spec = {
                "work": str(root / "kiosk"),
                "rounds": a.rounds,
                "out": str(root / "probe.json"),
                "mqtt": {"url": mq.url, "username": mq.username, "password_file": str(mq.password_file)},
            }
            (root / "kiosk").mkdir()
            (root / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
            r = subprocess.run(
                [sys.executable, str(Path(__file__)), "--probe", str(root / "spec.json")],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=600,
            )
            if r.returncode != 0:
                raise SystemExit("probe failed:\n" + r.stderr[-3000:] + "\nhall broker:\n" + hall_b.tail(30))
            got = json.loads((root / "probe.json").read_text())
        finally:
            county.kill()
            pair.stop()
    card, scan = stats(got["card"]), stats(got["scan"])
    result: dict[str, Any] = {
        "bench": "kiosk_card_to_timeline",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "renderer": "sdl-offscreen (llvmpipe)",
            "window": [1080, 1920],
        },
        "card_tap_to_case_list_drawn": card,
        "card_read_by_driver": stats(got["reader"]),
        "scan_to_timeline_drawn": scan,
        "baseline_bare_mqtt_query_round_trip": stats(base),
        "targets": {"card_tap_to_screen_s_max": 2.0},
        "met": {"card": card["max_s"] <= 2.0, "scan": scan["max_s"] <= 2.0},
        "notes": "through hall broker, bridge and county broker; county is the real hall-county process",
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
