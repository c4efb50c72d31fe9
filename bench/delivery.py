"""Delivery benchmarks through real brokers: hall Mosquitto → bridge → county Mosquitto → county service.

    python -m bench.delivery [--samples 500] [--backlog 10000]

(a) latency: an event handed to the outbox (`put`, committed) until the county's ack for it is
    back in the device's outbox (so it was stored at the county), one event at a time; beside it,
    in the same run and through the same brokers and bridge, raw paho QoS 1 publish → subscribe
    (one way) and publish → subscriber echoes an ack → received (round trip, the same path shape
    as ours without the two databases).
(b) backlog: 10,000 events waiting in the outbox, the link starts: time until the hall broker
    took them all (PUBACK) and until the county acked them all; beside it raw paho QoS 1
    (max in-flight 100) publishing the same count through the same path to a subscriber.

Writes bench/results/delivery_latency.json and bench/results/backlog_drain.json.
Raw baselines run first, before the county service ever connects, so they share no CPU with it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from core import topics
from core.config import DeviceSettings
from core.link import WINDOW, Link
from core.messages import AckItem
from core.mqtt_client import make_client
from core.outbox import Outbox
from tests.support.county import CountyProcess, county_process
from tests.support.events import rating
from tests.support.mosquitto import (
    HALL_ID,
    Accounts,
    HallPair,
    make_county_broker,
    make_hall_broker,
    settings_for,
)
from tests.support.mqtt_helpers import Connected, connect

RESULTS = Path(__file__).resolve().parent / "results"
LINK_OPTIONS: dict[str, Any] = {}
RAW_DEV = "raw-01"
DEV = "bench-01"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def summary_ms(samples: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in samples]
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 3),
        "p90_ms": round(pct(ms, 90), 3),
        "p99_ms": round(pct(ms, 99), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def start_pair(root: Path, tcp_nodelay: bool = False) -> HallPair:
    accounts = Accounts(root / "accounts")
    county = make_county_broker(root / "county", accounts)
    hall = make_hall_broker(root / "hall", accounts, county=county)
    if tcp_nodelay:  # an experiment: Mosquitto's `set_tcp_nodelay` on both brokers
        for b in (county, hall):
            b.conf.write_text(b.conf.read_text() + "\nset_tcp_nodelay true\n")
    pair = HallPair(hall, county, accounts)
    pair.start()
    return pair


# --- raw paho baselines ---------------------------------------------------------------------


def connect_pub(pair: HallPair, device: str) -> Connected:
    """A raw paho client at the hall broker with the link's in-flight window."""
    settings = pair.device(device)
    client = make_client(settings, device)
    client.max_inflight_messages_set(LINK_OPTIONS.get("window", WINDOW))
    conn = Connected(client)
    up = threading.Event()
    client.on_connect = lambda *_a: up.set()
    client.connect(settings.host, settings.port, clean_start=True)
    client.loop_start()
    if not up.wait(10):
        raise RuntimeError("raw publisher: no CONNACK")
    return conn


