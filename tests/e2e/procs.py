"""Processes of the e2e tests: the device (tests/e2e/device_proc.py) and the county service."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class Proc:
    """A child process whose stdout lines are collected by a reader thread."""

    def __init__(self, name: str, argv: list[str], log: Path) -> None:
        self.name, self.argv, self.log = name, argv, log
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self.cond = threading.Condition()

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} already running"
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                cwd=REPO,
                env=env,
                start_new_session=True,
            )
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def wait_line(self, pred: object, timeout: float = 60.0, start: int = 0) -> str:
        """The first line from index `start` on for which `pred(line)` holds."""
        assert callable(pred)
        deadline = time.monotonic() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return self.lines[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{self.name}: no such line in {timeout}s; last: {self.lines[-3:]}\n{self.tail()}"
                    )
                self.cond.wait(left)

    def send(self, line: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self, timeout: float = 15.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Device(Proc):
    def __init__(
        self,
        *,
        url: str,
        password_file: Path,
        state: Path,
        hall: str,
        device: str,
        count: int,
        rate: float,
        log: Path,
    ) -> None:
        self.state = state
        super().__init__(
            device,
            [
                sys.executable,
                "-m",
                "tests.e2e.device_proc",
                "--url",
                url,
                "--password-file",
                str(password_file),
                "--state",
                str(state),
                "--hall",
                hall,
                "--device",
                device,
                "--count",
                str(count),
                "--rate",
                str(rate),
            ],
            log,
        )

    def last_put(self) -> int:
        with self.cond:
            for line in reversed(self.lines):
                if line.startswith("put "):
                    return int(line.split()[1])
        return 0

    def wait_put(self, seq: int, timeout: float = 60.0) -> None:
        self.wait_line(lambda ln: ln.startswith("put ") and int(ln.split()[1]) >= seq, timeout)

    def unacked(self) -> int:
        """Unacked events in the device's outbox, read beside the running device (WAL allows it)."""
        db = self.state / "outbox.db"
        if not db.exists():
            return -1
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM events WHERE acked_at IS NULL").fetchone()[0])
        finally:
            con.close()
