"""How soon the county service is back after its broker returns, beside bare paho clients.

Each run: a county broker (rendered from broker_config/) with three clients connected to it: the
county service's `Receiver` (core/mqtt_client.py settings), a bare paho client with paho's default
reconnect (1 s doubling to 120 s), and a bare paho client with the settings the service had before
(1 s doubling to 30 s). The broker is killed (SIGKILL), stays down for the run's outage, and is
started again on the same port (outages as given plus 0-2 s at random, so that the broker returns
at every phase of the clients' retry timers); each client's delay is the time from the broker listening again
to its CONNACK. Writes bench/results/reconnect.json.

    .venv/bin/python bench/reconnect.py [--outages 3 8 20 40] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from county.receiver import Receiver  # noqa: E402
from county.settings import CountySettings  # noqa: E402
from county.store import open_store  # noqa: E402
from tests.support.mosquitto import Accounts, Broker, HallPair, make_county_broker  # noqa: E402


class Watch:
    """Stamps every CONNACK a client gets (monotonic)."""

    def __init__(self) -> None:
        self.connects: list[float] = []
        self.lock = threading.Lock()

    def stamp(self, *_: Any) -> None:
        with self.lock:
            self.connects.append(time.monotonic())

    def first_after(self, t: float) -> float | None:
        with self.lock:
            later = [c for c in self.connects if c >= t]
        return min(later) - t if later else None


def bare_paho(
    broker: Broker, username: str, password: str, max_delay: int | None
) -> tuple[mqtt.Client, Watch]:
    w = Watch()
    c = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bare-{os.urandom(3).hex()}", protocol=mqtt.MQTTv5
    )
    c.username_pw_set(username, password)
    if max_delay is not None:
        c.reconnect_delay_set(min_delay=1, max_delay=max_delay)
    c.on_connect = w.stamp
    c.connect("127.0.0.1", broker.port, keepalive=30)
    c.loop_start()
    return c, w


def one_run(root: Path, outage_s: float) -> dict[str, Any]:
    accounts = Accounts(root / "accounts")
    broker = make_county_broker(root / "county", accounts)
    broker.start()
    pair = HallPair(broker, broker, accounts)
    svc = pair.county_service()
    settings = CountySettings(
        mqtt=svc.model_dump(), client_id="county-bench", database=f"sqlite:///{root / 'county.db'}"
    )
    store = open_store(settings.database)
    receiver = Receiver(settings, store)
    service = Watch()

    def on_connect(*a: Any) -> None:
        service.stamp()
        receiver._on_connect(*a)

    receiver.client.on_connect = on_connect
    password = accounts.password(svc.username or "")
    clients = {
        "paho_default": bare_paho(broker, svc.username or "", password, None),
        "paho_max_30s": bare_paho(broker, svc.username or "", password, 30),
    }
    receiver.start()
    try:
        assert receiver.wait_connected(10), "the service did not connect"
        time.sleep(0.5)
        broker.kill()
        time.sleep(outage_s)  # (the caller adds 0-2 s at random: the phase against the retry timers)
        broker.start()  # returns once the port listens
        back = time.monotonic()
        deadline = back + 130
        watches = {"county_service": service, **{k: w for k, (_c, w) in clients.items()}}
        while time.monotonic() < deadline and any(w.first_after(back) is None for w in watches.values()):
            time.sleep(0.05)
        return {"outage_s": outage_s, **{k: w.first_after(back) for k, w in watches.items()}}
    finally:
        receiver.stop()
        store.close()
        for c, _w in clients.values():
            c.disconnect()
            c.loop_stop()
        broker.kill()


def summary(values: list[float | None]) -> dict[str, float | int | None]:
    got = sorted(v for v in values if v is not None)
    return {
        "runs": len(values),
        "never": len(values) - len(got),
        "median_s": round(statistics.median(got), 3) if got else None,
        "max_s": round(got[-1], 3) if got else None,
        "min_s": round(got[0], 3) if got else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--outages", type=float, nargs="+", default=[3, 8, 20, 40])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reconnect.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-reconnect-") as tmp:
        for r in range(args.repeat):
            for i, outage in enumerate(args.outages):
                res = one_run(Path(tmp) / f"r{r}-{i}", round(outage + random.uniform(0, 2), 2))
                print(json.dumps(res), flush=True)
                runs.append(res)
    keys = ("county_service", "paho_default", "paho_max_30s")
    result = {
        "what": "seconds from the county broker listening again to each client's CONNACK",
        "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg": os.getloadavg()},
        "summary": {k: summary([run[k] for run in runs]) for k in keys},
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["summary"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
