"""`hall-demo` end to end: the whole simulated hall runs, the county stores ratings from every
window, no case is stored twice, and every child process is gone afterwards."""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.serial, pytest.mark.broker]


def console_sees_the_hall(url: str, user: str, password: str) -> list[str]:
    """Log in to the demo's console as its printed login; the devices its API shows."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "login", timeout=10) as r:  # the form carries its CSRF token
        token = r.read().decode().split('name="csrf" value="')[1].split('"')[0]
    form = urllib.parse.urlencode({"username": user, "password": password, "csrf": token}).encode()
    with opener.open(url + "login", data=form, timeout=10) as r:
        assert r.status == 200 and r.url == url, r.url  # logged in: redirected to the overview
    deadline = time.monotonic() + 30
    while True:
        with opener.open(url + "api/v1/devices", timeout=10) as r:
            answer = json.loads(r.read())["devices"]
        devices = sorted(d["device_id"] for d in answer if d["health"] == "online")
        if len(devices) >= 2 or time.monotonic() > deadline:
            return devices
        time.sleep(0.5)


def test_demo_runs_and_stops_cleanly(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ops.demo",
            "--duration",
            "20",
            "--headless",
            "--no-kiosk",
            "--console-port",
            "0",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    seen: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        m = re.search(r"open (http://\S+) in a browser, log in as (\S+) / (\S+)", line)
        if m:  # the console the README's first command promises, with the printed login
            seen = console_sees_the_hall(*m.groups())
    stdout = "".join(lines)
    stderr = proc.stderr.read() if proc.stderr else ""
    proc.wait(180)
    run = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert seen == ["eval-01", "eval-02"], run.stdout[-2000:]
    final = next(line for line in run.stdout.splitlines() if "final county stored" in line)
    m = re.search(
        r"stored: (\d+) ratings .* per window eval-01=(\d+) eval-02=(\d+) · cases rated twice: (\d+)", final
    )
    assert m is not None, final
    total, w1, w2, twice = map(int, m.groups())
    assert total == w1 + w2 and w1 > 0 and w2 > 0 and twice == 0
    # the county reports to the simulated province as it goes (the last few may still be on the way)
    held = re.search(r"province holds (\d+)", final)
    assert held is not None and 0 < int(held.group(1)) <= total, final
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert left.stdout.strip() == "", f"processes left behind: {left.stdout}"
    # every press the script reported reached the county (the outbox drains before the stop)
    presses = sum(1 for line in run.stdout.splitlines() if "citizen presses" in line)
    assert total >= presses - 2  # a press in the last moments may still be in flight at the stop


def test_demo_by_default_has_a_kiosk_answering_a_card_and_the_monitor_view(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ops.demo",
            "--duration",
            "35",
            "--headless",
            "--monitor-every",
            "12",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "lays an ID card on the kiosk reader" in run.stdout
    county_log = (tmp_path / "county.log").read_text(encoding="utf-8", errors="replace")
    assert "query progress from demo-hall/kiosk-01: ok" in county_log
    # the monitor view, as hall managers see it: every device online, the county online
    view = run.stdout[run.stdout.rindex("---- hall-monitor") :]
    assert "county service: 在线 online" in view, view
    # the county's reports to the province, carried by the bridge to the hall's monitor
    assert re.search(r"上报省平台 upstream: \d+ 待上报 waiting", view), view
    for device in ("eval-01", "eval-02", "kiosk-01"):
        assert re.search(rf"demo-hall/{device}\s+在线 online", view), view
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert left.stdout.strip() == "", f"processes left behind: {left.stdout}"
