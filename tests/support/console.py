"""`hall-console` as a real process for tests: its TOML, its logins (made with its own CLI), and
a wait until it answers HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from core.config import MqttSettings
from ops.procs import HOST, die_with_parent, free_port

PASSWORD = "console-pass-1"


@dataclass
class ConsoleProcess:
    config: Path
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    users: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "console.main", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ},
        )

    def add_user(self, name: str, role: str, hall: str | None = None, password: str = PASSWORD) -> None:
        pw = self.config.parent / f"{name}.pw"
        pw.write_text(password + "\n", encoding="utf-8")
        r = self.cli(
            "add-user", name, "--role", role, *(["--hall", hall] if hall else []), "--password-file", str(pw)
        )
        assert r.returncode == 0, r.stderr
        self.users[name] = password

    def add_token(self, name: str, role: str, hall: str | None = None) -> str:
        r = self.cli("add-token", name, "--role", role, *(["--hall", hall] if hall else []))
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "console.main", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                preexec_fn=die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hall-console exited {self.proc.returncode}\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"hall-console not answering after {timeout}s\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _mqtt_toml(section: str, s: MqttSettings) -> list[str]:
    return [
        f"[{section}]",
        f'url = "{s.url}"',
        f'username = "{s.username}"',
        f'password_file = "{s.password_file}"',
    ]


def console_process(
    root: Path, database: str, monitor: MqttSettings, manager: MqttSettings, **web: str
) -> ConsoleProcess:
    """A console on a free port reading `database`, watching with `monitor`, commanding with `manager`;
    `web` are more `[web]` keys (TOML values)."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lines = [
        f'database = "{database}"',
        f'accounts_database = "{root / "accounts.db"}"',
        *_mqtt_toml("mqtt", monitor),
        *_mqtt_toml("commands", manager),
        "[web]",
        f'listen = "{HOST}:{port}"',
        *[f"{k} = {v}" for k, v in web.items()],
    ]
    config = root / "console.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ConsoleProcess(config, port, root / "console.log")
