"""A child process timed to its first frame, and its CPU and memory read from /proc.

Shared by the idle benches: the app under test and the minimal Kivy baseline are measured alike.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def render_env() -> dict[str, str]:
    """The environment for every measured process: offscreen SDL unless there is an X display."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not env.get("DISPLAY"):
        env["SDL_VIDEODRIVER"] = "offscreen"
    return env


class Measured:
    """A process whose stderr is watched for the "first frame drawn" log line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.first_frame = threading.Event()
        self.lines: list[str] = []
        self.t0 = time.monotonic()
        self.t_first = 0.0
        self.proc = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            if "first frame drawn" in line and not self.first_frame.is_set():
                self.t_first = time.monotonic()
                self.first_frame.set()

    def wait_first_frame(self, name: str, timeout: float = 60.0) -> float:
        """Seconds from start to the first frame; exits with the process's last log lines if none."""
        if not self.first_frame.wait(timeout):
            raise SystemExit(f"{name}: no first frame\n" + "\n".join(self.lines[-20:]))
        return round(self.t_first - self.t0, 3)

    def measure(self, settle_s: float, window_s: float) -> dict[str, float]:
        time.sleep(settle_s)
        pid = self.proc.pid
        c0, w0 = cpu_ticks(pid), time.monotonic()
        time.sleep(window_s)
        c1, w1 = cpu_ticks(pid), time.monotonic()
        return {
            "cpu_percent": round(100.0 * (c1 - c0) / CLK_TCK / (w1 - w0), 2),
            "rss_mib": round(rss_kib(pid) / 1024, 1),
            "peak_rss_mib": round(rss_kib(pid, "VmHWM") / 1024, 1),
        }

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)
