"""County statistics over a big store, and the system-default job over many finished cases.

1. Fills a county store (SQLite, then PostgreSQL in a throw-away cluster) with 1,000,000 ratings
   spread over 2026 (20 halls x 20 windows, 800 clerks, 120 items; 2 % system defaults), then
   times `county.stats.compute` for one month (November, about 83,000 ratings) by window and by
   staff, beside a plain `SELECT ..., count(*) ... GROUP BY` over the same rows in the same run.
   The whole year (all 1,000,000 rows) is timed the same way, as a stress figure. The rows go in
   by hand (COPY / executemany), so the daily summary `compute` reads is then recounted from them
   (`county.summary.rebuild`, migration 4's back-fill: its time is `summary_rebuild_s`).
2. `apply_defaults` over 100,000 finished cases (SQLite), beside storing the same 100,000
   pre-built default events with `store_batch` alone (the storing part of the job).

Medians of `--repeat` runs (after one warm-up). Writes bench/results/county_stats.json.

    .venv/bin/python bench/county_stats.py [--ratings 1000000] [--cases 100000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.clock import CHINA_TZ  # noqa: E402
from county import summary  # noqa: E402
from county.cases import CaseRecord, CaseStore  # noqa: E402
from county.defaults import DefaultMaker, apply_defaults  # noqa: E402
from county.stats import compute  # noqa: E402
from county.store import EventStore, PostgresStore, SqliteStore  # noqa: E402
from county.workdays import WorkCalendar  # noqa: E402

MONTH = (date(2026, 11, 1), date(2026, 11, 30))
YEAR = (date(2026, 1, 1), date(2026, 12, 31))
PLAIN = {
    "window": "SELECT hall_id, window_id, count(*) FROM ratings WHERE rated_day >= ? AND rated_day <= ?"
    " GROUP BY hall_id, window_id",
    "staff": "SELECT staff_id, count(*) FROM ratings WHERE rated_day >= ? AND rated_day <= ?"
    " GROUP BY staff_id",
}
COLUMNS = (
    "event_id",
    "hall_id",
    "device_id",
    "window_id",
    "region_code",
    "channel",
    "input",
    "case_id",
    "assess_number",
    "item_code",
    "item_name",
    "staff",
    "level",
    "gbt_code",
    "reasons",
    "comment",
    "public",
    "system_default",
    "invited_at",
    "rated_at",
    "rated_day",
    "staff_id",
    "staff_name",
    "invalid",
)
GBT = {5: 1, 4: 2, 3: 3, 2: 4, 1: 5}


def rating_rows(n: int, seed: int = 7, chunk: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
    rnd = random.Random(seed)
    start = datetime(2026, 1, 1, 8, 30, tzinfo=CHINA_TZ)
    span = (datetime(2026, 12, 31, 17, 30, tzinfo=CHINA_TZ) - start).total_seconds()
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        hall = rnd.randrange(20)
        window = rnd.randrange(20)
        staff = hall * 40 + window * 2 + rnd.randrange(2)
        item = rnd.randrange(120)
        default = rnd.random() < 0.02
        level = 3 if default else rnd.choices((5, 4, 3, 2, 1), (70, 18, 7, 3, 2))[0]
        at = start + timedelta(seconds=rnd.random() * span)
        staff_id, staff_name = f"s{staff:04d}", f"工作人员{staff:04d}"
        rows.append(
            (
                str(uuid.UUID(int=rnd.getrandbits(128))),
                f"hall-{hall:02d}",
                f"eval-{window:02d}",
                f"w-{window:02d}",
                "110101",
                7 if default else rnd.choice((3, 4, 5)),
                "default" if default else "keypad",
                f"C{i:08d}",
                1,
                f"item-{item:03d}",
                f"事项{item:03d}",
                json.dumps([{"id": staff_id, "name": staff_name}], ensure_ascii=False),
                level,
                GBT[level],
                '["R01"]' if level <= 2 else "[]",
                "",
                True,
                default,
                at.isoformat(),
                at.isoformat(),
                at.date().isoformat(),
                staff_id,
                staff_name,
                False,
            )
        )
        if len(rows) == chunk:
            yield rows
            rows = []
    if rows:
        yield rows


def fill(store: EventStore, n: int) -> float:
    t0 = time.perf_counter()
    if isinstance(store, PostgresStore):
        with store.transaction() as cur:
            c: Any = cur
            with c.copy(f"COPY ratings ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for rows in rating_rows(n):
                    for r in rows:
                        copy.write_row(r)
        # what autovacuum does on a live county: the visibility map lets index-only scans skip the heap
        import psycopg

        with psycopg.connect(store.url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE ratings")
    else:
        sql = f"INSERT INTO ratings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        for rows in rating_rows(n):
            with store.transaction() as cur:
                cur.executemany(sql, rows)
        with store.transaction() as cur:
            cur.execute("ANALYZE")
    return time.perf_counter() - t0


def timed(fns: list[Callable[[], Any]], repeat: int) -> list[tuple[float, Any]]:
    """Median ms of each function, run in turns (A B A B ...) so both see the same machine load."""
    results = [fn() for fn in fns]  # warm-up (and the answers, for a sanity check)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [(statistics.median(ts) * 1000, r) for ts, r in zip(times, results, strict=True)]


def stats_bench(store: EventStore, n: int, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {"ratings": n, "fill_s": round(fill(store, n), 1)}
    t0 = time.perf_counter()
    summary.rebuild(store)  # the rows went in by hand: count them as migration 4's back-fill does
    out["summary_rebuild_s"] = round(time.perf_counter() - t0, 1)
    for label, (lo, hi) in (("month", MONTH), ("year", YEAR)):
        for by in ("window", "staff"):
            period = [lo.isoformat(), hi.isoformat()]
            ours = functools.partial(compute, store, lo, hi, by)
            baseline = functools.partial(store.rows, PLAIN[by], period)
            (ms, stats), (plain_ms, plain) = timed([ours, baseline], repeat)
            rows = stats.total.active + stats.total.defaults + stats.total.invalid
            assert rows == sum(int(r[-1]) for r in plain), "compute and the plain query disagree"
            out[f"{label}_by_{by}"] = {
                "rows": rows,
                "groups": len(stats.rows),
                "compute_ms": round(ms, 1),
                "plain_group_by_ms": round(plain_ms, 1),
                "ratio": round(ms / plain_ms, 2),
                "target_met": ms <= 300 and ms <= 3 * plain_ms,
            }
    return out


def defaults_bench(root: Path, n: int) -> dict[str, Any]:
    cal = WorkCalendar()
    cases = CaseStore(root / "cases.db", b"k" * 32)
    finished = datetime(2026, 10, 15, 16, 0, tzinfo=CHINA_TZ)
    recs = [
        CaseRecord(
            case_id=f"K{i:08d}",
            item_code="item-001",
            item_name="社保卡补换",
            case_type=1,
            applicant_name="赵六",
            accepted_at=finished - timedelta(days=2),
            finished_at=finished + timedelta(seconds=i),
            state=3,
            window_id=f"w-{i % 20:02d}",
            hall_id=f"hall-{i % 20:02d}",
            staff=[{"id": "s0001", "name": "王芳"}],
        )
        for i in range(n)
    ]
    cases.upsert(recs, datetime.now(CHINA_TZ))
    del recs  # the service holds no import records while it runs the job: nor does the bench
    gc.collect()
    store = SqliteStore(root / "defaults.db")
    t0, c0 = time.perf_counter(), time.process_time()
    result = apply_defaults(store, cases, cal, date(2026, 11, 30))
    job_s, job_cpu = time.perf_counter() - t0, time.process_time() - c0
    assert result.stored == n, result.line()
    t0 = time.perf_counter()
    again = apply_defaults(store, cases, cal, date(2026, 11, 30))
    again_s = time.perf_counter() - t0
    assert again.stored == 0
    # baseline: storing the same events, pre-built, with store_batch alone (a fresh store)
    maker = DefaultMaker(cal, 5, "county", "000000")
    events = [maker.event(c) for c in cases.finished_before(date(2026, 11, 30))]
    plain = SqliteStore(root / "plain.db")
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(events), 5000):
        plain.store_batch(events[i : i + 5000])
    plain_s, plain_cpu = time.perf_counter() - t0, time.process_time() - c0
    cases.close()
    store.close()
    plain.close()
    # CPU seconds beside wall seconds: on a shared machine the wall time is mostly waiting for a core
    return {
        "finished_cases": n,
        "apply_defaults_s": round(job_s, 2),
        "apply_defaults_cpu_s": round(job_cpu, 2),
        "second_run_s": round(again_s, 2),
        "store_batch_only_s": round(plain_s, 2),
        "store_batch_only_cpu_s": round(plain_cpu, 2),
        "target_met": job_s <= 10,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ratings", type=int, default=1_000_000)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=11)
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--only-defaults", action="store_true", help="skip the statistics part")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "county_stats.json")
    a = p.parse_args()
    result: dict[str, Any] = {
        "bench": "county_stats",
        "repeat": a.repeat,
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
    }
    if a.only_defaults:  # rerun part 2 alone; kept in the results file beside part 1's figures
        with tempfile.TemporaryDirectory(prefix="county-stats-") as tmp:
            load = round(os.getloadavg()[0], 2)
            part = {**defaults_bench(Path(tmp), a.cases), "load_average_1min_at_start": load}
        print(json.dumps(part, indent=1))
        old = json.loads(a.out.read_text(encoding="utf-8")) if a.out.exists() else {}
        a.out.write_text(json.dumps({**old, "apply_defaults": part}, indent=2) + "\n", encoding="utf-8")
        return
    with tempfile.TemporaryDirectory(prefix="county-stats-") as tmp:
        root = Path(tmp)
        store = SqliteStore(root / "county.db")
        result["sqlite"] = stats_bench(store, a.ratings, a.repeat)
        store.close()
        print(json.dumps(result["sqlite"], indent=1), flush=True)
        if not a.no_postgres:
            from tests.support.postgres import Cluster

            cluster = Cluster()
            try:
                pg = PostgresStore(cluster.admin_url)
                result["postgresql"] = stats_bench(pg, a.ratings, a.repeat)
                pg.close()
            finally:
                cluster.stop()
            print(json.dumps(result["postgresql"], indent=1), flush=True)
        result["apply_defaults"] = defaults_bench(root, a.cases)
        print(json.dumps(result["apply_defaults"], indent=1), flush=True)
    result.update(
        {
            "cpus": os.cpu_count(),
            "load_average_1min_at_end": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
    )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
