"""The receipt printer driver: ESC/POS bytes to any pyserial URL, state from real-time status.

The reader thread asks `DLE EOT 1/2/4` every `status_interval_s` and before each print, and turns the
answers into the device state: `ok`, `paper_out`, `offline` (printer says offline, cover open, or
does not answer), `missing` (port gone; the base reopens with backoff). The app never gets an
exception for printer trouble: `print_bytes` returns a `PrintResult` that says what happened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from core.messages import PeripheralState
from drivers.device import SerialDevice
from drivers.errors import PortUnavailable
from drivers.printer.status import QUERIES, PrinterStatus, interpret, is_status_byte, query


@dataclass(frozen=True)
class PrintResult:
    printed: bool
    state: PeripheralState
    detail: str


class ReceiptPrinter(SerialDevice):
    kind: ClassVar[str] = "printer"
    default_baudrate: ClassVar[int] = 9600

    def __init__(
        self,
        url: str,
        *,
        status_interval_s: float = 2.0,
        status_timeout_s: float = 0.5,
        silent_polls: int = 2,
        chunk_size: int = 256,
        **options: Any,
    ) -> None:
        """`options` go to `SerialDevice` (baudrate, name, clock, backoff, port_options such as
        `{"rtscts": True}` for printers with hardware flow control, ...)."""
        super().__init__(url, **options)
        self.chunk_size = chunk_size
        self.status_interval_s = status_interval_s
        self.status_timeout_s = status_timeout_s
        self.silent_polls = silent_polls
        self.last_status: PrinterStatus | None = None
        self._cond = threading.Condition()
        self._requested = 0  # status refreshes asked for by callers
        self._served = 0  # the highest request a finished status cycle covers
        self._reset_cycle()
        self._next_cycle = 0.0
        self._silent = 0

    @property
    def paper_near_end(self) -> bool:
        return self.last_status is not None and self.last_status.paper_near_end

    # -- status cycle (reader thread) ---------------------------------------------------------------

    def _reset_cycle(self) -> None:
        self._answers: list[int] = []
        self._in_cycle = False
        self._cycle_covers = 0
        self._deadline = 0.0

    def on_open(self) -> None:
        self._reset_cycle()
        self._next_cycle = 0.0
        self._silent = 0

    def on_close(self) -> None:
        self._reset_cycle()
        self._finish_requests()  # waiting callers learn at once that the printer is gone

    def _ask(self, now: float) -> None:
        try:
            self.write(query(QUERIES[len(self._answers)]))
        except PortUnavailable:
            self._reset_cycle()
            return
        self._deadline = now + self.status_timeout_s

    def on_tick(self, now: float) -> None:
        if self._in_cycle:
            if now >= self._deadline:
                self._silent += 1
                self.last_status = None  # no fresh answer: do not print on an old one
                if self._silent >= self.silent_polls:
                    self.set_state("offline", f"打印机无应答 / printer does not answer on {self.url}")
                self._reset_cycle()
                self._next_cycle = now + self.status_interval_s
                self._finish_requests()
            return
        with self._cond:
            wanted = self._requested > self._served
            covers = self._requested
        if wanted or now >= self._next_cycle:
            self._in_cycle = True
            self._cycle_covers = covers
            self._answers = []
            self._ask(now)

    def on_bytes(self, data: bytes, now: float) -> None:
        for value in data:
            if not self._in_cycle or not is_status_byte(value):
                continue  # noise, or an answer that came after its timeout
            self._answers.append(value)
            if len(self._answers) < len(QUERIES):
                self._ask(now)
                continue
            status = interpret(*self._answers)
            self._silent = 0
            self.last_status = status
            self.set_state(status.state, status.detail)
            covers = self._cycle_covers
            self._reset_cycle()
            self._next_cycle = now + self.status_interval_s
            self._finish_requests(covers)

    def _finish_requests(self, covers: int | None = None) -> None:
        with self._cond:
            self._served = max(self._served, self._requested if covers is None else covers)
            self._cond.notify_all()

    # -- for the app --------------------------------------------------------------------------------

    def refresh_status(self, timeout: float = 2.0) -> PrinterStatus | None:
        """Ask the printer now and wait for its answer; None if it is missing or silent."""
        if not self.connected:
            return None
        with self._cond:
            self._requested += 1
            mine = self._requested
            answered = self._cond.wait_for(lambda: self._served >= mine, timeout)
        return self.last_status if answered and self.connected else None

    def print_bytes(self, data: bytes, timeout: float = 2.0) -> PrintResult:
        """Print a rendered receipt if the printer is ready; say why not otherwise. Never raises for
        printer trouble (missing, offline, paper out)."""
        status = self.refresh_status(timeout)
        if status is None or status.state != "ok":
            return PrintResult(False, self.state, self.detail)
        try:
            # In pieces: each must go out within the port's write timeout even at 9600 baud.
            for start in range(0, len(data), self.chunk_size):
                self.write(data[start : start + self.chunk_size])
        except PortUnavailable as err:
            return PrintResult(False, "missing", str(err))
        after = self.refresh_status(timeout)
        if after is not None and after.state == "paper_out":
            return PrintResult(False, after.state, "打印中缺纸 / paper ran out while printing")
        return PrintResult(True, self.state, self.detail)
