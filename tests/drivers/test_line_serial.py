"""Scanner and staff-card readers against their simulators on real pseudo-terminals."""

import pytest

from drivers.device import Backoff
from drivers.line_reader import CodeRead, LineReader, StaffCardReader
from drivers.sim.line import LineSim, StaffCardSim
from tests.support.serial_sim import Recorder

pytestmark = pytest.mark.serial

FAST = Backoff(initial=0.02, maximum=0.1)


@pytest.fixture
def scanner(tmp_path):
    sim = LineSim(tmp_path / "scanner", terminator="CRLF", prefix="]Q1")
    sim.start()
    yield sim
    sim.stop()


def test_scanner_codes_arrive_and_repeats_are_reported_once(scanner):
    reader = LineReader(scanner.path, terminator="CRLF", prefix="]Q1", repeat_interval_s=30, backoff=FAST)
    rec = Recorder(reader)
    reader.start(require_port=True)
    try:
        scanner.send_line("6901234567892")
        scanner.send_line("6901234567892")  # the same code again, within the interval
        scanner.send_line("https://zwfw.example.gov.cn/r/abc")
        events = rec.wait_events(2)
        assert events == [
            CodeRead("scanner", "6901234567892"),
            CodeRead("scanner", "https://zwfw.example.gov.cn/r/abc"),
        ]
    finally:
        reader.stop()


def test_scanner_unplug_and_replug_at_the_same_path(scanner):
    reader = LineReader(scanner.path, terminator="CRLF", prefix="]Q1", repeat_interval_s=0, backoff=FAST)
    rec = Recorder(reader)
    reader.start()
    try:
        assert reader.wait_state("ok", 5)
        scanner.send_line("before")
        rec.wait_events(1)
        scanner.send_partial("cut-off-by-unp")
        scanner.unplug()
        assert reader.wait_state("missing", 5)
        assert "vanished" in reader.detail or "cannot open" in reader.detail
        scanner.replug()
        assert reader.wait_state("ok", 5)
        scanner.send_line("after")
        events = rec.wait_events(2)
        assert [e.code for e in events] == ["before", "after"]  # the partial line was not glued on
        assert rec.state_names() == ["ok", "missing", "ok"]
        assert rec.states[1].previous == "ok"
    finally:
        reader.stop()


def test_reader_started_before_the_device_exists_comes_up_when_plugged(tmp_path):
    sim = StaffCardSim(tmp_path / "card")
    reader = StaffCardReader(str(tmp_path / "card"), backoff=FAST)
    rec = Recorder(reader)
    reader.start()
    try:
        assert rec.wait_for(lambda: rec.state_names() == ["missing"])
        assert "cannot open" in reader.detail
        sim.start()
        assert reader.wait_state("ok", 5)
        sim.send_line("0012345678")
        assert rec.wait_events(1) == [CodeRead("staffcard", "0012345678")]
    finally:
        reader.stop()
        sim.stop()


def test_write_to_a_missing_port_is_port_unavailable(tmp_path):
    from drivers.errors import PortUnavailable

    reader = LineReader(str(tmp_path / "none"), backoff=FAST)
    reader.start()
    try:
        assert reader.wait_state("missing", 5)
        with pytest.raises(PortUnavailable, match="not connected"):
            reader.write(b"x")
    finally:
        reader.stop()
