"""`hall-demo` as an operator meets it: stopped by Ctrl-C (SIGINT to the whole foreground group),
SIGTERM, a closed terminal (SIGHUP) or a closed pipe, it stops everything in order and leaves no
process and no file outside `--dir`; a bad or reused `--dir` is said in one line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEMO = [sys.executable, "-m", "ops.demo", "--headless", "--monitor-every", "4"]


def _env(tmp_path: Path) -> dict[str, str]:
    """HOME and TMPDIR of their own, to see whether the demo writes anything outside --dir."""
    for d in ("home", "tmp"):
        (tmp_path / d).mkdir(exist_ok=True)
    return {
        **os.environ,
        "HOME": str(tmp_path / "home"),
        "TMPDIR": str(tmp_path / "tmp"),
        "PYTHONUNBUFFERED": "1",
    }


def _wait_text(path: Path, text: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = path.read_text(errors="replace") if path.exists() else ""
        if text in out:
            return out
        assert proc.poll() is None, f"hall-demo exited {proc.returncode}:\n{out[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} in {timeout}s")


def _nothing_left(tmp_path: Path, hall_dir: Path) -> None:
    left = subprocess.run(["pgrep", "-af", str(hall_dir)], capture_output=True, text=True).stdout
    assert left.strip() == "", f"processes left behind:\n{left}"
    outside = [str(p) for d in ("home", "tmp") for p in (tmp_path / d).rglob("*")]
    assert outside == [], f"files outside --dir: {outside}"


def _kill_leftovers(hall_dir: Path) -> None:
    subprocess.run(["pkill", "-KILL", "-f", str(hall_dir)], capture_output=True)


@pytest.mark.e2e
@pytest.mark.serial
@pytest.mark.broker
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_stops_the_whole_hall_in_order(tmp_path: Path, how: str) -> None:
    hall_dir = tmp_path / "hall"
    out = tmp_path / "out.txt"
    kiosk = how == "SIGINT"  # the kiosk too: Ctrl-C must not reach it before the demo
    args = [*DEMO, "--dir", str(hall_dir), *([] if kiosk else ["--no-kiosk"])]
    with open(out, "wb") as f:
        # its own process group, as a shell's foreground job: Ctrl-C and a hang-up go to the group
        proc = subprocess.Popen(
            args, stdout=f, stderr=subprocess.STDOUT, env=_env(tmp_path), start_new_session=True
        )
    try:
        _wait_text(out, "hall-demo: running", proc)
        if kiosk:
            _wait_text(out, "lays an ID card on the kiosk", proc)
        else:
            time.sleep(3)
        sig = getattr(signal, how)
        if how == "SIGTERM":
            proc.send_signal(sig)  # a service manager stops the demo itself
        else:
            os.killpg(proc.pid, sig)  # the terminal signals the whole foreground group
        assert proc.wait(90) == 0, out.read_text(errors="replace")[-3000:]
        text = out.read_text(errors="replace")
        assert "hall-demo: final county stored" in text
        # the managers' last view, taken before the stop: every device still online
        view = text[text.rindex("---- hall-monitor") :]
        devices = ["eval-01", "eval-02", *(["kiosk-01"] if kiosk else [])]
        for device in devices:
            assert re.search(rf"demo-hall/{device}\s+在线 online", view), view
        _nothing_left(tmp_path, hall_dir)
        # one time zone, said in the line: the console's script lines and every child's log
        assert re.search(r"(?m)^  \d\d:\d\d:\d\d\+08:00 ", text), text[-2000:]
        for log in (hall_dir / "county.log", hall_dir / "eval-01" / "evaluator.log"):
            first = log.read_text(errors="replace").splitlines()[0]
            assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+08:00 ", first), (log, first)
        first = (hall_dir / "hall-broker.log").read_text(errors="replace").splitlines()[0]
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0800: ", first), first
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        _kill_leftovers(hall_dir)


@pytest.mark.e2e
@pytest.mark.serial
@pytest.mark.broker
def test_a_closed_pipe_stops_the_whole_hall(tmp_path: Path) -> None:
    hall_dir = tmp_path / "hall"
    proc = subprocess.Popen(
        [*DEMO, "--no-kiosk", "--dir", str(hall_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(tmp_path),
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        seen = b""
        while b"hall-demo: running" not in seen:
            line = proc.stdout.readline()
            assert line, f"hall-demo ended early: {proc.stderr.read().decode(errors='replace')}"
            seen += line
        proc.stdout.close()  # `hall-demo | head` after head has had enough
        assert proc.wait(90) == 0
        err = proc.stderr.read().decode(errors="replace")
        assert "Traceback" not in err and "BrokenPipe" not in err, err
        _nothing_left(tmp_path, hall_dir)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        _kill_leftovers(hall_dir)


def test_the_final_monitor_view_is_not_the_last_one_again(tmp_path: Path) -> None:
    """A stop right after a periodic view printed the same view a second time."""
    from core.clock import FakeClock
    from core.hall_view import HallState
    from ops.demo import Hall

    clock = FakeClock()
    hall = Hall(tmp_path, headless=True, windows_n=1, monitor_state=HallState(clock))
    first = hall.monitor_view()
    assert first is not None and "---- hall-monitor" in first
    clock.advance(2)  # only the clock differs
    assert hall.monitor_view() is None
    from core import topics
    from core.messages import DeviceStatus

    status = DeviceStatus(
        hall_id="demo-hall", device_id="eval-01", kind="evaluator", state="online", session=1, timestamp=1
    )
    hall.monitor_state.on_message(topics.status("demo-hall", "eval-01"), status.to_json())
    assert hall.monitor_view() is not None  # something changed: shown


@pytest.mark.parametrize("where", ["/proc/hall-demo-here", "a-file"])
def test_an_unusable_dir_is_one_line(tmp_path: Path, where: str) -> None:
    target = Path(where) if where.startswith("/") else tmp_path / where
    if where == "a-file":
        target.write_text("not a folder\n")
    run = subprocess.run(
        [*DEMO, "--dir", str(target)], capture_output=True, text=True, timeout=60, env=_env(tmp_path)
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"hall-demo: --dir {target}: "), run.stderr
    assert "Traceback" not in run.stderr


def test_a_reused_dir_is_said_and_fresh_empties_it(tmp_path: Path) -> None:
    from ops.demo import MARKER, prepare_dir

    root = tmp_path / "hall"
    assert prepare_dir(root, fresh=False) is None and (root / MARKER).exists()
    (root / "county.db").write_text("the earlier run's ratings")
    (root / "eval-01").mkdir()
    notice = prepare_dir(root, fresh=False)
    assert notice and "earlier run" in notice and "--fresh" in notice
    assert (root / "county.db").exists()
    assert prepare_dir(root, fresh=True) is None
    assert sorted(p.name for p in root.iterdir()) == [MARKER]


def test_fresh_never_empties_a_folder_the_demo_did_not_make(tmp_path: Path) -> None:
    from ops.demo import DemoError, prepare_dir

    (tmp_path / "thesis.txt").write_text("precious")
    with pytest.raises(DemoError, match="not an earlier hall-demo folder"):
        prepare_dir(tmp_path, fresh=True)
    assert (tmp_path / "thesis.txt").read_text() == "precious"


def test_the_tally_before_the_county_ever_started(tmp_path: Path) -> None:
    """A broker that fails to start ends the demo before the county has a database: the final
    tally says so instead of a traceback."""
    from ops.demo import Hall

    assert Hall(tmp_path, headless=True, windows_n=1).tally() == "county: (no database yet)"
