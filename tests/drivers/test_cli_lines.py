"""hall-sim and hall-probe for the line readers, run as installed console scripts."""

import subprocess

import pytest

from drivers.sim.line import LineSim, StaffCardSim
from tests.support.processes import read_json_lines, run_script, stop

pytestmark = pytest.mark.serial


@pytest.mark.parametrize(("kind", "sim_cls"), [("scanner", LineSim), ("staffcard", StaffCardSim)])
def test_probe_prints_code_lines(tmp_path, kind, sim_cls):
    sim = sim_cls(tmp_path / kind, terminator="CRLF")
    sim.start()
    proc = run_script("hall-probe", kind, sim.path, "--count", "2", "--timeout", "20")
    try:
        first = read_json_lines(proc, lambda o: o["event"] == "state")
        assert first[-1] == {"device": kind, "event": "state", "state": "ok", "detail": f"{sim.path} open"}
        sim.send_line("0012345678")
        sim.send_line("0012345678")  # probes show every line: no repeat filter
        codes = read_json_lines(proc, lambda o: o["event"] == "code" and o["code"] == "0012345678")
        codes += read_json_lines(proc, lambda o: o["event"] == "code")
        expected = {"device": kind, "event": "code", "code": "0012345678"}
        assert [o for o in codes if o["event"] == "code"] == [expected, expected]
        assert proc.wait(10) == 0  # --count 2 reached
    finally:
        stop(proc)
        sim.stop()


def test_probe_bad_port_exits_nonzero_with_one_line(tmp_path):
    proc = run_script("hall-probe", "scanner", str(tmp_path / "no-such-port"))
    out, err = proc.communicate(timeout=20)
    assert proc.returncode != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no-such-port" in err


def test_hall_sim_scanner_prints_path_and_obeys_commands(tmp_path):
    link = tmp_path / "scan"
    proc = run_script("hall-sim", "scanner", "--link", str(link), "--terminator", "LF", stdin=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == str(link)
        from drivers.transport import open_port

        port = open_port(str(link), timeout=2)
        proc.stdin.write("scan ABC-123\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "sent ABC-123"
        assert port.read_until(b"\n") == b"ABC-123\n"
        proc.stdin.write("bogus\nunplug\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith("error: unknown command")
        assert proc.stdout.readline().strip() == "unplugged"
        assert not link.exists()
        port.close()
        proc.stdin.write("replug\nquit\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith("replugged")
        assert proc.wait(10) == 0
    finally:
        stop(proc)
