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
        ('window_id = "Window\\t3"\n', "window_id"),  # a hall's name, but no control characters
        ('[serial]\nkeypad = "bogus://nowhere"\n', "serial.keypad: not a serial port URL"),
        ('[serial]\nstaff_card = "socket://card-server"\n', "serial.staff_card: malformed serial port URL"),
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


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_headless_stops_cleanly_on_sigterm(tmp_path: Path, sig: signal.Signals) -> None:
    f = tmp_path / "evaluator.toml"
    # a broker that is not there: the link keeps retrying, the evaluator keeps running
    f.write_text(f'state_dir = "{tmp_path / "state"}"\n[mqtt]\nurl = "mqtt://127.0.0.1:{free_port()}"\n')
    p = subprocess.Popen(
        [sys.executable, "-m", "evaluator.main", "--config", str(f), "--headless"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not (tmp_path / "state" / "outbox.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    p.send_signal(sig)  # a service stop, or the terminal it was started from closing
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert (tmp_path / "state" / "outbox.db").exists()


def test_every_config_error_is_shown_one_per_line(tmp_path: Path) -> None:
    f = tmp_path / "evaluator.toml"
    f.write_text(
        'device_id = "Eval 1"\nbogus = 1\nscreen_width = 10\n[serial]\nscanner = "bogus://nowhere"\n',
        encoding="utf-8",
    )
    r = run("--config", str(f), "--headless")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "more" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 4, r.stderr
    assert all(line.startswith(f"hall-evaluator: {f}: ") for line in lines)
    keys = sorted(line.removeprefix(f"hall-evaluator: {f}: ").split(":")[0] for line in lines)
    assert keys == ["bogus", "device_id", "screen_width", "serial.scanner"]


def test_an_absent_port_is_not_a_config_error(tmp_path: Path) -> None:
    from evaluator.settings import EvaluatorSettings

    f = tmp_path / "evaluator.toml"
    f.write_text(
        '[serial]\nkeypad = "/dev/hall-keypad-unplugged"\nscanner = "socket://127.0.0.1:1"\n'
        f'staff_card = "spy:///dev/ttyUSB7?file={tmp_path}/spy.txt"\nidcard = "loop://"\n',
        encoding="utf-8",
    )
    s = EvaluatorSettings.load(f)  # the app waits for these and reports them missing (tested with the link)
    assert s.serial.keypad == "/dev/hall-keypad-unplugged"
    assert not (tmp_path / "spy.txt").exists()  # checking a URL opens nothing
