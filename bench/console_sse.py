"""50 browsers on one console: how late do live events reach each of them?

A real county side (bridged brokers, `hall-county`, `hall-console`); N Server-Sent Events clients
(`/api/v1/stream`, one API token each) read at once while a device publishes ratings at a steady
rate. Lag = when a client has read the event − when the device published it. Measured first
with one client (the baseline), then with `--clients` clients, in the same run; every client
must get every event. The console's CPU time during each phase is reported too.

Target: no lag build-up (p99 with 50 clients ≤ 1 s on 2 cores). Writes bench/results/console_sse.json.

    .venv/bin/python -m bench.console_sse [--clients 50] [--events 200] [--rate 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.console_common import figures, live_rating, write
from core import topics
from tests.console.harness import County, county_side
from tests.support.mosquitto import HALL_ID
from tests.support.mqtt_helpers import connect

DEVICE = "eval-sse"


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def client(url: str, token: str, want: set[str], seen: dict[str, float], ready: asyncio.Event) -> None:
    async with (
        httpx.AsyncClient(timeout=None) as c,
        c.stream("GET", url + "/api/v1/stream", headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        event = ""
        async for line in r.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                if event == "hello":
                    ready.set()
            elif line.startswith("data:") and event == "rating":
                eid = json.loads(line[5:])["event_id"]
                if eid in want:
                    seen[eid] = time.time()
                    want.discard(eid)
                    if not want:
                        return


def phase(side: County, tokens: list[str], events: int, rate: float, tag: int) -> dict[str, Any]:
    evs = [live_rating(HALL_ID, DEVICE, tag * 100_000 + i) for i in range(events)]
    ids = {e.event_id for e in evs}
    seen: list[dict[str, float]] = [{} for _ in tokens]
    published: dict[str, float] = {}
    assert side.console.proc is not None
    pid = side.console.proc.pid

    async def run() -> None:
        readies = [asyncio.Event() for _ in tokens]
        tasks = [
            asyncio.create_task(client(side.console.url, t, set(ids), s, r))
            for t, s, r in zip(tokens, seen, readies, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
        done = threading.Event()

        def publish() -> None:
            dev = connect(side.pair.device(DEVICE), f"{DEVICE}-{tag}")
            for e in evs:
                published[e.event_id] = time.time()
                dev.client.publish(topics.event(HALL_ID, DEVICE, "rating"), e.to_json(), qos=1)
                time.sleep(1 / rate)
            dev.close()
            done.set()

        threading.Thread(target=publish, daemon=True).start()
        await asyncio.wait_for(asyncio.gather(*tasks), events / rate + 60)

    cpu0, t0, own0 = cpu_s(pid), time.monotonic(), time.process_time()
    asyncio.run(run())
    cpu1, t1, own1 = cpu_s(pid), time.monotonic(), time.process_time()
    lags = [(s[e] - published[e]) * 1000 for s in seen for e in ids]
    return {
        "clients": len(tokens),
        "events_each": events,
        "delivered": sum(len(s) for s in seen),
        "expected": events * len(tokens),
        "lag": figures(lags),
        "console_cpu_percent": round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
        "clients_cpu_percent": round(100 * (own1 - own0) / (t1 - t0), 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--events", type=int, default=200)
    p.add_argument("--rate", type=float, default=20.0, help="ratings per second")
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sse-") as tmp, county_side(Path(tmp)) as side:
        tokens = [side.console.add_token(f"screen-{i:02d}", "viewer", HALL_ID) for i in range(a.clients)]
        one = phase(side, tokens[:1], a.events, a.rate, 1)
        many = phase(side, tokens, a.events, a.rate, 2)
    write(
        "console_sse",
        {
            "rate_per_s": a.rate,
            "one_client": one,
            "many_clients": many,
            "p99_many_minus_one_ms": round(many["lag"]["p99_ms"] - one["lag"]["p99_ms"], 2),
            "target": {"many_p99_ms_max": 1000.0, "every_event_to_every_client": True},
            "met": many["lag"]["p99_ms"] <= 1000.0 and many["delivered"] == many["expected"],
            "note": "clients are asyncio httpx streams in the bench process, on the same 2 cores as the "
            "brokers, hall-county and hall-console; lag = device publish → event read by the client",
        },
        a.out,
    )


if __name__ == "__main__":
    main()
