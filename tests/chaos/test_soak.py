"""The chaos soak, CI size (tests/chaos/soak.py; the long run is `scripts/chaos`, figures in the
README): about 2,000 ratings from 6 headless evaluators and a kiosk while every kind of process is
killed at random, a hall broker is killed with 1,000+ events queued behind it, and one process is
paused. `HALL_CHAOS_SEED` picks the seed (default 1); the one line is printed and written with the
figures to artifacts/chaos-<seed>.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.chaos.soak import run

# its own xdist group: on the other worker beside the e2e group, not after it
pytestmark = [pytest.mark.chaos, pytest.mark.timeout(540), pytest.mark.xdist_group("chaos")]

REPO = Path(__file__).resolve().parents[2]


def test_the_soak_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = int(os.environ.get("HALL_CHAOS_SEED", "1"))
    result = run(
        tmp_path,
        seed=seed,
        ratings=2000,
        evaluators=6,
        kiosk=True,
        rate=9.0,
        backlog=1000,
        pause_s=20.0,
        every=(6.0, 14.0),
    )
    with capsys.disabled():
        print(f"\n{result['line']}")  # the one line, in the test output as scripts/chaos prints it
    out = REPO / "artifacts" / f"chaos-{seed}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert result["ok"], result["line"]
    assert result["lost"] == [] and result["duplicated"] == [] and result["stored_never_accepted"] == []
    # a key pressed on a keypad whose evaluator was just killed, or whose frame timed out under
    # load, is not a rating (nobody said thank you): accepted counts what the outboxes took
    assert result["pressed"] == 2000 and result["accepted"] >= 0.9 * result["pressed"], result["line"]
    backlog = [f for f in result["faults"] if f["kind"] == "backlog"]
    assert len(backlog) == 1 and backlog[0]["backlog"] >= 1000, "the hall broker died with 1,000+ queued"
    assert result["faults_by_kind"].get("pause") == 1
    killed = {
        n.rstrip("0123456789").rstrip("-")
        for f in result["faults"]
        if f["kind"] in ("kill", "double-kill", "backlog")
        for n in f["targets"]
    }
    assert {"postgres", "county-broker", "hall-broker", "receiver", "eval", "kiosk"} <= killed, killed
