"""`Hk1Keypad`: the host side of the `hk1` keypad protocol on a `SerialDevice`.

- Every keypad frame but ack/nak is answered at once on the reader thread (ack, or nak when it
  cannot be carried out); a frame repeating the SEQ of the previous one within `DEDUP_WINDOW_S`
  is acked again but not reported, so a resent key press counts once.
- Commands (`enable_keys`, `set_leds`, ...) are sent one at a time, wait `ack_timeout_s` for the
  ack, are resent up to `resends` times with the same SEQ, then raise `NotAcknowledged`.
- No valid frame for `missed_heartbeats` heartbeat periods: `missing` (or `fault` when bytes did
  arrive but none made a valid frame: wrong baud rate or protocol). The next valid frame: `ok`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from drivers.errors import DeviceError, NotAcknowledged, PortUnavailable
from drivers.keypad import hk1
from drivers.keypad.base import Keypad
from drivers.keypad.events import Heartbeat, KeypadHello, KeyPressed, Prompt
from drivers.keypad.hk1 import Cmd, Frame, NakReason

DEFAULT_HEARTBEAT_S = 2.0
DEFAULT_MISSED_HEARTBEATS = 3
ACK_TIMEOUT_S = 0.2
RESENDS = 3
DEDUP_WINDOW_S = 2.0  # longer than 4 sends x 200 ms, shorter than a reboot of either side
RESYNC_GAP_S = 0.1  # idle time after which a partial frame is given up


@dataclass
class _Pending:
    seq: int
    done: threading.Event = field(default_factory=threading.Event)
    nak: NakReason | int | None = None


@dataclass
class Hk1Stats:
    frames: int = 0
    duplicates: int = 0
    naks_sent: int = 0
    commands: int = 0
    resends: int = 0
    unacked: int = 0


class Hk1Keypad(Keypad):
    protocol: ClassVar[str] = "hk1"
    default_baudrate: ClassVar[int] = 9600

    def __init__(
        self,
        url: str,
        *,
        heartbeat_s: float = DEFAULT_HEARTBEAT_S,
        missed_heartbeats: int = DEFAULT_MISSED_HEARTBEATS,
        ack_timeout_s: float = ACK_TIMEOUT_S,
        resends: int = RESENDS,
        resync_gap_s: float = RESYNC_GAP_S,
        **device_options: Any,
    ) -> None:
        super().__init__(url, **device_options)
        self.heartbeat_s = heartbeat_s
        self.missed_heartbeats = missed_heartbeats
        self.ack_timeout_s = ack_timeout_s
        self.resends = resends
        self.resync_gap_s = resync_gap_s
        self.decoder = hk1.Hk1Decoder()
        self.stats = Hk1Stats()
        self.hello: KeypadHello | None = None
        self._seq = os.urandom(1)[0]  # a restarted host does not look like a resend
        self._command_lock = threading.Lock()
        self._pending: _Pending | None = None
        self._last_rx: tuple[int, float] | None = None  # (SEQ, when) of the last accepted frame
        self._last_valid_at = 0.0
        self._last_byte_at = 0.0
        self._bytes_since_valid = 0

    # -- commands (any thread but the reader) ---------------------------------------------------

    def enable_keys(self, on: bool, seconds: int = 0) -> None:
        if not 0 <= seconds <= 255:
            raise ValueError("hk1 enables keys for 0-255 seconds (0: until told otherwise)")
        self.send_command(Cmd.ENABLE, bytes((1 if on else 0, seconds)))

    def set_leds(self, levels: frozenset[int] = frozenset(), invite: bool = False) -> None:
        if not levels <= {1, 2, 3, 4, 5}:
            raise ValueError(f"LED levels are 1-5, not {sorted(levels)}")
        mask = sum(1 << (level - 1) for level in levels) | (hk1.LED_INVITE if invite else 0)
        self.send_command(Cmd.LEDS, bytes((mask,)))

    def beep(self, duration_ms: int = 100, count: int = 1) -> None:
        units = max(1, min(255, round(duration_ms / 10)))
        if not 1 <= count <= 10:
            raise ValueError("hk1 beeps 1-10 times")
        self.send_command(Cmd.BEEP, bytes((units, count)))

    def play_prompt(self, prompt: Prompt) -> None:
        self.send_command(Cmd.PROMPT, bytes((int(prompt),)))

    def ping(self) -> None:
        self.send_command(Cmd.PING)

    def send_command(self, cmd: int, data: bytes = b"") -> None:
        """Send one command and wait for its ack, resending with the same SEQ.

        Raises `NotAcknowledged` after 1 + `resends` unanswered sends, `DeviceError` on a nak,
        `PortUnavailable` when the port is not open. Never call it from a listener of this
        keypad's own reader thread (listeners run on the delivery thread, so they may)."""
        with self._command_lock:
            self._seq = (self._seq + 1) & 0xFF
            pending = _Pending(self._seq)
            frame = hk1.encode_frame(pending.seq, cmd, data)
            name = Frame(pending.seq, cmd).name
            self._pending = pending
            self.stats.commands += 1
            try:
                for attempt in range(1 + self.resends):
                    if attempt:
                        self.stats.resends += 1
                    self.write(frame)
                    if pending.done.wait(self.ack_timeout_s):
                        if pending.nak is not None:
                            raise DeviceError(
                                f"keypad refused command {cmd:02X} {name} (seq {pending.seq}): "
                                f"{_nak_text(pending.nak)}"
                            )
                        return
                self.stats.unacked += 1
                raise NotAcknowledged(
                    f"keypad did not acknowledge command {cmd:02X} {name} (seq {pending.seq}) "
                    f"after {1 + self.resends} sends, {self.ack_timeout_s * 1000:.0f} ms each"
                )
            finally:
                self._pending = None

    # -- reader-thread hooks --------------------------------------------------------------------

    def on_open(self) -> None:
        now = self.clock.monotonic()
        self.decoder.reset()
        self._last_rx = None
        self._last_valid_at = self._last_byte_at = now
        self._bytes_since_valid = 0

    def on_bytes(self, data: bytes, now: float) -> None:
        self._last_byte_at = now
        self._bytes_since_valid += len(data)
        for frame in self.decoder.feed(data):
            self._handle(frame, now)

    def on_tick(self, now: float) -> None:
        if self.decoder.pending and now - self._last_byte_at >= self.resync_gap_s:
            for frame in self.decoder.flush():
                self._handle(frame, now)
        if not self.heartbeat_s:
            return  # a keypad configured without heartbeats: only the port tells presence
        silent = now - self._last_valid_at
        limit = self.heartbeat_s * self.missed_heartbeats
        if self.state == "ok" and self.connected and silent >= limit:
            if self._bytes_since_valid:
                self.set_state(
                    "fault",
                    f"{self._bytes_since_valid} bytes but no valid hk1 frame in {silent:.1f} s "
                    "(wrong baud rate or protocol?)",
                )
            else:
                self.set_state(
                    "missing", f"no heartbeat for {silent:.1f} s ({self.missed_heartbeats} missed)"
                )

    # -- protocol ---------------------------------------------------------------------------------

    def _handle(self, frame: Frame, now: float) -> None:
        self.stats.frames += 1
        self._last_valid_at = now
        self._bytes_since_valid = 0
        if self.state != "ok" and self.connected:
            self.set_state("ok", f"keypad answering on {self.url}")
        if frame.cmd in (Cmd.ACK, Cmd.NAK):
            self._settle(frame)
            return
        event, nak = self._interpret(frame)
        self._reply(Cmd.NAK if nak else Cmd.ACK, frame.seq, nak)
        if (
            self._last_rx is not None
            and self._last_rx[0] == frame.seq
            and now - self._last_rx[1] < DEDUP_WINDOW_S
        ):
            self.stats.duplicates += 1
            return
        self._last_rx = (frame.seq, now)
        if event is not None:
            if isinstance(event, KeypadHello):
                self.hello = event
            self.emit(event)

    def _interpret(self, frame: Frame) -> tuple[object | None, NakReason | None]:
        if frame.cmd == Cmd.KEY:
            key = hk1.KEY_CODES.get(frame.data[0]) if len(frame.data) == 1 else None
            if key is None:
                return None, NakReason.BAD_DATA
            return KeyPressed(key, self.name), None
        if frame.cmd == Cmd.HELLO:
            hello = hk1.parse_hello(frame.data)
            if hello is None:
                return None, NakReason.BAD_DATA
            return KeypadHello(*hello, device=self.name), None
        if frame.cmd == Cmd.HEARTBEAT:
            return Heartbeat(self.name), None
        return None, NakReason.UNKNOWN_COMMAND

    def _settle(self, frame: Frame) -> None:
        pending = self._pending
        if pending is None or not frame.data or frame.data[0] != pending.seq:
            return  # a late ack for a command already given up on
        if frame.cmd == Cmd.NAK:
            pending.nak = _nak_reason(frame.data[1]) if len(frame.data) > 1 else 0
        pending.done.set()

    def _reply(self, cmd: Cmd, seq: int, reason: NakReason | None) -> None:
        data = bytes((seq,)) if reason is None else bytes((seq, int(reason)))
        if reason is not None:
            self.stats.naks_sent += 1
        with contextlib.suppress(PortUnavailable):  # the port just went: the reader loop reopens
            self.write(hk1.encode_frame(seq, cmd, data))


def _nak_reason(code: int) -> NakReason | int:
    try:
        return NakReason(code)
    except ValueError:
        return code


def _nak_text(reason: NakReason | int) -> str:
    if isinstance(reason, NakReason):
        return reason.name.lower().replace("_", " ")
    return f"reason {reason}" if reason else "no reason given"
