"""One way to record an event before the citizen is thanked: into the outbox, in order, then wake
the link; when the outbox refuses (a full disk, a locked or broken database), keep the event and
its successors in memory, in order, say so, and try again every `retry_s` until it is stored.

Used by both controllers (evaluator and kiosk), so neither calls `Outbox.put` itself and neither
lets a storage error out into the UI: the caller asks `is_pending(event)` and shows
`NOT_SAVED` until the event is in the outbox, and only then the thank-you (docs/contracts.md,
Delivery). Events held here are lost only if the process dies before the disk has room again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

from core.clock import Clock
from core.events import Event

log = logging.getLogger(__name__)

NOT_SAVED = "评价暂未保存，请稍候重试 / Rating not saved yet, retrying"
RETRY_S = 2.0  # how often an event the outbox refused is tried again


class EventSink(Protocol):
    """The durable outbox (`core.outbox.Outbox`) as the recorder uses it."""

    def put(self, event: Event) -> Event:
        """Store durably and return the event with its `seq`; raise when it cannot be stored."""
        ...


class Recorder:
    """Thread-safe; `tick()` (or `retry()`) drives the retries."""

    def __init__(
        self, sink: EventSink, clock: Clock, wake: Callable[[], None] = lambda: None, retry_s: float = RETRY_S
    ) -> None:
        self.sink = sink
        self.clock = clock
        self.wake = wake
        self.retry_s = retry_s
        self._lock = threading.Lock()
        self._pending: deque[Event] = deque()  # refused by the outbox, oldest first
        self._next_retry = 0.0
        self.last_error = ""

    def record(self, event: Event) -> bool:
        """Store `event` after every event still pending. True: it is in the outbox now."""
        with self._lock:
            self._pending.append(event)
            self._flush()
            return not self._holds(event)

    def retry(self) -> bool:
        """Try the pending events now (the citizen pressed again). True: none is left."""
        with self._lock:
            self._flush()
            return not self._pending

    def tick(self) -> bool:
        """Retry when due. True when something was stored by this call."""
        with self._lock:
            if not self._pending or self.clock.monotonic() < self._next_retry:
                return False
            before = len(self._pending)
            self._flush()
            return len(self._pending) < before

    def is_pending(self, event: Event) -> bool:
        with self._lock:
            return self._holds(event)

    @property
    def failing(self) -> bool:
        """Some event waits for the outbox (the device shows `NOT_SAVED` while its rating does)."""
        with self._lock:
            return bool(self._pending)

    def _holds(self, event: Event) -> bool:
        return any(e is event for e in self._pending)

    def _flush(self) -> None:
        stored = False
        while self._pending:
            event = self._pending[0]
            try:
                self.sink.put(event)
            except Exception as e:  # the outbox says why (sqlite3/OSError); anything else is a failure too
                if str(e) != self.last_error:
                    log.error("outbox refused %s %s: %s", event.TYPE, event.event_id, e)
                self.last_error = str(e)
                self._next_retry = self.clock.monotonic() + self.retry_s
                break
            self._pending.popleft()
            stored = True
        if not self._pending:
            self.last_error = ""
        if stored:
            self.wake()
