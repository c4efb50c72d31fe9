"""Helpers for serial tests: collect a driver's events and states, wait for conditions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from drivers.device import SerialDevice, StateChange


class Recorder:
    """Listener that records events and state changes and lets a test wait for them."""

    def __init__(self, device: SerialDevice | None = None) -> None:
        self.events: list[Any] = []
        self.states: list[StateChange] = []
        self._cond = threading.Condition()
        if device is not None:
            device.add_listener(self.on_event, self.on_state)

    def on_event(self, event: Any) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def on_state(self, change: StateChange) -> None:
        with self._cond:
            self.states.append(change)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def wait_events(self, n: int, timeout: float = 5.0) -> list[Any]:
        assert self.wait_for(lambda: len(self.events) >= n, timeout), f"got {self.events}, wanted {n}"
        return list(self.events)

    def state_names(self) -> list[str]:
        with self._cond:
            return [c.state for c in self.states]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
