"""Hk1Keypad's protocol logic, driven by hand with a fake clock (no threads, no port)."""

import pytest

from core.clock import FakeClock
from drivers.keypad import Heartbeat, KeypadHello, KeyPressed
from drivers.keypad.hk1 import Cmd, Frame, Hk1Decoder, NakReason, encode_frame, hello_data
from drivers.keypad.hk1_driver import Hk1Keypad
from tests.support.serial_sim import Recorder
from tests.support.wire import WirePort


@pytest.fixture
def rig():
    clock = FakeClock()
    kp = Hk1Keypad("loop://", clock=clock, heartbeat_s=2.0)
    rec = Recorder(kp)
    wire = WirePort()
    kp.attach(wire)  # type: ignore[arg-type]  # the far end of the cable, not a pyserial port
    return kp, clock, wire, rec


def _sent(wire):
    return Hk1Decoder().feed(wire.take())


def test_key_press_is_acked_and_reported(rig):
    kp, clock, wire, rec = rig
    kp.on_bytes(encode_frame(7, Cmd.KEY, b"\x05"), clock.monotonic())
    assert _sent(wire) == [Frame(7, Cmd.ACK, b"\x07")]
    assert rec.events == [KeyPressed(5)]


@pytest.mark.parametrize(("code", "key"), [(0x10, "invite"), (0x11, "confirm"), (0x12, "cancel"), (1, 1)])
def test_key_codes(rig, code, key):
    kp, clock, _wire, rec = rig
    kp.on_bytes(encode_frame(1, Cmd.KEY, bytes((code,))), clock.monotonic())
    assert rec.events == [KeyPressed(key)]


def test_resent_key_counts_once_but_is_acked_again(rig):
    kp, clock, wire, rec = rig
    raw = encode_frame(7, Cmd.KEY, b"\x05")
    kp.on_bytes(raw, clock.monotonic())
    clock.advance(0.2)
    kp.on_bytes(raw, clock.monotonic())
    assert rec.events == [KeyPressed(5)]
    assert _sent(wire) == [Frame(7, Cmd.ACK, b"\x07")] * 2
    assert kp.stats.duplicates == 1


def test_same_seq_long_after_is_a_new_frame(rig):
    kp, clock, _wire, rec = rig
    raw = encode_frame(0, Cmd.KEY, b"\x05")
    kp.on_bytes(raw, clock.monotonic())
    clock.advance(10)  # the keypad rebooted and counts from 0 again
    kp.on_bytes(raw, clock.monotonic())
    assert rec.events == [KeyPressed(5), KeyPressed(5)]


def test_unknown_key_code_is_nakked_not_reported(rig):
    kp, clock, wire, rec = rig
    kp.on_bytes(encode_frame(3, Cmd.KEY, b"\x09"), clock.monotonic())
    assert _sent(wire) == [Frame(3, Cmd.NAK, bytes((3, NakReason.BAD_DATA)))]
    assert rec.events == []


def test_unknown_command_is_nakked(rig):
    kp, clock, wire, _rec = rig
    kp.on_bytes(encode_frame(4, 0x7E), clock.monotonic())
    assert _sent(wire) == [Frame(4, Cmd.NAK, bytes((4, NakReason.UNKNOWN_COMMAND)))]


def test_hello_and_heartbeat_events(rig):
    kp, clock, _wire, rec = rig
    kp.on_bytes(encode_frame(0, Cmd.HELLO, hello_data((1, 2), "KP-9")), clock.monotonic())
    kp.on_bytes(encode_frame(1, Cmd.HEARTBEAT), clock.monotonic())
    assert rec.events == [KeypadHello(1, "1.2", "KP-9"), Heartbeat()]
    assert kp.hello == KeypadHello(1, "1.2", "KP-9")


def test_corrupted_key_frame_is_not_acked_nor_reported(rig):
    kp, clock, wire, rec = rig
    raw = bytearray(encode_frame(7, Cmd.KEY, b"\x05"))
    raw[4] ^= 0x04
    kp.on_bytes(bytes(raw), clock.monotonic())
    clock.advance(1)
    kp.on_tick(clock.monotonic())
    assert wire.take() == b"" and rec.events == []


def test_three_missed_heartbeats_make_the_keypad_missing_and_a_frame_brings_it_back(rig):
    kp, clock, _wire, rec = rig
    clock.advance(5.9)
    kp.on_tick(clock.monotonic())
    assert kp.state == "ok"
    clock.advance(0.1)
    kp.on_tick(clock.monotonic())
    assert kp.state == "missing"
    assert "3 missed" in kp.detail
    kp.on_bytes(encode_frame(1, Cmd.HEARTBEAT), clock.monotonic())
    assert kp.state == "ok"
    assert [c.state for c in rec.states] == ["ok", "missing", "ok"]


def test_noise_without_valid_frames_is_a_fault(rig):
    kp, clock, _wire, _rec = rig
    for _ in range(7):
        kp.on_bytes(b"\x55\xaa\x55", clock.monotonic())  # e.g. a wrong baud rate
        clock.advance(1)
        kp.on_tick(clock.monotonic())
    assert kp.state == "fault"
    assert "wrong baud rate" in kp.detail


def test_partial_frame_is_given_up_after_an_idle_gap(rig):
    kp, clock, _wire, rec = rig
    good = encode_frame(5, Cmd.KEY, b"\x02")
    kp.on_bytes(b"\x02\xc8" + good, clock.monotonic())  # a stray 02 C8 swallows the key frame
    kp.on_tick(clock.monotonic())
    assert rec.events == []
    clock.advance(0.1)
    kp.on_tick(clock.monotonic())
    assert rec.events == [KeyPressed(2)]


def test_commands_validate_their_arguments(rig):
    kp, *_ = rig
    with pytest.raises(ValueError):
        kp.enable_keys(True, 300)
    with pytest.raises(ValueError):
        kp.set_leds(frozenset({6}))
    with pytest.raises(ValueError):
        kp.beep(100, 0)


def test_no_heartbeat_expected_when_heartbeats_are_off():
    clock = FakeClock()
    kp = Hk1Keypad("loop://", clock=clock, heartbeat_s=0)
    kp.attach(WirePort())  # type: ignore[arg-type]
    clock.advance(3600)
    kp.on_tick(clock.monotonic())
    assert kp.state == "ok"
