"""Hk1Keypad against KeypadSim over a real pseudo-terminal through pyserial."""

import pytest

from drivers.device import Backoff
from drivers.errors import DeviceError, NotAcknowledged, PortUnavailable
from drivers.keypad import Heartbeat, KeypadHello, KeyPressed, Prompt, open_keypad
from drivers.keypad.hk1 import Cmd, encode_frame
from drivers.sim.keypad import KeypadSim
from tests.support.serial_sim import Recorder, wait_until

pytestmark = pytest.mark.serial

HEARTBEAT_S = 0.25  # fast heartbeats so "three missed" happens quickly in tests


@pytest.fixture
def sim(tmp_path):
    s = KeypadSim(tmp_path / "keypad", heartbeat_s=HEARTBEAT_S)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def keypad(sim):
    kp = open_keypad(sim.path, heartbeat_s=HEARTBEAT_S, backoff=Backoff(initial=0.02, maximum=0.1))
    rec = Recorder(kp)
    kp.start(require_port=True)
    assert rec.wait_for(lambda: any(isinstance(e, KeypadHello) for e in rec.events))
    yield kp, rec
    kp.stop()


def _keys(rec):
    return [e.key for e in rec.events if isinstance(e, KeyPressed)]


def test_hello_carries_firmware_and_serial(sim, keypad):
    kp, _rec = keypad
    assert kp.hello == KeypadHello(1, "1.0", "HK1-SIM-0001")


def test_key_presses_arrive_and_are_acked_first_time(sim, keypad):
    kp, rec = keypad
    assert sim.press("invite")
    assert not sim.press(5)  # rating keys are dead until the host enables them
    kp.enable_keys(True, 30)
    for key in (5, 1, "confirm", "cancel"):
        assert sim.press(key)
    assert rec.wait_for(lambda: len(_keys(rec)) == 5)
    assert _keys(rec) == ["invite", 5, 1, "confirm", "cancel"]
    assert wait_until(lambda: all(s.acked for s in sim.sent if s.frame.cmd == Cmd.KEY))
    key_frames = [s for s in sim.sent if s.frame.cmd == Cmd.KEY]
    # Acked before the keypad's 200 ms resend timer ran out: no key frame was sent twice.
    assert [s.sends for s in key_frames] == [1] * 5
    assert sim.record.ignored_presses == [5]


def test_resent_key_frame_counts_once(sim, keypad):
    kp, rec = keypad
    kp.enable_keys(True)
    sim.press(4)
    assert rec.wait_for(lambda: _keys(rec) == [4])
    sim.resend_last()  # the same frame, same SEQ, as if our ack had been lost
    sim.resend_last()
    sim.press(3)
    assert rec.wait_for(lambda: _keys(rec) == [4, 3])
    assert wait_until(lambda: kp.stats.duplicates >= 2)
    assert _keys(rec) == [4, 3]


def test_key_frame_resent_while_host_acks_are_lost_counts_once(sim, keypad):
    kp, rec = keypad
    kp.enable_keys(True)
    sim.ignore_host_acks = True
    sim.press(2)
    key = next(s for s in sim.sent if s.frame.cmd == Cmd.KEY)
    assert wait_until(lambda: key.acked is False, timeout=5)  # 1 + 3 sends, none acked
    assert key.sends == 4
    assert _keys(rec) == [2]


def test_host_commands_are_acked_and_carried_out(sim, keypad):
    kp, _rec = keypad
    kp.set_leds(frozenset({4, 5}), invite=True)
    kp.beep(200, 2)
    kp.play_prompt(Prompt.PLEASE_RATE)
    kp.enable_keys(True, 10)
    kp.ping()
    r = sim.record
    assert r.leds == 0b0011_1000
    assert r.beeps == [(200, 2)]
    assert r.prompts == [1]
    assert r.enables == [(True, 10)]
    assert r.pings == 1
    assert sim.keys_enabled
    kp.enable_keys(False)
    assert not sim.keys_enabled
    assert kp.stats.resends == 0


