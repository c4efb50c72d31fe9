"""County ingest rate through a real Mosquitto: `hall-county` (SQLite) against a plain counter.

Both runs use the same county broker (rendered from broker_config/), the same pre-built rating
events and the same pipelined QoS 1 publisher (a device account). The receiver run ends when the
device has every ack (so: parsed, validated, committed to SQLite, acked); the baseline run ends
when a subscriber that only counts has every message. Writes bench/results/county_ingest.json.

    .venv/bin/python bench/county_ingest.py [--events 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import topics  # noqa: E402
from core.accounts import COUNTY_SERVICE, MONITOR  # noqa: E402
from core.messages import Ack  # noqa: E402
from tests.support.county import county_process  # noqa: E402
from tests.support.events import rating  # noqa: E402
from tests.support.mosquitto import Accounts, HallPair, make_county_broker  # noqa: E402
from tests.support.mqtt_helpers import Connected, connect  # noqa: E402

HALL = "test-hall"
DEVICE = "eval-01"


def publish_all(dev: Connected, payloads: list[bytes]) -> None:
    topic = topics.event(HALL, DEVICE, "rating")
    infos = [dev.client.publish(topic, p, qos=1) for p in payloads]
    for i in infos:
        i.wait_for_publish(120)


def _forget(pair: HallPair, client_id: str) -> None:
    """End a persistent session, so it does not queue the next run's events."""
    connect(pair.county_service(), client_id, clean_start=True).close()


def _rate(n_after_first: int, t_first: float, t_last: float) -> int:
    return round(n_after_first / (t_last - t_first)) if t_last > t_first else 0


def run_receiver(pair: HallPair, root: Path, payloads: list[bytes]) -> dict[str, float]:
    """Backlog drain: events queued in the receiver's session while it is stopped, then drained."""
    n = len(payloads)
    client_id = f"county-bench-{root.name}"
    county = county_process(pair, root, client_id=f'"{client_id}"')
    county.start()  # makes its persistent session and subscription
    county.stop()
    dev = connect(pair.device(DEVICE), DEVICE, max_inflight=100)
    dev.subscribe([topics.ack(HALL, DEVICE)])
    lock = threading.Lock()
    got, first_batch, ack_msgs = 0, 0, 0
    t_first = t_last = 0.0
    done = threading.Event()

    def on_message(_c: mqtt.Client, _u: Any, m: mqtt.MQTTMessage) -> None:
        nonlocal got, first_batch, ack_msgs, t_first, t_last
        k = sum(1 for a in Ack.from_json(bytes(m.payload)).acks if a.result == "stored")
        with lock:
            now = time.perf_counter()
            if ack_msgs == 0:
                t_first, first_batch = now, k
            ack_msgs += 1
            got += k
            t_last = now
            if got >= n:
                done.set()

    dev.client.on_message = on_message
    publish_all(dev, payloads)
    t0 = time.perf_counter()
    county.start()
    ok = done.wait(300)
    t_end = time.perf_counter()
    dev.close()
    county.stop()
    _forget(pair, client_id)
    store = county.store()
    stored = store.count("ratings")
    store.close()
    if not ok or stored != n:
        raise SystemExit(f"receiver run incomplete: {got} acked, {stored} stored of {n}\n{county.tail()}")
    return {
        "events": n,
        "events_per_s": _rate(n - first_batch, t_first, t_last),
        "drain_seconds": round(t_last - t_first, 3),
        "seconds_incl_process_start": round(t_end - t0, 3),
        "ack_messages": ack_msgs,
        "mean_batch": round(n / ack_msgs, 1),
    }


def run_baseline(pair: HallPair, payloads: list[bytes]) -> dict[str, float]:
    """The same backlog drained by a subscriber that only counts (paho, in this process)."""
    n = len(payloads)
    sub = connect(pair.county_service(), "baseline-counter", clean_start=False, session_expiry_s=600)
    sub.subscribe([topics.all_events("bench")])
    sub.close()
    dev = connect(pair.device(DEVICE), DEVICE + "-b", max_inflight=100)
    publish_all(dev, payloads)
    dev.close()
    count = 0
    t_first = t_last = 0.0
    done = threading.Event()

    def on_message(_c: mqtt.Client, _u: Any, _m: mqtt.MQTTMessage) -> None:
        nonlocal count, t_first, t_last
        t_last = time.perf_counter()
        if count == 0:
            t_first = t_last
        count += 1
        if count >= n:
            done.set()

    sub = connect(
        pair.county_service(),
        "baseline-counter",
        clean_start=False,
        session_expiry_s=600,
        on_message=on_message,
    )
    ok = done.wait(300)
    sub.close()
    _forget(pair, "baseline-counter")
    if not ok:
        raise SystemExit(f"baseline incomplete: {count} of {n}")
    return {
        "events": n,
        "events_per_s": _rate(n - 1, t_first, t_last),
        "drain_seconds": round(t_last - t_first, 3),
    }


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median rate (the machine may be shared: single runs scatter)."""
    return sorted(runs, key=lambda r: r["events_per_s"])[(len(runs) - 1) // 2]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3, help="runs of each (alternating); the median is reported")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "county_ingest.json")
    a = p.parse_args()
    payloads = [rating(device=DEVICE).to_json() for _ in range(a.events)]
    with tempfile.TemporaryDirectory(prefix="county-bench-") as tmp:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        county = make_county_broker(root / "county", accounts)
        # devices publish straight to the county broker here: the bridge is measured by the tests
        pair = HallPair(hall=county, county=county, accounts=accounts)
        accounts.add_many([DEVICE, COUNTY_SERVICE, MONITOR])
        county.start()
        baselines, receivers = [], []
        try:
            for i in range(a.repeat):
                baselines.append(run_baseline(pair, payloads))
                receivers.append(run_receiver(pair, root / f"receiver-{i}", payloads))
        finally:
            county.stop()
    baseline = _median(baselines)
    receiver = _median(receivers)
    result = {
        "benchmark": "county_ingest",
        "what": "a backlog of rating events queued at the county broker for a stopped receiver, then "
        "drained: hall-county parses, validates, commits to SQLite (WAL, synchronous=FULL) and "
        "acks (rate from first to last ack at the device); baseline: a paho subscriber that "
        "only counts, draining the same backlog",
        "receiver": receiver,
        "baseline_plain_subscriber": baseline,
        "runs": {
            "receiver_events_per_s": [r["events_per_s"] for r in receivers],
            "baseline_events_per_s": [r["events_per_s"] for r in baselines],
        },
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "receiver_vs_baseline": round(receiver["events_per_s"] / baseline["events_per_s"], 3),
        "target_events_per_s": 5000,
        "payload_bytes": len(payloads[0]),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "mosquitto": "2.0.11",
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
