"""The statistics page with 1,000,000 ratings in the county store: server time and browser load.

The store (SQLite, the schema and indexes of county/schema.py) gets `--ratings` ratings spread
over twelve months, 5 halls × 8 windows, 40 clerks, 30 items, 2 % 差评 (each opening its work
order, as the receiver does), stored through `EventStore.store_batch` like real ones. Then a real
`hall-console` process serves it and we time, for one month and for the whole year:

- baseline: `county.stats.compute(by=window)` called directly in this process (the one query
  behind the table, from the daily summary; the page also asks for the §9 rates, the previous
  period and the trend), and `compute_from_ratings` (the same numbers counted from every rating,
  which is what `compute` did before the summary);
- api: `GET /api/v1/stats` over HTTP (loopback);
- page: `GET /stats` (the whole page: table, five rates, 环比, trend) over HTTP;
- browser: headless Chromium navigating to the page until its load event (chart drawn).

Also timed once: recounting the daily summary from all the ratings (`county.summary.rebuild`,
the back-fill a county's upgrade to migration 4 runs). Target: page and browser ≤ 1 s. Writes
bench/results/console_stats.json.

    .venv/bin/python -m bench.console_stats [--ratings 1000000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench.console_common import write
from core.clock import CHINA_TZ
from core.events import CHANNEL_HALL_TERMINAL, RatingEvent, StaffRef
from core.levels import Level
from county import summary
from county.stats import compute, compute_from_ratings
from county.store import SqliteStore
from ops.procs import HOST, free_port
from tests.console.harness import CHROMIUM, CHROMIUM_ARGS
from tests.support.console import PASSWORD, ConsoleProcess

HALLS = [f"hall-{i}" for i in range(1, 6)]
FIRST_DAY = date(2025, 12, 1)
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
YEAR = (FIRST_DAY, date(2026, 11, 30))


def fill(store: SqliteStore, n: int, batch: int = 20_000) -> float:
    t0 = time.monotonic()
    staff = [StaffRef(id=f"S{i:03d}", name=f"员工{i:03d}") for i in range(40)]
    days = (YEAR[1] - YEAR[0]).days + 1
    for start in range(0, n, batch):
        events = []
        for i in range(start, min(n, start + batch)):
            day = FIRST_DAY + timedelta(days=i % days)
            at = datetime(day.year, day.month, day.day, 9 + i % 8, i % 60, tzinfo=CHINA_TZ)
            level = Level(1 + (i * 7919) % 5) if i % 50 == 0 else Level(3 + i % 3)
            hall = HALLS[i % len(HALLS)]
            events.append(
                RatingEvent(
                    hall_id=hall,
                    device_id=f"eval-{i % 8 + 1:02d}",
                    window_id=f"w-{i % 8 + 1:02d}",
                    region_code="110101",
                    channel=CHANNEL_HALL_TERMINAL,
                    input="keypad",
                    case_id=f"C{i:08d}",
                    item_code=f"ITEM{i % 30:03d}",
                    item_name=f"事项{i % 30:03d}",
                    staff=[staff[i % 40]],
                    level=level,
                    reasons=["R01"] if level.is_bad else [],
                    invited_at=at,
                    rated_at=at,
                    seq=i + 1,
                )
            )
        store.store_batch(events)
        print(f"  stored {min(n, start + batch)} ratings", flush=True)
    return time.monotonic() - t0


def timed(fn: Any, runs: int) -> dict[str, float]:
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return {"runs": runs, "median_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1)}


def get(url: str, token: str) -> bytes:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        assert r.status == 200
        return bytes(r.read())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ratings", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", type=Path)
    a = p.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as tmp:
        root = Path(tmp)
        store = SqliteStore(root / "county.db")
        fill_s = fill(store, a.ratings)
        t0 = time.monotonic()
        summary.rebuild(store)
        rebuild_s = time.monotonic() - t0
        results["store"] = {
            "ratings": store.count("ratings"),
            "summary_rows": store.count("rating_days"),
            "summary_rebuild_s": round(rebuild_s, 1),
            "workorders": store.rows("SELECT count(*) FROM workorders")[0][0],
            "fill_s": round(fill_s, 1),
            "db_mb": round((root / "county.db").stat().st_size / 1e6, 1),
        }
        port = free_port()
        config = root / "console.toml"
        config.write_text(
            "\n".join(
                [
                    f'database = "sqlite:///{root / "county.db"}"',
                    f'accounts_database = "{root / "accounts.db"}"',
                    "[mqtt]",
                    'url = "mqtt://127.0.0.1:9"',
                    "[commands]",
                    'url = "mqtt://127.0.0.1:9"',
                    "[web]",
                    f'listen = "{HOST}:{port}"',
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        console = ConsoleProcess(config, port, root / "console.log")
        console.add_user("admin", "admin")
        token = console.add_token("bench", "admin")
        console.start()
        try:
            for name, (first, last) in (("month", MONTH), ("year", YEAR)):
                q = f"from={first}&to={last}&by=window"
                results[name] = {
                    "period": f"{first}..{last}",
                    "baseline_compute_by_window": timed(
                        lambda f=first, t=last: compute(store, f, t, "window"), a.runs
                    ),
                    "compute_from_ratings_by_window": timed(
                        lambda f=first, t=last: compute_from_ratings(store, f, t, "window"), a.runs
                    ),
                    "api_stats": timed(lambda q=q: get(f"{console.url}/api/v1/stats?{q}", token), a.runs),
                    "page_server": timed(lambda q=q: get(f"{console.url}/stats?{q}", token), a.runs),
                }
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                page.goto(console.url + "/login")
                page.fill("input[name=username]", "admin")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(console.url + "/")
                for name, (first, last) in (("month", MONTH), ("year", YEAR)):
                    loads = []
                    for _ in range(a.runs):
                        page.goto(f"{console.url}/stats?from={first}&to={last}&by=window", wait_until="load")
                        page.wait_for_selector("#chart canvas")
                        loads.append(
                            page.evaluate(
                                "() => { const n = performance.getEntriesByType('navigation')[0];"
                                " return n.loadEventEnd - n.startTime; }"
                            )
                        )
                    results[name]["browser_load"] = {
                        "runs": a.runs,
                        "median_ms": round(statistics.median(loads), 1),
                        "max_ms": round(max(loads), 1),
                    }
                browser.close()
        finally:
            console.stop()
            store.close()
    results["target"] = {"page_and_browser_ms_max": 1000.0}
    results["met"] = {
        k: results[k]["page_server"]["median_ms"] <= 1000 and results[k]["browser_load"]["median_ms"] <= 1000
        for k in ("month", "year")
    }
    results["note"] = (
        "SQLite county store; every figure from county/stats.py (counts from the daily summary"
        " rating_days); page = table + five rates + previous period + daily trend; browser ="
        " navigation start to load event; compute_from_ratings = the same counts from every rating"
    )
    write("console_stats", results, a.out)


if __name__ == "__main__":
    main()
