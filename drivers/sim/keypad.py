"""`KeypadSim`: an `hk1` rating keypad on a pseudo-terminal (`hall-sim keypad`).

It behaves as the documented keypad (docs/keypad-hk1.md): says hello when plugged in, sends
heartbeats, sends key frames and resends them (same SEQ) until acked, acks host commands and
obeys them (enable, LEDs, beep, prompt), drops repeated SEQs. And it misbehaves on request:
withholds acks, ignores the host's acks, sends garbage, truncated and corrupted frames, resends a
frame, goes silent, unplugs. Everything it did and got is recorded for tests to assert.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from drivers.keypad import hk1
from drivers.keypad.events import Key
from drivers.keypad.hk1 import Cmd, Frame, NakReason
from drivers.keypad.hk1_driver import ACK_TIMEOUT_S, DEDUP_WINDOW_S, DEFAULT_HEARTBEAT_S, RESENDS
from drivers.sim.base import ConsoleCommand, ConsoleError, Simulator, float_arg
from drivers.sim.main import SimSpec

KEY_BYTES = hk1.KEY_BYTES


@dataclass
class _Outgoing:
    frame: Frame
    raw: bytes
    first_sent: float
    last_sent: float
    sends: int = 1


@dataclass
class SentFrame:
    """A reliable frame the keypad sent, and how it ended."""

    frame: Frame
    sends: int = 1
    acked: bool | None = None  # None while in flight; False: given up after all resends
    ack_after_s: float | None = None  # from the first send to the ack


@dataclass
class KeypadRecord:
    """What the host made the keypad do."""

    commands: list[Frame] = field(default_factory=list)  # executed commands (repeats dropped)
    duplicates: int = 0  # host frames dropped as repeated SEQ
    leds: int = 0
    beeps: list[tuple[int, int]] = field(default_factory=list)  # (duration ms, count)
    prompts: list[int] = field(default_factory=list)
    enables: list[tuple[bool, int]] = field(default_factory=list)
    pings: int = 0
    acks_from_host: list[int] = field(default_factory=list)  # SEQs the host acked
    ignored_presses: list[Key] = field(default_factory=list)  # pressed while keys were disabled


class KeypadSim(Simulator):
    name: ClassVar[str] = "keypad"

    def __init__(
        self,
        link: str | os.PathLike[str] | None = None,
        *,
        heartbeat_s: float | None = DEFAULT_HEARTBEAT_S,
        serial: str = "HK1-SIM-0001",
        firmware: tuple[int, int] = (1, 0),
        ack_timeout_s: float = ACK_TIMEOUT_S,
        resends: int = RESENDS,
        hello_on_plug: bool = True,
        keys_enabled: bool = False,
    ) -> None:
        super().__init__(link)
        self.heartbeat_s = heartbeat_s
        self.serial = serial
        self.firmware = firmware
        self.ack_timeout_s = ack_timeout_s
        self.resends = resends
        self.hello_on_plug = hello_on_plug
        self.keys_enabled_at_power_up = keys_enabled
        # misbehaviour switches
        self.withhold_acks = False  # do not ack host commands (nor carry them out)
        self.ignore_host_acks = False  # act as if the host's acks never arrived: resend
        self.silent = False  # a hung keypad: no heartbeats, no acks, no frames
        self.record = KeypadRecord()
        self.sent: list[SentFrame] = []
        self._decoder = hk1.Hk1Decoder()
        self._seq = 0
        self._queue: list[Frame] = []
        self._inflight: _Outgoing | None = None
        self._last_raw: bytes | None = None
        self._last_host: tuple[int, float] | None = None
        self._last_rx_byte = 0.0
        self._enabled = keys_enabled
        self._enabled_until: float | None = None
        self._next_heartbeat = 0.0
        self._power_up()

    # -- the keypad's buttons and behaviour (any thread) ----------------------------------------

    @property
    def keys_enabled(self) -> bool:
        with self.lock:
            self._expire_enable(time.monotonic())
            return self._enabled

    def press(self, key: Key) -> bool:
        """Press a key; False when the keypad ignores it (rating keys while disabled)."""
        with self.lock:
            if key != "invite" and not self.keys_enabled:
                self.record.ignored_presses.append(key)
                return False
            self.send_reliable(Cmd.KEY, bytes((KEY_BYTES[key],)))
            return True

    def send_hello(self) -> None:
        with self.lock:
            self.send_reliable(Cmd.HELLO, hk1.hello_data(self.firmware, self.serial))

    def send_heartbeat(self) -> None:
        with self.lock:
            self.send_reliable(Cmd.HEARTBEAT)

    def send_reliable(self, cmd: int, data: bytes = b"") -> Frame:
        """Queue a frame that is resent until acked (one in flight at a time, like the MCU)."""
        with self.lock:
            frame = Frame(self._next_seq(), cmd, data)
            self._queue.append(frame)
            self._pump(time.monotonic())
            return frame

    def resend_last(self) -> bytes:
        """Send the last reliable frame again at once, same SEQ (as if its ack got lost)."""
        with self.lock:
            if self._last_raw is None:
                raise ConsoleError("nothing sent yet")
            self.send(self._last_raw)
            return self._last_raw

    def send_truncated(self, key: Key = 5) -> bytes:
        """The first part of a key frame only (cable pulled mid-frame, or line noise)."""
        raw = hk1.encode_frame(self._peek_seq(), Cmd.KEY, bytes((KEY_BYTES[key],)))
        cut = raw[: random.randrange(2, len(raw) - 1)]
        self.send(cut)
        return cut

    def send_corrupted(self, key: Key = 5) -> bytes:
        """A key frame with one bit flipped in LEN..CRC: the host must not accept it."""
        raw = bytearray(hk1.encode_frame(self._peek_seq(), Cmd.KEY, bytes((KEY_BYTES[key],))))
        pos = random.randrange(2, len(raw) - 1)  # SEQ..CRC: LEN and ETX changes are framing errors
        raw[pos] ^= 1 << random.randrange(8)
        self.send(bytes(raw))
        return bytes(raw)

    def send_garbage(self, n: int = 16) -> bytes:
        data = os.urandom(n)
        self.send(data)
        return data

    # -- simulator hooks (simulator thread, under self.lock) ------------------------------------

    def on_plug(self) -> None:
        self._power_up()
        if self.hello_on_plug and not self.silent:
            self.send_hello()

    def on_unplug(self) -> None:
        self._power_up()

    def on_host_bytes(self, data: bytes) -> None:
        now = time.monotonic()
        self._last_rx_byte = now
        for frame in self._decoder.feed(data):
            self._on_host_frame(frame, now)

    def on_tick(self, now: float) -> None:
        if self._decoder.pending and now - self._last_rx_byte > 0.1:
            for frame in self._decoder.flush():
                self._on_host_frame(frame, now)
        self._expire_enable(now)
        if not self.plugged or self.silent:
            return
        if self.heartbeat_s and now >= self._next_heartbeat:
            self._next_heartbeat = now + self.heartbeat_s
            self.send_reliable(Cmd.HEARTBEAT)
        self._pump(now)

    # -- internals --------------------------------------------------------------------------------

    def _power_up(self) -> None:
        self._seq = 0
        self._queue = []
        self._inflight = None
        self._last_raw = None
        self._last_host = None
        self._enabled = self.keys_enabled_at_power_up
        self._enabled_until = None
        self._next_heartbeat = time.monotonic() + (self.heartbeat_s or 0)
        self._decoder.reset()

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq = (self._seq + 1) & 0xFF
        return seq

    def _peek_seq(self) -> int:
        return self._seq

    def _pump(self, now: float) -> None:
        """Send the next queued frame, or resend/give up on the one in flight."""
        out = self._inflight
        if out is not None:
            if now - out.last_sent < self.ack_timeout_s:
                return
            entry = self._sent_entry(out.frame)
            if out.sends > self.resends:
                entry.acked = False
                self._inflight = out = None
            else:
                out.sends += 1
                out.last_sent = now
                entry.sends = out.sends
                self._write(out.raw)
                return
        if self._queue and not self.silent:
            frame = self._queue.pop(0)
            raw = frame.encode()
            self._inflight = _Outgoing(frame, raw, now, now)
            self.sent.append(SentFrame(frame))
            self._write(raw)

    def _write(self, raw: bytes) -> None:
        self._last_raw = raw
        self.send(raw)

    def _sent_entry(self, frame: Frame) -> SentFrame:
        for entry in reversed(self.sent):
            if entry.frame is frame:
                return entry
        raise LookupError(frame)

    def _on_host_frame(self, frame: Frame, now: float) -> None:
        if self.silent:
            return
        if frame.cmd in (Cmd.ACK, Cmd.NAK):
            out = self._inflight
            if frame.data and not self.ignore_host_acks:
                self.record.acks_from_host.append(frame.data[0])
                if out is not None and frame.data[0] == out.frame.seq:
                    entry = self._sent_entry(out.frame)
                    entry.acked = frame.cmd == Cmd.ACK
                    entry.ack_after_s = now - out.first_sent
                    self._inflight = None
                    self._pump(now)
            return
        if self.withhold_acks:
            return
        nak = self._check(frame)
        repeat = (
            self._last_host is not None
            and self._last_host[0] == frame.seq
            and now - self._last_host[1] < DEDUP_WINDOW_S
        )
        if repeat:
            self.record.duplicates += 1
        else:
            self._last_host = (frame.seq, now)
            if nak is None:
                self._execute(frame, now)  # carried out before the ack goes: an ack means done
        reply = bytes((frame.seq,)) if nak is None else bytes((frame.seq, int(nak)))
        self.send(hk1.encode_frame(frame.seq, Cmd.NAK if nak else Cmd.ACK, reply))

    def _check(self, frame: Frame) -> NakReason | None:
        sizes = {Cmd.LEDS: 1, Cmd.BEEP: 2, Cmd.PROMPT: 1, Cmd.ENABLE: 2, Cmd.PING: 0}
        try:
            cmd = Cmd(frame.cmd)
        except ValueError:
            return NakReason.UNKNOWN_COMMAND
        if cmd not in sizes:
            return NakReason.UNKNOWN_COMMAND
        if len(frame.data) != sizes[cmd]:
            return NakReason.BAD_DATA
        if cmd == Cmd.PROMPT and frame.data[0] not in (1, 2, 3):
            return NakReason.BAD_DATA
        return None

    def _execute(self, frame: Frame, now: float) -> None:
        self.record.commands.append(frame)
        d = frame.data
        if frame.cmd == Cmd.LEDS:
            self.record.leds = d[0]
        elif frame.cmd == Cmd.BEEP:
            self.record.beeps.append((d[0] * 10, d[1]))
        elif frame.cmd == Cmd.PROMPT:
            self.record.prompts.append(d[0])
        elif frame.cmd == Cmd.ENABLE:
            self._enabled = bool(d[0])
            self._enabled_until = now + d[1] if d[0] and d[1] else None
            self.record.enables.append((bool(d[0]), d[1]))
        elif frame.cmd == Cmd.PING:
            self.record.pings += 1

    def _expire_enable(self, now: float) -> None:
        if self._enabled_until is not None and now >= self._enabled_until:
            self._enabled = False
            self._enabled_until = None

    # -- hall-sim console -----------------------------------------------------------------------

    def console_commands(self) -> dict[str, ConsoleCommand]:
        c = super().console_commands()
        c["press"] = ConsoleCommand(self._c_press, "press KEY", "press 1-5, invite, confirm or cancel")
        for key in ("invite", "confirm", "cancel"):
            c[key] = ConsoleCommand(self._c_press_key(key), key, f"press the {key} key")
        c["hello"] = ConsoleCommand(lambda a: self._done(self.send_hello), "hello", "send hello")
        c["heartbeat"] = ConsoleCommand(
            lambda a: self._done(self.send_heartbeat), "heartbeat", "send one heartbeat"
        )
        c["heartbeats"] = ConsoleCommand(self._c_heartbeats, "heartbeats SECONDS|off", "heartbeat period")
        c["silent"] = ConsoleCommand(self._c_flag("silent"), "silent on|off", "hang: send and answer nothing")
        c["withhold"] = ConsoleCommand(
            self._c_flag("withhold_acks"), "withhold on|off", "do not ack host commands"
        )
        c["deaf"] = ConsoleCommand(
            self._c_flag("ignore_host_acks"), "deaf on|off", "ignore the host's acks (so resend)"
        )
        c["resend"] = ConsoleCommand(
            lambda a: f"resent {self.resend_last().hex(' ')}", "resend", "send the last frame again"
        )
        c["truncated"] = ConsoleCommand(
            lambda a: f"sent {self.send_truncated().hex(' ')}", "truncated", "send a cut-off key frame"
        )
        c["corrupted"] = ConsoleCommand(
            lambda a: f"sent {self.send_corrupted().hex(' ')}", "corrupted", "send a key frame with a bad bit"
        )
        c["show"] = ConsoleCommand(lambda a: self.describe(), "show", "LEDs, enable, prompts, beeps")
        return c

    def describe(self) -> str:
        r = self.record
        return (
            f"enabled={self.keys_enabled} leds={r.leds:02x} prompts={r.prompts} beeps={r.beeps} "
            f"pings={r.pings} commands={len(r.commands)} ignored={r.ignored_presses}"
        )

    def _c_press(self, args: list[str]) -> str:
        if len(args) != 1:
            raise ConsoleError("press needs one key: 1-5, invite, confirm or cancel")
        word = args[0].lower()
        key: Key | None = next((k for k in KEY_BYTES if str(k) == word), None)
        if key is None:
            raise ConsoleError(f"no key {args[0]!r}: 1-5, invite, confirm or cancel")
        return f"pressed {key}" if self.press(key) else f"ignored {key} (keys disabled)"

    def _c_press_key(self, key: str) -> Callable[[list[str]], str]:
        return lambda args: self._c_press([key])

    def _c_heartbeats(self, args: list[str]) -> str:
        with self.lock:
            if args and args[0] == "off":
                self.heartbeat_s = None
                return "heartbeats off"
            self.heartbeat_s = float_arg(args, 0, DEFAULT_HEARTBEAT_S)
            self._next_heartbeat = time.monotonic()
            return f"heartbeat every {self.heartbeat_s} s"

    def _c_flag(self, attr: str) -> Callable[[list[str]], str]:
        def run(args: list[str]) -> str:
            if not args or args[0] not in ("on", "off"):
                raise ConsoleError("say on or off")
            with self.lock:
                setattr(self, attr, args[0] == "on")
            return f"{attr} {args[0]}"

        return run

    @staticmethod
    def _done(action: Callable[[], None]) -> str:
        action()
        return "sent"


def _keypad_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--heartbeat", type=float, default=DEFAULT_HEARTBEAT_S, help="seconds; 0 = none")
    parser.add_argument("--serial", default="HK1-SIM-0001", help="serial number in the hello frame")
    parser.add_argument("--keys-enabled", action="store_true", help="power up with rating keys enabled")


SPEC = SimSpec(
    help="评价器按键 · rating keypad speaking hk1",
    build=lambda a: KeypadSim(
        a.link, heartbeat_s=a.heartbeat or None, serial=a.serial, keys_enabled=a.keys_enabled
    ),
    add_arguments=_keypad_arguments,
)
