"""The county receiver (`hall-county`) as a real process against a test county broker."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from core import topics
from core.messages import CountyState
from county.store import EventStore, open_store
from ops.procs import die_with_parent
from tests.support.mosquitto import HallPair
from tests.support.mqtt_helpers import connect


@dataclass
class CountyProcess:
    config: Path
    database: Path  # the SQLite file (meaningless with PostgreSQL: use `url`)
    log: Path
    pair: HallPair
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""  # the `database` URL it stores into

    def start(self, timeout: float = 15.0) -> None:
        """Start and wait until this process says online: a live (not retained) `county/v1/state`,
        which it publishes right after subscribing (an older retained one may be another's)."""
        watcher = connect(self.pair.monitor(at_county=True), f"w-{os.urandom(3).hex()}")
        try:
            watcher.subscribe([topics.COUNTY_STATE])
            watcher.get_none(0.1)  # the retained state, if any
            self.spawn()
            assert self.proc is not None
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"hall-county exited {self.proc.returncode}\n{self.tail()}")
                try:
                    m = watcher.get(0.2)
                except queue.Empty:
                    continue
                if not m.retain and CountyState.from_json(bytes(m.payload)).online:
                    return
            raise RuntimeError(f"hall-county not online after {timeout}s\n{self.tail()}")
        finally:
            watcher.close()

    def spawn(self) -> None:
        """Start the process and return at once (a standby receiver never says online)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(self.log, "ab") as log:
            cmd = [sys.executable, "-m", "county.main", "--config", str(self.config)]
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, preexec_fn=die_with_parent
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> int:
        rc = 0
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
                rc = -9
        self.proc = None
        return rc

    def store(self) -> EventStore:
        return open_store(self.url)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def county_process(
    pair: HallPair, root: Path, database_url: str | None = None, **extra: str
) -> CountyProcess:
    """A `hall-county` with its TOML in `root`; `extra` are more top-level keys (TOML values).

    `database_url`: the store (default SQLite in `root`), e.g. the `database_url` fixture's."""
    root.mkdir(parents=True, exist_ok=True)
    svc = pair.county_service()
    url = database_url or f"sqlite:///{root / 'county.db'}"
    extra = {
        "client_id": '"county-receiver-test"',
        "database": f'"{url}"',
        "cases_database": f'"{root / "cases.db"}"',
        **extra,
    }
    lines = [
        *[f"{k} = {v}" for k, v in extra.items()],
        "[mqtt]",
        f'url = "{svc.url}"',
        f'username = "{svc.username}"',
        f'password_file = "{svc.password_file}"',
    ]
    config = root / "county.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    url = extra["database"].strip('"')
    database = Path(url.removeprefix("sqlite:///"))
    return CountyProcess(config, database, root / "county.log", pair, url=url)
