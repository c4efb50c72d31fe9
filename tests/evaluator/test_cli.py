"""`hall-evaluator` as a command: help, one-line configuration errors (exit 2), and a headless run
that never imports Kivy and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops.procs import free_port


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evaluator.main", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_help() -> None:
    r = run("--help")
    assert r.returncode == 0 and "--headless" in r.stdout and "--config" in r.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bogus = 1\n", "bogus: unknown key"),
        ('window_id = "Window 3"\n', "window_id"),
        ("[mqtt]\nurl = 'http://x'\n", "mqtt.url"),
        ("device_id = \n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    f = tmp_path / "evaluator.toml"
    f.write_text(text, encoding="utf-8")
    r = run("--config", str(f), "--headless")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in r.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    r = run("--config", str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and "file not found" in r.stderr


def test_headless_never_imports_kivy() -> None:
    code = (
        "import sys, evaluator.main, evaluator.service, ops.demo;"
        "sys.exit(1 if any(m == 'kivy' or m.startswith('kivy.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_headless_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    f = tmp_path / "evaluator.toml"
    # a broker that is not there: the link keeps retrying, the evaluator keeps running
    f.write_text(f'state_dir = "{tmp_path / "state"}"\n[mqtt]\nurl = "mqtt://127.0.0.1:{free_port()}"\n')
    p = subprocess.Popen(
        [sys.executable, "-m", "evaluator.main", "--config", str(f), "--headless"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 20
    while not (tmp_path / "state" / "outbox.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    p.send_signal(signal.SIGTERM)
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert (tmp_path / "state" / "outbox.db").exists()
