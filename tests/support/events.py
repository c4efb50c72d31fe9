"""Valid events for tests, built in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clock import CHINA_TZ
from core.events import RatingEvent, StaffRef


def rating(
    hall: str = "hall-1", device: str = "eval-01", *, level: int = 5, case_id: str | None = None, **kw: object
) -> RatingEvent:
    rated = datetime.now(CHINA_TZ)
    fields: dict[str, object] = {
        "hall_id": hall,
        "device_id": device,
        "window_id": "w01",
        "region_code": "110101",
        "channel": 5,
        "input": "keypad",
        "case_id": case_id,
        "staff": [StaffRef(id="s001", name="王芳")],
        "level": level,
        "invited_at": rated - timedelta(seconds=5),
        "rated_at": rated,
    }
    fields.update(kw)
    return RatingEvent.model_validate(fields)
