"""Shared by the console benchmarks: figures, the machine, writing the JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.clock import CHINA_TZ
from core.events import CHANNEL_HALL_TERMINAL, RatingEvent, StaffRef
from core.levels import Level

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def figures(ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p90_ms": round(q[89], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write(name: str, result: dict[str, Any], out: Path | None = None) -> None:
    result = {"bench": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(), **result}
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


def live_rating(hall: str, device: str, i: int, level: int = 4) -> RatingEvent:
    """A rating made now (so it belongs to today's live feed)."""
    from datetime import datetime

    rated = datetime.now(CHINA_TZ)
    return RatingEvent(
        hall_id=hall,
        device_id=device,
        window_id="w-01",
        region_code="110101",
        channel=CHANNEL_HALL_TERMINAL,
        input="keypad",
        case_id=f"B-{os.getpid()}-{i:06d}",
        staff=[StaffRef(id="S01", name="李明")],
        level=Level(level),
        reasons=["R01"] if level <= 2 else [],
        invited_at=rated - timedelta(seconds=3),
        rated_at=rated,
        seq=i + 1,
    )
