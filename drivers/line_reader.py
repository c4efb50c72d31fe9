"""Line readers: barcode/QR scanners and staff-card readers that send one code per line.

`LineDecoder` (pure, fed bytes) splits lines at the configured terminator and strips the
configured prefix/suffix; `RepeatFilter` reports a code read again within `interval_s` of its last
*reported* read once (the window does not slide on the reads it ignores: a clerk who thinks the
swipe failed and keeps swiping is heard again after `interval_s`); `LineReader` runs both on a
`SerialDevice` and emits `CodeRead` events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from core.clock import Clock, SystemClock
from drivers.device import SerialDevice

Terminator = Literal["CR", "LF", "CRLF", "ANY"]
TERMINATORS: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}
_ANY = re.compile(rb"\r\n|\r|\n")

DEFAULT_MAX_LENGTH = 4096
DEFAULT_REPEAT_INTERVAL_S = 2.0
DEFAULT_LINE_GAP_S = 0.5  # a line's bytes come in one burst; a tail older than this is a fragment


@dataclass(frozen=True)
class CodeRead:
    """One scanned code (or staff card number), terminator and prefix/suffix removed."""

    device: str
    code: str


class LineDecoder:
    """Bytes in, complete codes out. Never raises on input; bad lines are counted in `rejected`.

    A line is rejected when it is longer than `max_length` bytes (the rest up to the next
    terminator is skipped too), does not decode in `encoding`, or is empty after stripping.
    """

    def __init__(
        self,
        terminator: Terminator = "ANY",
        *,
        prefix: str = "",
        suffix: str = "",
        encoding: str = "utf-8",
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> None:
        if terminator != "ANY" and terminator not in TERMINATORS:
            raise ValueError(f"terminator must be CR, LF, CRLF or ANY, not {terminator!r}")
        self.terminator = terminator
        self.prefix = prefix
        self.suffix = suffix
        self.encoding = encoding
        self.max_length = max_length
        self.rejected = 0
        self._buffer = bytearray()
        self._skipping = False  # inside an over-long line: drop up to the next terminator

    def feed(self, data: bytes) -> list[str]:
        self._buffer += data
        codes: list[str] = []
        while True:
            span = self._find_terminator()
            if span is None:
                break
            start, end = span
            line = bytes(self._buffer[:start])
            del self._buffer[:end]
            if self._skipping:
                self._skipping = False
                continue
            code = self._accept(line)
            if code is not None:
                codes.append(code)
        if len(self._buffer) > self.max_length:
            # Keep a trailing CR: it may be the first half of a CRLF.
            keep = 1 if self._buffer.endswith(b"\r") else 0
            del self._buffer[: len(self._buffer) - keep]
            if not self._skipping:
                self.rejected += 1
            self._skipping = True
        return codes

    def reset(self) -> None:
        self._buffer.clear()
        self._skipping = False

    def drop_partial(self) -> bool:
        """Forget a line that never got its terminator (the line went idle); True if there was one."""
        had = bool(self._buffer.strip(b"\r\n"))
        if had and not self._skipping:
            self.rejected += 1
        self.reset()
        return had

    @property
    def pending(self) -> int:
        """Bytes held waiting for a terminator."""
        return len(self._buffer)

    def _find_terminator(self) -> tuple[int, int] | None:
        if self.terminator == "ANY":
            m = _ANY.search(self._buffer)
            if m is None:
                return None
            # A CR ends the line at once; the LF of a CRLF then ends an empty line, dropped.
            return m.start(), m.end()
        term = TERMINATORS[self.terminator]
        i = self._buffer.find(term)
        return None if i < 0 else (i, i + len(term))

    def _accept(self, line: bytes) -> str | None:
        if len(line) > self.max_length:
            self.rejected += 1
            return None
        try:
            text = line.decode(self.encoding)
        except (UnicodeDecodeError, LookupError):
            self.rejected += 1
            return None
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        if not text:
            if line:  # a bare terminator (e.g. the LF of a CRLF in ANY mode) is not an error
                self.rejected += 1
            return None
        return text


class RepeatFilter:
    """True for a code not reported in the last `interval_s` seconds (0 disables the filter).

    Measured from the last time the code was *reported*, not last seen: a window that slid on
    every read ignored a clerk who kept swiping for as long as they kept swiping.
    """

    def __init__(self, interval_s: float = DEFAULT_REPEAT_INTERVAL_S, clock: Clock | None = None) -> None:
        self.interval_s = interval_s
        self.clock: Clock = clock or SystemClock()
        self._seen: dict[str, float] = {}

    def accept(self, code: str) -> bool:
        now = self.clock.monotonic()
        if len(self._seen) > 64:
            self._seen = {c: t for c, t in self._seen.items() if now - t < self.interval_s}
        last = self._seen.get(code)
        if last is not None and now - last < self.interval_s:
            return False
        self._seen[code] = now
        return True


class LineReader(SerialDevice):
    """A scanner or staff-card reader on a serial port; emits `CodeRead`."""

    kind: ClassVar[str] = "scanner"
    default_baudrate: ClassVar[int] = 9600

    def __init__(
        self,
        url: str,
        *,
        terminator: Terminator = "ANY",
        prefix: str = "",
        suffix: str = "",
        encoding: str = "utf-8",
        repeat_interval_s: float = DEFAULT_REPEAT_INTERVAL_S,
        line_gap_s: float = DEFAULT_LINE_GAP_S,
        **device_options: Any,
    ) -> None:
        super().__init__(url, **device_options)
        self.decoder = LineDecoder(terminator, prefix=prefix, suffix=suffix, encoding=encoding)
        self.repeats = RepeatFilter(repeat_interval_s, self.clock)
        self.line_gap_s = line_gap_s
        self._last_byte_at = 0.0

    def on_open(self) -> None:
        self.decoder.reset()

    def on_bytes(self, data: bytes, now: float) -> None:
        self._last_byte_at = now
        for code in self.decoder.feed(data):
            if self.repeats.accept(code):
                self.emit(CodeRead(self.name, code))

    def on_tick(self, now: float) -> None:
        # A fragment with no terminator (noise, a scan cut short) must not be glued onto the
        # next code: give it up once the line has been idle for `line_gap_s`.
        if self.decoder.pending and now - self._last_byte_at >= self.line_gap_s:
            self.decoder.drop_partial()


class StaffCardReader(LineReader):
    kind: ClassVar[str] = "staffcard"
