"""systemd readiness and watchdog: the datagrams a real `Type=notify` unit would receive, on a real
Unix socket; the watchdog is fed from the main loop only while the link's threads live."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.sdnotify import Watchdog, notify
from ops.procs import free_port


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.2)
    yield s, path
    s.close()


def _received(s: socket.socket, seconds: float) -> list[str]:
    got, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            got.append(s.recv(4096).decode())
    return got


def test_notify_sends_one_datagram_and_nothing_outside_systemd(notify_socket) -> None:
    s, path = notify_socket
    assert notify("READY=1\nSTATUS=up", {"NOTIFY_SOCKET": path})
    assert s.recv(4096) == b"READY=1\nSTATUS=up"
    assert not notify("READY=1", {})


def test_abstract_socket_address() -> None:
    name = f"hall-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.bind("\0" + name)
        assert notify("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert s.recv(100) == b"WATCHDOG=1"


def test_watchdog_feeds_at_half_the_period_while_healthy(notify_socket) -> None:
    s, path = notify_socket
    now = [100.0]
    problem: list[str | None] = [None]
    wd = Watchdog(
        lambda: problem[0], env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000"}, clock=lambda: now[0]
    )
    assert wd.interval_s == 2.0
    for _ in range(9):  # 4 s in steps of 0.5 s: fed at 0, 2 and 4 s
        wd.tick()
        now[0] += 0.5
    assert _received(s, 0.3) == ["WATCHDOG=1"] * 3
    problem[0] = "link thread(s) died: link-sender-eval-01"
    for _ in range(8):
        wd.tick()
        now[0] += 0.5
    assert _received(s, 0.3) == ["STATUS=link thread(s) died: link-sender-eval-01"]  # said once, never fed


def test_no_watchdog_for_another_process(notify_socket) -> None:
    _s, path = notify_socket
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": str(os.getpid() + 1)}
    assert Watchdog(env=env).interval_s is None


def test_evaluator_stops_feeding_when_a_link_thread_dies(tmp_path: Path, notify_socket, monkeypatch) -> None:
    from evaluator.service import EvaluatorService
    from evaluator.settings import EvaluatorSettings

    s, path = notify_socket
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # fed every 0.1 s
    settings = EvaluatorSettings.load(
        None, state_dir=tmp_path / "state", mqtt={"url": f"mqtt://127.0.0.1:{free_port()}"}
    )
    service = EvaluatorService(settings, has_screen=False)
    service.start()
    try:
        for _ in range(5):
            service.tick()
            time.sleep(0.12)
        assert _received(s, 0.2).count("WATCHDOG=1") >= 4
        service.link._jobs.put(None)  # the dispatcher thread ends, as if it had crashed
        time.sleep(0.3)
        for _ in range(5):
            service.tick()
            time.sleep(0.12)
        after = _received(s, 0.2)
        assert "WATCHDOG=1" not in after and any("link-dispatch" in m for m in after), after
    finally:
        service.stop()


def test_headless_evaluator_says_ready_feeds_and_says_stopping(tmp_path: Path, notify_socket) -> None:
    s, path = notify_socket
    f = tmp_path / "evaluator.toml"
    f.write_text(f'state_dir = "{tmp_path / "state"}"\n[mqtt]\nurl = "mqtt://127.0.0.1:{free_port()}"\n')
    env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"}
    p = subprocess.Popen(
        [sys.executable, "-m", "evaluator.main", "--config", str(f), "--headless"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        got = _received(s, 8)
        assert got and got[0].startswith("READY=1"), got
        assert got.count("WATCHDOG=1") >= 3, got
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
        assert "STOPPING=1" in _received(s, 0.5)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)


@pytest.mark.gui
def test_evaluator_screen_is_ready_at_its_first_frame_and_fed_from_kivys_clock(
    tmp_path: Path, notify_socket
) -> None:
    s, path = notify_socket
    f = tmp_path / "evaluator.toml"
    f.write_text(f'state_dir = "{tmp_path / "state"}"\n[mqtt]\nurl = "mqtt://127.0.0.1:{free_port()}"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000")  # offscreen: no display here
    p = subprocess.Popen(
        [sys.executable, "-m", "evaluator.main", "--config", str(f)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        got = _received(s, 15)
        assert "READY=1\nSTATUS=screen drawn" in got, got
        assert got.count("WATCHDOG=1") >= 3, got
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)
