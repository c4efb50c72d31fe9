"""The keypad dialect registry, the sim/probe registries, and SerialDevice basics (no ports)."""

import threading

import pytest

from drivers.device import Backoff, SerialDevice, StateChange
from drivers.errors import UnknownProtocol
from drivers.keypad import DIALECTS, dialect_names, get_dialect, open_keypad, register_dialect
from drivers.keypad.hk1_driver import Hk1Keypad
from tests.support.serial_sim import Recorder
from tests.support.wire import WirePort


def test_hk1_is_registered_and_loaded_lazily():
    assert "hk1" in dialect_names()
    assert get_dialect("hk1") is Hk1Keypad
    kp = open_keypad("loop://", protocol="hk1", heartbeat_s=5)
    assert isinstance(kp, Hk1Keypad) and kp.heartbeat_s == 5


def test_a_makers_dialect_plugs_in_by_name():
    class AcmeKeypad(Hk1Keypad):
        protocol = "acme2"

    register_dialect("acme2", AcmeKeypad)
    try:
        assert isinstance(open_keypad("loop://", protocol="acme2"), AcmeKeypad)
        assert "acme2" in dialect_names()
    finally:
        DIALECTS.pop("acme2")


def test_dialect_by_module_path_string():
    register_dialect("hk1-copy", "drivers.keypad.hk1_driver:Hk1Keypad")
    try:
        assert get_dialect("hk1-copy") is Hk1Keypad
    finally:
        DIALECTS.pop("hk1-copy")


def test_unknown_dialect_is_one_clear_line():
    with pytest.raises(UnknownProtocol, match=r"unknown keypad protocol 'nope' \(known: .*hk1"):
        open_keypad("loop://", protocol="nope")


def test_broken_dialect_path_is_unknown_protocol():
    register_dialect("broken", "no_such_module:Thing")
    try:
        with pytest.raises(UnknownProtocol, match="cannot be loaded"):
            get_dialect("broken")
    finally:
        DIALECTS.pop("broken")


def test_every_registered_simulator_and_probe_loads():
    from drivers import probe
    from drivers.sim import main

    for name in main.SIMULATORS:
        assert isinstance(main.load_spec(name), main.SimSpec)
    for kind in probe.PROBES:
        assert isinstance(probe.load_probe(kind), probe.ProbeSpec)
    assert set(probe.PROBES) <= set(probe.KINDS)


def test_backoff_doubles_up_to_the_cap():
    delays = Backoff(initial=0.2, maximum=1.0).delays()
    assert [next(delays) for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]


class _Echo(SerialDevice):
    def on_bytes(self, data, now):
        self.emit(data)


def test_listener_errors_do_not_stop_delivery():
    dev = _Echo("loop://")
    rec = Recorder()

    def bad(event):
        raise RuntimeError("listener bug")

    dev.add_listener(bad)
    dev.add_listener(rec.on_event, rec.on_state)
    dev.attach(WirePort())  # type: ignore[arg-type]
    dev.on_bytes(b"x", 0.0)
    assert rec.events == [b"x"]
    assert rec.states == [StateChange("serial", "ok", None, "loop:// open")]


@pytest.mark.serial
def test_stop_from_a_listener_does_not_deadlock(tmp_path):
    from drivers.sim.line import LineSim

    sim = LineSim(tmp_path / "s")
    sim.start()
    dev = _Echo(sim.path)
    stopped = threading.Event()

    def on_event(event):
        dev.stop()
        stopped.set()

    dev.add_listener(on_event)
    dev.start(require_port=True)
    try:
        sim.send_line("x")
        assert stopped.wait(5)
    finally:
        dev.stop()
        sim.stop()


def test_dialect_from_an_installed_packages_entry_point(tmp_path, monkeypatch):
    # What `pip install acme-keypad` leaves behind: a dist-info with an entry point.
    dist = tmp_path / "acme_keypad-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-keypad\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[hall.keypad_dialects]\nacme3 = drivers.keypad.hk1_driver:Hk1Keypad\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "acme3" in dialect_names()
    try:
        assert get_dialect("acme3") is Hk1Keypad
    finally:
        DIALECTS.pop("acme3", None)
