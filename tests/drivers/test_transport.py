"""The port boundary: pyserial errors become the drivers' one-line PortUnavailable."""

import pytest

from drivers.errors import PortUnavailable
from drivers.sim.pty import PtyPort
from drivers.transport import open_port

pytestmark = pytest.mark.serial  # real ports (pty, missing paths), not pure unit tests


def test_missing_path_is_port_unavailable_in_one_line(tmp_path):
    with pytest.raises(PortUnavailable) as err:
        open_port(str(tmp_path / "nothing"))
    assert "\n" not in str(err.value)
    assert str(tmp_path / "nothing") in str(err.value)


def test_unknown_url_scheme_is_port_unavailable():
    with pytest.raises(PortUnavailable, match="foo://x"):
        open_port("foo://x")


def test_empty_url_is_port_unavailable():
    with pytest.raises(PortUnavailable, match="no serial port"):
        open_port("")


def test_loop_url_echoes():
    port = open_port("loop://", timeout=0.1)
    port.write(b"\x02abc")
    assert port.read(4) == b"\x02abc"
    port.close()


def test_pty_link_survives_replug(tmp_path):
    pty = PtyPort(tmp_path / "dev")
    path = pty.plug()
    first = pty.slave_path
    port = open_port(path, timeout=0.2)
    pty.write(b"hello")
    assert port.read(5) == b"hello"
    port.write(b"back")
    assert pty.read(0.5) == b"back"
    pty.unplug()
    assert not (tmp_path / "dev").exists()
    with pytest.raises(Exception):  # noqa: B017 - pyserial's own error: the unplug signal
        port.read(1)
    port.close()
    with pytest.raises(PortUnavailable):
        open_port(path)
    pty.plug()
    port = open_port(path, timeout=0.2)
    pty.write(b"again")
    assert port.read(5) == b"again"
    assert pty.slave_path is not None and first is not None
    port.close()
    pty.close()


def test_second_open_of_a_local_port_is_refused(tmp_path):
    pty = PtyPort(tmp_path / "dev")
    path = pty.plug()
    port = open_port(path)
    with pytest.raises(PortUnavailable):
        open_port(path)
    port.close()
    pty.close()


def test_writes_to_an_unplugged_pty_are_dropped_not_raised(tmp_path):
    pty = PtyPort(tmp_path / "dev")
    pty.plug()
    pty.unplug()
    assert pty.write(b"xyz") == 0
    assert pty.dropped == 3
    assert pty.read(0.01) == b""


def test_spy_url_logs_the_traffic_of_a_real_device_path(tmp_path):
    pty = PtyPort()
    path = pty.plug()
    log = tmp_path / "traffic.txt"
    port = open_port(f"spy://{path}?file={log}", timeout=0.5)
    port.write(b"\x02ping")
    assert pty.read(0.5) == b"\x02ping"
    pty.write(b"pong")
    assert port.read(4) == b"pong"
    port.close()
    pty.close()
    text = log.read_text()
    assert "02 70 69 6E 67" in text.upper() and "70 6F 6E 67" in text.upper()