def test_unacked_command_is_resent_then_reported(sim, keypad):
    kp, _rec = keypad
    sim.withhold_acks = True
    with pytest.raises(NotAcknowledged, match=r"84 ENABLE .* after 4 sends"):
        kp.enable_keys(True)
    assert kp.stats.resends == 3
    enables = [f for f in _host_frames(sim) if f.cmd == Cmd.ENABLE]
    assert len(enables) == 4 and len({f.seq for f in enables}) == 1  # resent with the same SEQ
    sim.withhold_acks = False
    kp.enable_keys(True)  # the keypad answers again: the next command goes through
    assert sim.keys_enabled


def test_command_resent_after_a_lost_ack_is_carried_out_once(sim, keypad):
    kp, _rec = keypad
    # The keypad gets the command but the host ignores its first ack: simulate by having the
    # host's first send lost instead — withhold for one timeout, then answer the resend.
    sim.withhold_acks = True
    import threading

    threading.Timer(0.3, lambda: setattr(sim, "withhold_acks", False)).start()
    kp.play_prompt(Prompt.THANK_YOU)
    assert kp.stats.resends >= 1
    assert sim.record.prompts == [2]


def test_nak_is_a_device_error(sim, keypad):
    kp, _rec = keypad
    with pytest.raises(DeviceError, match="bad data"):
        kp.send_command(Cmd.PROMPT, b"\x09")
    with pytest.raises(DeviceError, match="unknown command"):
        kp.send_command(0x8F)


def test_garbage_truncated_and_corrupted_frames_are_never_keys(sim, keypad):
    kp, rec = keypad
    kp.enable_keys(True)
    for _ in range(5):
        sim.send_garbage(40)
        sim.send_truncated(1)
        sim.send_corrupted(1)
    sim.press(5)
    assert rec.wait_for(lambda: _keys(rec) == [5], timeout=5)
    assert 1 not in _keys(rec)
    assert kp.state == "ok"


def test_heartbeat_loss_makes_the_keypad_missing_and_recovery_ok(sim, keypad):
    kp, rec = keypad
    sim.silent = True
    assert kp.wait_state("missing", 5)
    assert "missed" in kp.detail
    with pytest.raises(NotAcknowledged):
        kp.ping()
    sim.silent = False
    assert kp.wait_state("ok", 5)
    assert rec.wait_for(lambda: rec.state_names() == ["ok", "missing", "ok"])
    assert rec.wait_for(lambda: any(isinstance(e, Heartbeat) for e in rec.events))


def test_unplug_and_replug_recovered(sim, keypad):
    kp, rec = keypad
    kp.enable_keys(True)
    sim.unplug()
    assert kp.wait_state("missing", 5)
    with pytest.raises(PortUnavailable):
        kp.ping()
    sim.replug()
    assert kp.wait_state("ok", 5)
    assert rec.wait_for(lambda: sum(isinstance(e, KeypadHello) for e in rec.events) == 2)
    assert not sim.keys_enabled  # it restarted: the app re-sends enable after a hello
    kp.enable_keys(True)
    sim.press(3)
    assert rec.wait_for(lambda: _keys(rec) == [3])
    states = [(c.previous, c.state) for c in rec.states]
    assert states == [(None, "ok"), ("ok", "missing"), ("missing", "ok")]
    assert "vanished" in rec.states[1].detail


def test_keypad_plugged_in_after_start(tmp_path):
    kp = open_keypad(str(tmp_path / "later"), heartbeat_s=HEARTBEAT_S, backoff=Backoff(0.02, 0.1))
    rec = Recorder(kp)
    kp.start()
    sim = KeypadSim(tmp_path / "later", heartbeat_s=HEARTBEAT_S)
    try:
        assert rec.wait_for(lambda: rec.state_names() == ["missing"])
        sim.start()
        assert kp.wait_state("ok", 5)
        assert sim.press("invite")
        assert rec.wait_for(lambda: _keys(rec) == ["invite"])
    finally:
        kp.stop()
        sim.stop()


def test_host_frames_with_a_bad_crc_are_ignored_by_the_keypad(sim, keypad):
    kp, _rec = keypad
    raw = bytearray(encode_frame(1, Cmd.ENABLE, b"\x01\x00"))
    raw[5] ^= 0xFF
    kp.write(bytes(raw))
    kp.ping()
    assert not sim.keys_enabled
    assert sim.record.pings == 1


def _host_frames(sim):
    from drivers.keypad.hk1 import Hk1Decoder

    return Hk1Decoder().feed(bytes(sim.host_bytes))
