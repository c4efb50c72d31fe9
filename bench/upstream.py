"""Upstream throughput: the county's sender against the province simulator on loopback.

Runs in one go, on the same machine and load:
- the sender (`county/upstream/sender.py`, SQLite queue) with 1, 4 and 16 reports in flight,
  each draining a fresh queue of `--reports` stored ratings;
- a plain httpx POST loop (the same bodies, no queue, no database) with 1 and 16 in flight;
- a backlog of `--backlog` reports queued during a simulated 1-hour outage (queued an hour ago,
  the province refusing connections while the sender starts), drained once the province is up.

The simulator runs as its own process (`hall-province-sim`). Writes bench/results/upstream.json.

    .venv/bin/python bench/upstream.py [--reports 3000] [--backlog 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from county.store import SqliteStore  # noqa: E402
from county.upstream.profiles import PROFILES, Sender  # noqa: E402
from county.upstream.queue import UpstreamQueue, queue_stats  # noqa: E402
from county.upstream.sender import UpstreamSender  # noqa: E402
from county.upstream.settings import UpstreamSettings  # noqa: E402
from tests.support.events import rating  # noqa: E402

TOKEN = "bench-token"
WHO = Sender("330102000000", "BENCH", "bench")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sim:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.token = root / "token"
        self.token.write_text(TOKEN)
        self.url = f"http://127.0.0.1:{self.port}/api/assess"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = open(root / "sim.log", "ab")  # noqa: SIM115 - open while the bench runs

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "county.upstream.province_sim",
                "--port",
                str(self.port),
                "--token-file",
                str(self.token),
            ],
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/_sim/stats", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def stats(self) -> dict[str, Any]:
        return dict(httpx.get(f"http://127.0.0.1:{self.port}/_sim/stats", timeout=5).json())

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def fill(db: Path, n: int, prefix: str, queued_ago_s: float = 0.0) -> None:
    store = SqliteStore(db)
    at = int((time.time() - queued_ago_s) * 1000)
    for i in range(0, n, 1000):
        store.store_batch(
            [rating(case_id=f"{prefix}-{j:06d}") for j in range(i, min(n, i + 1000))], received_ms=at
        )
    store.close()


def settings(sim: Sim, concurrency: int) -> UpstreamSettings:
    return UpstreamSettings(
        url=sim.url,
        area_code=WHO.area_code,
        dept_code=WHO.dept_code,
        data_source=WHO.data_source,
        token_file=sim.token,
        concurrency=concurrency,
        backoff_initial_s=0.5,
        backoff_max_s=5.0,
        idle_poll_s=0.05,
    )


def drain(db: Path, sim: Sim, concurrency: int, timeout_s: float = 1800) -> dict[str, float]:
    store = SqliteStore(db)  # the bench's view; the sender has its own connection
    total = queue_stats(store).waiting
    sender = UpstreamSender(settings(sim, concurrency), SqliteStore(db), owner=f"bench-{concurrency}")
    t0 = time.perf_counter()
    first_ok: float | None = None
    sender.start()
    try:
        while True:
            left = queue_stats(store).waiting
            if first_ok is None and left < total:
                first_ok = time.perf_counter()
            if left == 0:
                break
            if time.perf_counter() - t0 > timeout_s:
                raise RuntimeError(f"not drained in {timeout_s} s ({left} left)")
            # the count takes SQLite's writer lock: poll gently, not to slow the sender being measured
            time.sleep(0.05 if total < 10_000 else 0.5)
        t1 = time.perf_counter()
    finally:
        sender.stop()
        sender.store.close()
        store.close()
    return {
        "reports": total,
        "seconds": round(t1 - t0, 2),
        "per_s": round(total / (t1 - t0)),
        "from_first_success_s": round(t1 - (first_ok or t0), 2),
        "per_s_from_first_success": round(total / (t1 - (first_ok or t0))),
    }


def bodies(db: Path) -> list[tuple[str, dict[str, Any]]]:
    store = SqliteStore(db)
    reports = UpstreamQueue(store, "baseline").claim(10**7, 3600)
    store.close()
    zj = PROFILES["zj"]
    return [(r.event_id, zj.body(r, WHO)) for r in reports]


def plain_loop(sim: Sim, items: list[tuple[str, dict[str, Any]]], in_flight: int) -> dict[str, float]:
    """The same posts with nothing around them: no queue, no database, no bookkeeping; one httpx
    client, `in_flight` threads posting (as the sender does)."""
    with httpx.Client(
        headers={"Authorization": f"Bearer {TOKEN}"}, limits=httpx.Limits(max_connections=in_flight)
    ) as c:

        def one(item: tuple[str, dict[str, Any]]) -> None:
            c.post(sim.url, json=item[1], headers={"Idempotency-Key": item[0]}).raise_for_status()

        t0 = time.perf_counter()
        if in_flight == 1:
            for item in items:
                one(item)
        else:
            with ThreadPoolExecutor(in_flight) as pool:
                list(pool.map(one, items))
        dt = time.perf_counter() - t0
    return {"reports": len(items), "seconds": round(dt, 2), "per_s": round(len(items) / dt)}


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=3000)
    p.add_argument("--backlog", type=int, default=100_000)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "upstream.json")
    a = p.parse_args()
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": os.getloadavg()[0],
        }
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sim = Sim(root)
        sim.start()
        try:
            sender_runs = {}
            for c in (1, 4, 16):
                db = root / f"sender-{c}.db"
                fill(db, a.reports, f"S{c}")
                sender_runs[str(c)] = drain(db, sim, c)
                print(f"sender, {c} in flight: {sender_runs[str(c)]}", flush=True)
            result["sender"] = sender_runs
            plain = {}
            for c in (1, 4, 16):
                db = root / f"plain-{c}.db"
                fill(db, a.reports, f"P{c}")
                plain[str(c)] = plain_loop(sim, bodies(db), c)
                print(f"plain httpx loop, {c} in flight: {plain[str(c)]}", flush=True)
            result["plain_httpx"] = plain
        finally:
            sim.stop()
        # the outage: a backlog queued an hour ago, the province down while the sender starts
        db = root / "backlog.db"
        t0 = time.perf_counter()
        fill(db, a.backlog, "B", queued_ago_s=3600)
        print(f"queued {a.backlog} reports in {time.perf_counter() - t0:.1f} s", flush=True)
        store = SqliteStore(db)
        down = UpstreamSender(settings(sim, 16), store, owner="backlog")
        down.start()
        time.sleep(3)  # the sender meets refused connections and backs off
        failures = down.failures
        down.stop()
        store.close()
        sim.start()
        try:
            backlog = drain(db, sim, 16)
            backlog["failed_rounds_while_down"] = failures
            st = sim.stats()
        finally:
            sim.stop()
        backlog["province_accepted"] = st.get("accepted", 0)
        result["backlog_after_1h_outage"] = backlog
        print(f"backlog: {backlog}", flush=True)
    result["machine"]["load_after"] = os.getloadavg()[0]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
