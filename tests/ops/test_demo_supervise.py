"""`hall-demo --windows 20 --supervise`: a county hall's window count on this 2-core machine, and
every kind of child killed (SIGKILL) is restarted, as systemd would, while the hall keeps going."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.broker]


def _pid(pattern: str, other_than: int | None = None, timeout: float = 10.0) -> int | None:
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
        pids = [int(p) for p in out if int(p) != other_than]
        if pids or time.monotonic() > deadline:
            return pids[0] if pids else None
        time.sleep(0.2)


def test_twenty_windows_supervised_restart_every_killed_child(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ops.demo",
            "--windows",
            "20",
            "--supervise",
            "--headless",
            "--monitor-every",
            "0",
            "--duration",
            "600",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert demo.stdout is not None
        for line in demo.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()

    def wait_for(pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                if demo.poll() is not None:
                    break
                continue
            seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no {pattern!r} in {timeout} s:\n{''.join(seen[-40:])}")

    try:
        wait_for(r"hall-demo: running \(supervised", 400)
        assert all(_pid(str(tmp_path / f"eval-{i:02d}" / "evaluator.toml")) for i in range(1, 21))
        victims = {
            "eval-07": str(tmp_path / "eval-07" / "evaluator.toml"),
            "hall-county": str(tmp_path / "county.toml"),
            "hall-broker": str(tmp_path / "brokers" / "hall" / "hall.conf"),
            "county-broker": str(tmp_path / "brokers" / "county" / "county.conf"),
            "kiosk-01": str(tmp_path / "kiosk-01" / "kiosk.toml"),
        }
        for name, pattern in victims.items():
            pid = _pid(pattern)
            assert pid is not None, name
            os.kill(pid, signal.SIGKILL)
            wait_for(rf"supervisor: {name} killed by (SIGKILL|signal 9); restarting it", 30)
            wait_for(rf"supervisor: restarted {name}", 30)
            assert _pid(pattern, other_than=pid) is not None, name
        # the hall goes on: a press after the restarts reaches the county
        wait_for(r"citizen presses", 120)
        demo.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop
        final = wait_for(r"final county stored", 120)
        assert demo.wait(60) == 0, "".join(seen[-40:])
        assert "cases rated twice: 0" in final
    finally:
        if demo.poll() is None:  # a failed check: let the demo stop its children, then make sure
            demo.send_signal(signal.SIGTERM)
            try:
                demo.wait(90)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait(10)
        left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
        for pid in map(int, left):  # children run in their own sessions: they outlive a killed demo
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left behind: {left}"
