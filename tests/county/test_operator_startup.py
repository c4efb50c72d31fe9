"""What an operator sees when `hall-county` starts: where its files go (`state_dir`, the key
every program takes, docs/county.md) and what it says while its broker cannot be reached."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from county.settings import CountySettings
from ops.procs import die_with_parent
from tests.support.mosquitto import Accounts, make_county_broker


def test_state_dir_is_the_folder_of_the_default_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'state_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    s = CountySettings.load(cfg)
    assert s.database == f"sqlite:///{tmp_path / 'state' / 'county.db'}"
    assert s.cases_path == tmp_path / "state" / "cases.db"
    assert s.id_key_path == tmp_path / "state" / "id-hmac.key"
    # from the environment alike; an explicit database still wins
    monkeypatch.setenv("HALL_STATE_DIR", str(tmp_path / "env-state"))
    assert CountySettings.load().database == f"sqlite:///{tmp_path / 'env-state' / 'county.db'}"
    monkeypatch.delenv("HALL_STATE_DIR")
    cfg.write_text('state_dir = "/srv/hall"\ndatabase = "postgresql://county@db/county"\n', encoding="utf-8")
    s = CountySettings.load(cfg)
    assert s.database == "postgresql://county@db/county" and s.cases_path == Path("/srv/hall/cases.db")


def _wait_for(log: Path, text: str, timeout: float, proc: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = log.read_text(errors="replace")
        if text in out:
            return out
        assert proc.poll() is None, f"hall-county exited {proc.returncode}:\n{out}"
        time.sleep(0.1)
    raise AssertionError(f"no {text!r} in {timeout}s:\n{log.read_text(errors='replace')}")


@pytest.mark.broker
def test_unreachable_broker_is_said_once_then_the_connection(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "accounts")
    broker = make_county_broker(tmp_path / "county-broker", accounts)  # rendered, not started yet
    state = tmp_path / "state"
    cfg = tmp_path / "county.toml"
    cfg.write_text(
        f'state_dir = "{state}"\n[mqtt]\nurl = "{broker.url}"\nusername = "svc.county"\n'
        f'password_file = "{accounts.password_file("svc.county")}"\n',
        encoding="utf-8",
    )
    log = tmp_path / "county.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "county.main", "--config", str(cfg)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=die_with_parent,
        )
    try:
        _wait_for(log, "cannot reach", 15, proc)
        time.sleep(4)  # paho retries after 1, 2, 4 s: at least two more failed attempts
        text = log.read_text(errors="replace")
        said = [line for line in text.splitlines() if "cannot reach" in line]
        assert len(said) == 1, text
        assert "WARNING" in said[0] and broker.url in said[0]
        broker.start()
        _wait_for(log, f"connected to {broker.url}", 45, proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert (state / "county.db").exists() and (state / "cases.db").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        broker.stop()


def test_a_closed_terminal_stops_the_service_cleanly(tmp_path: Path) -> None:
    """Run by hand in an SSH session that drops: SIGHUP is the same clean stop as SIGTERM."""
    cfg = tmp_path / "county.toml"
    cfg.write_text(
        f'state_dir = "{tmp_path}"\nanswer_queries = false\n[mqtt]\nurl = "mqtt://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    log = tmp_path / "county.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "county.main", "--config", str(cfg)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=die_with_parent,
        )
    try:
        _wait_for(log, "receiving events", 15, proc)
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(15) == 0
        assert "stopped:" in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
