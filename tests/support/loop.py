"""Helpers for the county loop tests: a store on either backend, a clock at a China-time moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import CHINA_TZ, FakeClock
from core.events import RatingEvent
from core.levels import Level
from county.store import EventStore
from tests.support.events import rating


def clock_at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> FakeClock:
    return FakeClock(datetime(year, month, day, hour, minute, tzinfo=CHINA_TZ).timestamp())


def bad_rating(store: EventStore, when: datetime, **over: Any) -> RatingEvent:
    """Store a 差评 rated at `when`; returns the event."""
    fields: dict[str, Any] = {
        "level": Level.DISSATISFIED,
        "reasons": ["R01"],
        "invited_at": when,
        "rated_at": when,
    }
    fields.update(over)
    e = rating(**fields)
    assert store.store_batch([e]) == ["stored"]
    return e