class RawPath:
    """A raw publisher at the hall broker and a subscriber at the county broker (which can echo
    an ack back, bridged in, to the publisher)."""

    def __init__(self, pair: HallPair, echo: bool) -> None:
        self.topic = topics.event(HALL_ID, RAW_DEV, "raw")
        self.ack_topic = topics.ack(HALL_ID, RAW_DEV)
        self.received = 0
        self.arrived = threading.Event()
        self.target = 0
        self.sub: Connected = connect(pair.county_service(), "bench-raw-sub")
        self.sub.subscribe([self.topic])
        self.echo = echo

        self.sub_seen_at = 0.0

        def on_sub_message(c: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
            self.sub_seen_at = time.perf_counter()
            self.received += 1
            if self.echo:
                c.publish(self.ack_topic, m.payload, qos=1)
            elif self.received >= self.target:
                self.arrived.set()

        self.sub.client.on_message = on_sub_message
        self.pub: Connected = connect_pub(pair, RAW_DEV)
        self.back = threading.Event()
        self.pub.client.on_message = lambda _c, _u, _m: self.back.set()
        self.pub.subscribe([self.ack_topic])

    def close(self) -> None:
        self.pub.close()
        self.sub.close()


def raw_latency(pair: HallPair, samples: int, gap: float) -> dict[str, Any]:
    one_way: list[float] = []
    rt: list[float] = []
    one_way_in_rt: list[float] = []
    raw = RawPath(pair, echo=False)
    payload = b"x" * 400  # about the size of a rating event
    try:
        time.sleep(0.3)
        for _ in range(samples):
            raw.arrived.clear()
            raw.target = raw.received + 1
            t0 = time.perf_counter()
            raw.pub.client.publish(raw.topic, payload, qos=1)
            if not raw.arrived.wait(5):
                raise RuntimeError("raw one-way message lost")
            one_way.append(time.perf_counter() - t0)
            time.sleep(gap)
        raw.echo = True
        for _ in range(samples):
            raw.back.clear()
            t0 = time.perf_counter()
            raw.pub.client.publish(raw.topic, payload, qos=1)
            if not raw.back.wait(5):
                raise RuntimeError("raw round trip lost")
            rt.append(time.perf_counter() - t0)
            one_way_in_rt.append(raw.sub_seen_at - t0)
            time.sleep(gap)
    finally:
        raw.close()
    return {
        "raw_one_way": summary_ms(one_way),
        "raw_round_trip": summary_ms(rt),
        "raw_one_way_while_acks_flow_back": summary_ms(one_way_in_rt),
    }


def raw_drain(pair: HallPair, count: int) -> dict[str, Any]:
    raw = RawPath(pair, echo=False)
    payload = b"x" * 400
    try:
        time.sleep(0.3)
        raw.target = count
        pubacked = threading.Event()
        n_ack = [0]

        def on_publish(*_a: object) -> None:
            n_ack[0] += 1
            if n_ack[0] >= count:
                pubacked.set()

        raw.pub.client.on_publish = on_publish
        t0 = time.perf_counter()
        for _ in range(count):
            raw.pub.client.publish(raw.topic, payload, qos=1)
        if not pubacked.wait(120):
            raise RuntimeError(f"raw drain: {n_ack[0]} of {count} PUBACKed")
        t_pub = time.perf_counter() - t0
        if not raw.arrived.wait(120):
            raise RuntimeError(f"raw drain: {raw.received} of {count} arrived")
        t_all = time.perf_counter() - t0
    finally:
        raw.close()
    return {
        "count": count,
        "all_pubacked_s": round(t_pub, 3),
        "all_received_at_county_s": round(t_all, 3),
        "rate_per_s": round(count / t_all, 1),
    }


# --- the outbox + link --------------------------------------------------------------------------


def make_link(pair: HallPair, state: Path, outbox: Outbox) -> Link:
    settings = DeviceSettings(
        device_id=DEV, hall_id=HALL_ID, state_dir=state, mqtt=settings_for(pair.hall, pair.accounts, DEV)
    )
    return Link(settings, kind="bench", outbox=outbox, **LINK_OPTIONS)


def wait_until(cond: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {what}")
        time.sleep(0.001)


def outbox_latency(pair: HallPair, root: Path, samples: int, gap: float, tag: str) -> dict[str, Any]:
    outbox = Outbox(root / tag / "outbox.db")
    link = make_link(pair, root / tag, outbox)
    acked: dict[str, float] = {}
    got = threading.Condition()

    def on_acked(items: list[AckItem]) -> None:
        t = time.perf_counter()
        with got:
            for it in items:
                acked[it.event_id] = t
            got.notify_all()

    link.on_acked = on_acked
    link.start()
    wait_until(lambda: link.connected, 10, "link connect")
    put_s: list[float] = []
    total: list[float] = []
    handed_wall: dict[str, float] = {}
    try:
        for i in range(samples + 20):
            ev = rating(HALL_ID, DEV, case_id=f"{tag}-{i}")
            w0 = time.time()
            t0 = time.perf_counter()
            stored = outbox.put(ev)
            t_put = time.perf_counter()
            link.wake()
            with got:
                eid = stored.event_id
                if not got.wait_for(lambda: eid in acked, 10):  # noqa: B023 - used right here
                    raise RuntimeError("no ack within 10 s")
            if i >= 20:  # the first few warm up the county's database and the bridge
                put_s.append(t_put - t0)
                total.append(acked[stored.event_id] - t0)
                handed_wall[stored.event_id] = w0
            time.sleep(gap)
    finally:
        link.stop()
        outbox.close()
    stored_at = county_stored_at(root / "county" / "county.db")
    to_store = [stored_at[e] - w for e, w in handed_wall.items()]
    return {
        "outbox_put": summary_ms(put_s),
        "outbox_to_stored_at_county": summary_ms(to_store),
        "outbox_to_county_ack_back_at_device": summary_ms(total),
    }


def county_stored_at(db: Path) -> dict[str, float]:
    """When the county stored each event: `received_ms`, taken as the batch is written (same host clock)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {r[0]: r[1] / 1000 for r in con.execute("SELECT event_id, received_ms FROM events")}
    finally:
        con.close()


def outbox_drain(pair: HallPair, root: Path, count: int) -> dict[str, Any]:
    outbox = Outbox(root / "drain" / "outbox.db")
    for i in range(count):
        outbox.put(rating(HALL_ID, DEV, case_id=f"D{i}"))
    link = make_link(pair, root / "drain", outbox)
    t0 = time.perf_counter()
    link.start()
    try:
        wait_until(lambda: link.connected, 10, "link connect")
        t_conn = time.perf_counter() - t0
        wait_until(lambda: link.published >= count, 120, "all published")
        t_pub = time.perf_counter() - t0
        wait_until(lambda: link.acked >= count, 120, "all acked by the county")
        t_all = time.perf_counter() - t0
        left = outbox.backlog().unacked
        resent = link.published - count
    finally:
        link.stop()
        outbox.close()
    return {
        "count": count,
        "connect_s": round(t_conn, 3),
        "all_published_s": round(t_pub, 3),
        "all_acked_by_county_s": round(t_all, 3),
        "rate_per_s": round(count / t_all, 1),
        "unacked_after": left,
        "resends": resent,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=500)
    p.add_argument("--paced-samples", type=int, default=150)
    p.add_argument("--drain-only", action="store_true", help="skip the latency series (experiments)")
    p.add_argument("--backlog", type=int, default=10_000)
    p.add_argument("--max-unacked", type=int, default=None, help="Link(max_unacked=...) (experiments)")
    p.add_argument("--window", type=int, default=None, help="Link(window=...) (experiments)")
    p.add_argument("--tcp-nodelay", action="store_true", help="add set_tcp_nodelay to both brokers")
    p.add_argument("--out-suffix", default="", help="e.g. -nodelay: write <name><suffix>.json")
    a = p.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if a.max_unacked:
        LINK_OPTIONS["max_unacked"] = a.max_unacked
    if a.window:
        LINK_OPTIONS["window"] = a.window
    env = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "mosquitto": subprocess.run(["mosquitto", "-h"], capture_output=True, text=True).stdout.split("\n")[
            0
        ],
        "county_service": "hall-county (county/receiver.py), SQLite, batch commit",
        "broker_set_tcp_nodelay": a.tcp_nodelay,
        "link_options": dict(LINK_OPTIONS),
    }
    # back to back: the next event 2 ms after the last ack (worst case for the bridge, see below);
    # paced: 150 ms apart, still far denser than ratings at one window
    modes = {"back_to_back": (a.samples, 0.002), "paced_150ms": (a.paced_samples, 0.15)}
    if a.drain_only:
        modes = {}
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
        root = Path(tmp)
        pair = start_pair(root, a.tcp_nodelay)
        county: CountyProcess | None = None
        try:
            raw_lat = {name: raw_latency(pair, n, gap) for name, (n, gap) in modes.items()}
            raw_dr = raw_drain(pair, a.backlog)
            county = county_process(pair, root / "county")
            county.start()
            ours_lat = {name: outbox_latency(pair, root, n, gap, name) for name, (n, gap) in modes.items()}
            ours_dr = outbox_drain(pair, root, a.backlog)
        except BaseException:
            if county is not None:
                print(county.tail(), file=sys.stderr)
            raise
        finally:
            if county is not None:
                county.stop()
            pair.stop()

    series = {}
    for name in modes:
        ours, raw = ours_lat[name], raw_lat[name]
        p99 = ours["outbox_to_stored_at_county"]["p99_ms"]
        p99_loop = ours["outbox_to_county_ack_back_at_device"]["p99_ms"]
        series[name] = {
            **ours,
            **raw,
            "ratio_p99_stored_to_raw_one_way": round(p99 / raw["raw_one_way"]["p99_ms"], 2),
            "ratio_p99_stored_to_raw_one_way_while_acks_flow_back": round(
                p99 / raw["raw_one_way_while_acks_flow_back"]["p99_ms"], 2
            ),
            "ratio_p99_ack_back_to_raw_round_trip": round(p99_loop / raw["raw_round_trip"]["p99_ms"], 2),
            "meets_p99_50ms": p99 <= 50,
            "meets_2x_raw_one_way": p99 <= 2 * raw["raw_one_way"]["p99_ms"],
        }
    latency = {
        "bench": "delivery_latency",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "env": env,
        "path": "device → hall mosquitto → bridge (3.1.1, persistent) → county mosquitto → hall-county",
        "note": (
            "stored_at is the county's received_ms (ms resolution, taken as its batch is written). "
            "Back to back, every event leaves ~2 ms after the previous ack crossed the bridge: Mosquitto "
            "2.0.11's bridge socket (no TCP_NODELAY; set_tcp_nodelay covers listeners only) then holds "
            "the next publish until the county's delayed TCP ACK (~40 ms) - raw paho sees the same "
            "('raw_one_way_while_acks_flow_back')."
        ),
        "target": {"p99_ms_max": 50, "ratio_to_raw_max": 2.0},
        **series,
    }
    drain = {
        "bench": "backlog_drain",
        "when": latency["when"],
        "env": env,
        "outbox_link": ours_dr,
        "raw_paho_qos1": raw_dr,
        "target": {"seconds_max": 10, "rate_vs_raw_min": 0.5},
        "rate_vs_raw": round(ours_dr["rate_per_s"] / raw_dr["rate_per_s"], 2),
        "meets_time_target": ours_dr["all_acked_by_county_s"] <= 10,
    }
    (RESULTS / f"delivery_latency{a.out_suffix}.json").write_text(json.dumps(latency, indent=2) + "\n")
    (RESULTS / f"backlog_drain{a.out_suffix}.json").write_text(json.dumps(drain, indent=2) + "\n")
    print(json.dumps({"latency": latency, "drain": drain}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
