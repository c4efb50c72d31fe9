"""Valid events for tests (no citizen data, like the real ones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from core.events import CHANNEL_HALL_TERMINAL, RatingEvent, SigninEvent, StaffRef
from core.levels import Level

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 9, 30, tzinfo=CST)


def rating(hall: str = "test-hall", device: str = "eval-01", **over: Any) -> RatingEvent:
    fields: dict[str, Any] = {
        "hall_id": hall,
        "device_id": device,
        "window_id": "w-03",
        "region_code": "110101",
        "channel": CHANNEL_HALL_TERMINAL,
        "input": "keypad",
        "case_id": None,
        "assess_number": 1,
        "item_code": "11110000000000000A",
        "item_name": "居民身份证换领",
        "staff": [StaffRef(id="s-007", name="李明")],
        "level": Level.VERY_SATISFIED,
        "reasons": [],
        "comment": "",
        "public": True,
        "invited_at": T0,
        "rated_at": T0 + timedelta(seconds=8),
    }
    fields.update(over)
    return RatingEvent(**fields)


def signin(hall: str = "test-hall", device: str = "eval-01", **over: Any) -> SigninEvent:
    fields: dict[str, Any] = {
        "hall_id": hall,
        "device_id": device,
        "window_id": "w-03",
        "staff": StaffRef(id="s-007", name="李明"),
        "at": datetime.now(UTC),
    }
    fields.update(over)
    return SigninEvent(**fields)
