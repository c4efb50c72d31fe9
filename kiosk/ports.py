"""What the kiosk controller needs from the world, as small protocols.

The app wires the real parts (the MQTT link, the outbox, the serial drivers, a worker thread that
posts results back to the Kivy main loop); tests wire fakes of the outermost edge only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from core.events import Event
from core.payload import Payload
from kiosk.receipt import Receipt


class Requester(Protocol):
    """MQTT 5 request/response (`core.link.Link.request`); raises on timeout or no connection."""

    def request(self, topic: str, payload: Payload, timeout: float) -> bytes: ...


class RatingOutbox(Protocol):
    """The durable outbox (`core.outbox.Outbox`), as far as the kiosk uses it."""

    def put(self, event: Event) -> Event: ...

    def outcome(self, event_id: str) -> tuple[str, str | None] | None: ...


class CardData(Protocol):
    """A resident ID card as the GA 467 driver reads it (only what the kiosk looks at)."""

    @property
    def name(self) -> str: ...

    @property
    def id_number(self) -> str: ...


class PrinterError(Exception):
    """The receipt could not be printed; `state` says why (`paper_out`, `missing`, `fault`)."""

    def __init__(self, state: str, detail: str = "") -> None:
        super().__init__(detail or state)
        self.state = state


class ReceiptPrinter(Protocol):
    def print_receipt(self, receipt: Receipt) -> None:
        """Print, or raise `PrinterError`. Blocking (serial I/O): called on a worker."""
        ...


Done = Callable[[Any], None]


class Worker(Protocol):
    """Runs blocking jobs (a query, a print) off the UI thread and hands back the result.

    `done` receives the job's return value or the exception it raised, on the UI thread.
    """

    def submit(self, job: Callable[[], Any], done: Done) -> None: ...


class ThreadWorker:
    """One short-lived thread per job; `post` moves the result onto the UI thread.

    `post` is e.g. `lambda fn: kivy.clock.Clock.schedule_once(lambda _dt: fn(), 0)`.
    """

    def __init__(self, post: Callable[[Callable[[], None]], None]) -> None:
        self._post = post

    def submit(self, job: Callable[[], Any], done: Done) -> None:
        def run() -> None:
            try:
                result: Any = job()
            except Exception as e:  # handed to the controller, which shows what went wrong
                result = e
            self._post(lambda: done(result))

        threading.Thread(target=run, name="kiosk-job", daemon=True).start()
