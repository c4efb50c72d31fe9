"""The ID card reader driver: GA 467 over any pyserial URL, polling find → select → read.

Runs entirely on the `SerialDevice` reader thread as a small state machine (`on_tick` sends, `on_bytes`
answers, a deadline catches silence), so there is no extra thread and nothing blocks.

Events (to listeners added with `add_listener(on_event=...)`):
- `CardRead(card)`: a card was placed and read; reported once per placement;
- `CardRemoved()`: the reported card left the reader (find answered 80 `removal_polls` times in a row);
- `CardReadFailed(error)`: a card is on the reader but could not be read after `attempts` tries
  (select failed, authentication failed, read failed, data not in the ID card layout). Reported once;
  the next card (after removal) is tried afresh.

State (`add_listener(on_state=...)`, names of `core.messages.PeripheralState`): `ok`; `missing` (port
gone, reopened with backoff by the base); `fault` (the SAM reports a fault: 23, 24, 60, 66, or keeps
rejecting our frames); `offline` (port open, reader silent). Any good answer brings it back to `ok`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from drivers.device import SerialDevice
from drivers.errors import DeviceError, PortUnavailable
from drivers.idcard.card import CardDataError, IdCard, parse_base_info
from drivers.idcard.ga467 import (
    Command,
    Ga467Decoder,
    Response,
    SamError,
    StatusKind,
    encode_request,
    error_for,
    expect_answer_to,
    plausible_response,
)

log = logging.getLogger(__name__)

# Bytes of the longest answer to each command (for the time it takes at the configured baud rate).
_ANSWER_BYTES = {Command.READ_BASE_INFO: 1295, Command.SAM_ID: 28}


@dataclass(frozen=True)
class CardRead:
    card: IdCard  # its repr masks the name and ID number


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class CardReadFailed:
    error: DeviceError

    @property
    def detail(self) -> str:
        return str(self.error)


def format_sam_id(data: bytes) -> str:
    """The SAM serial (16 bytes) in the form reader makers print: `05.01-20101012-0123456789-0123456789`."""
    if len(data) < 16:
        return data.hex()
    le = [int.from_bytes(data[a:b], "little") for a, b in ((0, 2), (2, 4), (4, 8), (8, 12), (12, 16))]
    return f"{le[0]:02d}.{le[1]:02d}-{le[2]:08d}-{le[3]:010d}-{le[4]:010d}"


class IdCardReader(SerialDevice):
    kind: ClassVar[str] = "idcard"
    default_baudrate: ClassVar[int] = 115200

    def __init__(
        self,
        url: str,
        *,
        poll_interval_s: float = 0.25,
        answer_timeout_s: float = 0.5,
        card_timeout_s: float = 2.0,
        removal_polls: int = 2,
        attempts: int = 3,
        silent_polls: int = 3,
        **options: Any,
    ) -> None:
        """`options` go to `SerialDevice` (baudrate, name, clock, backoff, port_options, ...).

        poll_interval_s: pause between find-card polls; answer_timeout_s / card_timeout_s: how long
        to wait for an answer / for a card read (plus the time the bytes take at the baud rate);
        removal_polls: "no card" answers in a row that mean the card was lifted; attempts: tries
        per placement before a read failure is reported; silent_polls: unanswered requests in a row
        before the reader is `offline`.
        """
        super().__init__(url, **options)
        self.poll_interval_s = poll_interval_s
        self.answer_timeout_s = answer_timeout_s
        self.card_timeout_s = card_timeout_s
        self.removal_polls = removal_polls
        self.attempts = attempts
        self.silent_polls = silent_polls
        self.sam_id: str | None = None  # "" if the reader does not tell
        self.decoder = Ga467Decoder(accept=plausible_response)
        self._reset_session()

    # -- per connection ---------------------------------------------------------------------------

    def _reset_session(self) -> None:
        self.decoder.clear()
        self._pending: Command | None = None  # command in flight
        self._deadline = 0.0
        self._next_poll = 0.0
        self._present = False  # a card was reported (read or failed) and has not left yet
        self._read_again = False  # set by read_again() from any thread
        self._absent_polls = 0
        self._failures = 0
        self._rejected = 0
        self._silent = 0

    def read_again(self) -> None:
        """Report the card on the reader once more, without it being lifted (the app lost what it
        read, e.g. it keeps no ID number after a failed query). Safe from any thread: the reader
        thread acts on it at its next poll. No card on the reader: nothing happens."""
        self._read_again = True

    def on_open(self) -> None:
        self._reset_session()
        self._send(Command.SAM_ID, self.clock.monotonic())

    def on_close(self) -> None:
        if self._present:
            # The reader went away with a card on it: that card is no longer "placed".
            self._present = False
            self.emit(CardRemoved())
        self._pending = None

    # -- the state machine ------------------------------------------------------------------------

    def _timeout_for(self, command: Command) -> float:
        wire_s = _ANSWER_BYTES.get(command, 32) * 10 / self.baudrate
        base = self.card_timeout_s if command is Command.READ_BASE_INFO else self.answer_timeout_s
        return base + 2 * wire_s

    def _send(self, command: Command, now: float) -> None:
        try:
            self.write(encode_request(command))
        except PortUnavailable:
            self._pending = None  # the base reopens the port and calls on_open
            return
        self._pending = command
        self.decoder.accept = expect_answer_to(command)
        self._deadline = now + self._timeout_for(command)

    def _poll_later(self, now: float) -> None:
        self._pending = None
        self.decoder.accept = plausible_response  # nothing in flight: any well-shaped answer
        self._next_poll = now + self.poll_interval_s

    def on_tick(self, now: float) -> None:
        if self._pending is not None:
            if now < self._deadline:
                return
            # Idle line: a half frame will never complete (a corrupted LEN can make one swallow the
            # answer); the answer may still be in the buffer behind it.
            bodies = self.decoder.flush()
            if bodies:
                self._take(bodies, now)
                return
            self._silent += 1
            if self._silent >= self.silent_polls and self.state != "offline":
                detail = f"ID card reader on {self.url} does not answer ({self.baudrate} baud)"
                self.set_state("offline", detail)
            self._poll_later(now)
            return
        if now >= self._next_poll:
            self._send(Command.FIND_CARD if self.sam_id is not None else Command.SAM_ID, now)

    def on_bytes(self, data: bytes, now: float) -> None:
        self._take(self.decoder.feed(data), now)

    def _take(self, bodies: list[bytes], now: float) -> None:
        for body in bodies:
            if self._pending is None:
                log.debug("%s: unsolicited answer dropped", self.name)
                continue
            try:
                self._answer(self._pending, Response.from_body(body), now)
            except ValueError:  # a frame too short to be a response: treat like noise
                continue

    def _answer(self, command: Command, response: Response, now: float) -> None:
        self._silent = 0
        kind = response.info.kind
        if command is Command.SAM_ID and kind in (StatusKind.REQUEST, StatusKind.CARD, StatusKind.NO_CARD):
            # Some readers do not implement 12 FF: the SAM id is for logs only, so poll anyway.
            self.sam_id = ""
            self._poll_later(now)
            return
        if kind is StatusKind.REQUEST:
            # The reader saw a corrupted request: send it again, and give up being "ok" if it persists.
            self._rejected += 1
            if self._rejected >= self.attempts:
                self.set_state("fault", f"ID card reader keeps rejecting requests: {response.info.text()}")
                self._rejected = 0
                self._poll_later(now)
            else:
                self._send(command, now)
            return
        self._rejected = 0
        if kind is StatusKind.SAM:
            self.set_state("fault", str(error_for(response.sw3, command)))
            self._poll_later(now)
            return
        if self.state != "ok":
            self.set_state("ok", f"ID card reader answering on {self.url}")

        if command is Command.SAM_ID:
            if response.ok:
                self.sam_id = format_sam_id(response.data)
                log.info("%s: SAM %s", self.name, self.sam_id)
            self._poll_later(now)
        elif command is Command.FIND_CARD:
            self._on_find(response, now)
        elif command is Command.SELECT_CARD:
            if response.ok:
                self._send(Command.READ_BASE_INFO, now)
            else:
                self._card_failed(error_for(response.sw3, command), now)
        elif command is Command.READ_BASE_INFO:
            if not response.ok:
                self._card_failed(error_for(response.sw3, command), now)
                return
            try:
                card = parse_base_info(response.data)
            except CardDataError as err:
                self._card_failed(err, now)
                return
            self._present = True
            self._failures = 0
            self.emit(CardRead(card))
            self._poll_later(now)
        else:  # RESET / STATUS are not part of the poll loop
            self._poll_later(now)

    def _on_find(self, response: Response, now: float) -> None:
        if response.info.kind is StatusKind.NO_CARD:
            self._failures = 0
            self._read_again = False  # nothing to read again: the next card is new anyway
            if self._present:
                self._absent_polls += 1
                if self._absent_polls >= self.removal_polls:
                    self._present = False
                    self._absent_polls = 0
                    self.emit(CardRemoved())
            self._poll_later(now)
            return
        self._absent_polls = 0
        if self._read_again:
            self._read_again = self._present = False
            self._failures = 0
        if self._present:
            self._poll_later(now)  # the card we reported is still there
        elif response.ok:
            self._send(Command.SELECT_CARD, now)
        else:
            self._card_failed(error_for(response.sw3, Command.FIND_CARD), now)

    def _card_failed(self, error: SamError | CardDataError, now: float) -> None:
        if isinstance(error, SamError) and error.info.kind is StatusKind.NO_CARD:
            self._poll_later(now)  # lifted mid-read: nothing to report
            return
        self._failures += 1
        log.info("%s: card attempt %d failed: %s", self.name, self._failures, error)
        if self._failures >= self.attempts:
            self._failures = 0
            self._present = True  # report once; wait for the card to leave
            self.emit(CardReadFailed(error))
        self._poll_later(now)
