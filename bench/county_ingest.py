"""County ingest rate through a real Mosquitto: `hall-county` on SQLite, on PostgreSQL with one
receiver and with two (each its own halls), against a plain counter, in one run.

Every run uses the same county broker (rendered from broker_config/), the same pre-built rating
events of two halls (published as the halls' bridges publish them, pipelined QoS 1) and the same
backlog shape: queued in the receivers' sessions while they are stopped, then drained. A receiver
run ends when the acks of every event are back (parsed, validated, committed, acked); the baseline
run ends when a subscriber that only counts has every message. Writes
bench/results/county_ingest.json.

    .venv/bin/python bench/county_ingest.py [--events 20000] [--repeat 3] [--no-postgres]
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import topics  # noqa: E402
from core.accounts import COUNTY_SERVICE, MONITOR, bridge_account  # noqa: E402
from core.messages import Ack  # noqa: E402
from tests.support.county import CountyProcess, county_process  # noqa: E402
from tests.support.events import rating  # noqa: E402
from tests.support.mosquitto import Accounts, HallPair, make_county_broker, settings_for  # noqa: E402
from tests.support.mqtt_helpers import Connected, connect  # noqa: E402
from tests.support.postgres import Cluster  # noqa: E402

HALLS = ("hall-a", "hall-b")
DEVICE = "eval-01"


def publish_all(bridges: dict[str, Connected], payloads: dict[str, list[bytes]]) -> None:
    infos = [
        bridges[h].client.publish(topics.event(h, DEVICE, "rating"), p, qos=1)
        for h in HALLS
        for p in payloads[h]
    ]
    for i in infos:
        i.wait_for_publish(120)


def _forget(pair: HallPair, client_id: str) -> None:
    """End a persistent session, so it does not queue the next run's events."""
    connect(pair.county_service(), client_id, clean_start=True).close()


def _rate(n_after_first: int, t_first: float, t_last: float) -> int:
    return round(n_after_first / (t_last - t_first)) if t_last > t_first else 0


def run_receivers(
    pair: HallPair, root: Path, payloads: dict[str, list[bytes]], database_url: str | None, receivers: int
) -> dict[str, float]:
    """Backlog drain: events queued in the receivers' sessions while they are stopped, then drained.
    One receiver takes both halls; two take one hall each."""
    n = sum(len(v) for v in payloads.values())
    halls = [list(HALLS)] if receivers == 1 else [[h] for h in HALLS]
    counties: list[CountyProcess] = []
    client_ids = [f"county-bench-{root.name}-{i}" for i in range(len(halls))]
    for client_id, hs in zip(client_ids, halls, strict=True):
        counties.append(
            county_process(
                pair,
                root / client_id,
                database_url,
                client_id=f'"{client_id}"',
                halls="[" + ", ".join(f'"{h}"' for h in hs) + "]",
            )
        )
    for c in counties:
        c.start()  # makes its persistent session and subscriptions
        c.stop()
    bridges = {
        h: connect(
            settings_for(pair.county, pair.accounts, bridge_account(h)), f"bench-{h}", max_inflight=100
        )
        for h in HALLS
    }
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

    for h, b in bridges.items():
        b.subscribe([topics.ack(h, DEVICE)])
        b.client.on_message = on_message
    publish_all(bridges, payloads)
    t0 = time.perf_counter()
    for c in counties:
        c.start()
    ok = done.wait(300)
    t_end = time.perf_counter()
    for b in bridges.values():
        b.close()
    for c, client_id in zip(counties, client_ids, strict=True):
        c.stop()
        _forget(pair, client_id)
    store = counties[0].store()
    stored = store.count("ratings")
    store.close()
    if not ok or stored != n:
        raise SystemExit(
            f"receiver run incomplete: {got} acked, {stored} stored of {n}\n{counties[0].tail()}"
        )
    return {
        "events": n,
        "events_per_s": _rate(n - first_batch, t_first, t_last),
        "drain_seconds": round(t_last - t_first, 3),
        "seconds_incl_process_start": round(t_end - t0, 3),
        "ack_messages": ack_msgs,
        "mean_batch": round(n / ack_msgs, 1),
    }


