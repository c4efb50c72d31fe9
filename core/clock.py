"""Time sources. Controllers take a `Clock` so tests can drive time by hand."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

# Halls run on Beijing time; events carry the offset explicitly (RFC 3339).
CHINA_TZ = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch (for timestamps)."""
        ...

    def monotonic(self) -> float:
        """Seconds that never go backwards (for timeouts)."""
        ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_763_000_000.0) -> None:
        self._wall = start
        self._mono = 1000.0

    def time(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._wall += seconds
        self._mono += seconds


def now(clock: Clock, tz: timezone = CHINA_TZ) -> datetime:
    """An aware datetime for `clock`'s wall time, in the hall's time zone."""
    return datetime.fromtimestamp(clock.time(), tz)


def epoch_ms(clock: Clock) -> int:
    return int(clock.time() * 1000)
