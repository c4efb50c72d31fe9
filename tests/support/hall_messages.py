"""What a hall view is fed in tests: a device's status payload and a rating, at a fake clock's time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.clock import FakeClock, epoch_ms, now
from core.events import RatingEvent
from core.levels import Level
from core.messages import DeviceStatus


def status_payload(clock: FakeClock, state: Any, session: int, **kw: Any) -> bytes:
    """The retained status of device h1/ev-01 (an evaluator) as it would arrive."""
    return DeviceStatus(
        hall_id="h1",
        device_id="ev-01",
        kind="evaluator",
        state=state,
        session=session,
        timestamp=epoch_ms(clock),
        **kw,
    ).to_json()


def rating_now(clock: FakeClock, level: int, **kw: Any) -> RatingEvent:
    """A keypad rating from h1/ev-01 window w1, rated at the clock's now, invited 3 s before."""
    t = now(clock)
    return RatingEvent(
        hall_id="h1",
        device_id="ev-01",
        window_id="w1",
        region_code="110101",
        channel=5,
        input="keypad",
        level=Level(level),
        invited_at=t - timedelta(seconds=3),
        rated_at=t,
        **kw,
    )