def run_baseline(pair: HallPair, payloads: dict[str, list[bytes]]) -> dict[str, float]:
    """The same backlog drained by a subscriber that only counts (paho, in this process)."""
    n = sum(len(v) for v in payloads.values())
    sub = connect(pair.county_service(), "baseline-counter", clean_start=False, session_expiry_s=600)
    sub.subscribe([topics.all_events()])
    sub.close()
    bridges = {
        h: connect(
            settings_for(pair.county, pair.accounts, bridge_account(h)), f"bench-b-{h}", max_inflight=100
        )
        for h in HALLS
    }
    publish_all(bridges, payloads)
    for b in bridges.values():
        b.close()
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


@contextmanager
def postgres(enabled: bool) -> Iterator[Cluster | None]:
    if not enabled:
        yield None
        return
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def _fresh_database(cluster: Cluster, name: str) -> str:
    import psycopg

    with psycopg.connect(cluster.admin_url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return cluster.admin_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3, help="runs of each (alternating); the median is reported")
    p.add_argument("--no-postgres", action="store_true", help="SQLite and the baseline only")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "county_ingest.json")
    a = p.parse_args()
    payloads = {
        h: [rating(hall=h, device=DEVICE).to_json() for _ in range(a.events // len(HALLS))] for h in HALLS
    }
    configs = [("sqlite_1_receiver", False, 1)]
    if not a.no_postgres:
        configs += [("postgres_1_receiver", True, 1), ("postgres_2_receivers", True, 2)]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in configs}
    baselines: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="county-bench-") as tmp, postgres(not a.no_postgres) as pg:
        root = Path(tmp)
        accounts = Accounts(root / "accounts")
        county = make_county_broker(root / "county", accounts, halls=HALLS)
        pair = HallPair(hall=county, county=county, accounts=accounts)
        accounts.add_many([COUNTY_SERVICE, MONITOR, *(bridge_account(h) for h in HALLS)])
        county.start()
        try:
            for i in range(a.repeat):
                baselines.append(run_baseline(pair, payloads))
                for name, on_pg, n in configs:
                    url = _fresh_database(pg, f"bench_{name}_{i}") if on_pg and pg is not None else None
                    runs[name].append(run_receivers(pair, root / f"{name}-{i}", payloads, url, n))
        finally:
            county.stop()
    baseline = _median(baselines)
    medians = {name: _median(r) for name, r in runs.items()}
    sqlite_rate = medians["sqlite_1_receiver"]["events_per_s"]
    result: dict[str, Any] = {
        "benchmark": "county_ingest",
        "what": "a backlog of rating events of two halls queued at the county broker for stopped "
        "receivers, then drained: hall-county parses, validates, commits (SQLite WAL "
        "synchronous=FULL, or PostgreSQL) and acks (rate from first to last ack); one receiver "
        "takes both halls, two take one each; baseline: a paho subscriber that only counts, "
        "draining the same backlog",
        **medians,
        "receiver": medians["sqlite_1_receiver"],
        "baseline_plain_subscriber": baseline,
        "runs": {
            **{f"{name}_events_per_s": [r["events_per_s"] for r in rs] for name, rs in runs.items()},
            "baseline_events_per_s": [r["events_per_s"] for r in baselines],
        },
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "receiver_vs_baseline": round(sqlite_rate / baseline["events_per_s"], 3),
        "target_events_per_s": 5000,
        "payload_bytes": len(payloads[HALLS[0]][0]),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "mosquitto": "2.0.11",
    }
    if not a.no_postgres:
        pg1 = medians["postgres_1_receiver"]["events_per_s"]
        pg2 = medians["postgres_2_receivers"]["events_per_s"]
        result["postgres_vs_sqlite"] = round(pg1 / sqlite_rate, 3) if sqlite_rate else None
        result["two_vs_one_receiver_postgres"] = round(pg2 / pg1, 3) if pg1 else None
        result["targets"] = {
            "sqlite_events_per_s": 5000,
            "postgres_within_2x_of_sqlite": 0.5,
            "two_receivers_not_slower_than_one": 1.0,
        }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
