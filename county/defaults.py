"""System default ratings (系统默认评价): 基本满意 for a finished case nobody rated in its window.

A finished case may be rated until the end of the `window_days`-th working day after the day it
finished (China time). From the first moment of the next day the county stores, for each case and
round without a rating, a rating of level 3, channel 7, `input` "default", `system_default` true,
with `event_id` = UUIDv5 of (case_id, assess_number): made twice, or by two receivers at once, it
is stored once (the store's one-rating-per-case-round rule and the event id both hold). A device's
rating arriving later for that round is a `duplicate`.

`apply_defaults(..., as_of=D)` runs as at the first moment of day D: the service calls it with
today, `hall-county apply-defaults --as-of D` with any day (backfills).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from pydantic import ValidationError

from core.clock import CHINA_TZ
from core.events import CHANNEL_SYSTEM_DEFAULT, RatingEvent, StaffRef
from core.levels import Level
from core.payload import one_line
from core.topics import ID_PATTERN
from county.cases import CaseStore, FinishedCase
from county.store import EventStore
from county.workdays import WorkCalendar

log = logging.getLogger("county.defaults")

# Fixed forever: the same (case_id, assess_number) always gives the same event id.
NAMESPACE = uuid.UUID("6f1c2a8e-5b0d-5c1e-9a43-0c7d2e6b4f10")
DEFAULT_DEVICE = "county"  # the `device_id` of a system default (no device made it)
_ID_RE = re.compile(f"^{ID_PATTERN}$")


def default_event_id(case_id: str, assess_number: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{case_id}\x1f{assess_number}"))


@dataclass
class DefaultsResult:
    as_of: date
    considered: int = 0  # finished cases whose window closed before as_of
    already_rated: int = 0
    results: Counter[str] = field(default_factory=Counter)  # stored / duplicate (raced another run)

    @property
    def stored(self) -> int:
        return self.results["stored"]

    def line(self) -> str:
        return (
            f"system defaults as of {self.as_of.isoformat()}: {self.considered} finished cases past their"
            f" window, {self.already_rated} rated already, {self.stored} defaults stored,"
            f" {self.results['duplicate']} made meanwhile by another run"
            + (f", {self.results['skipped']} cases skipped (see the log)" if self.results["skipped"] else "")
        )


class DefaultMaker:
    """Builds the default rating of a case; `window_end` cached per finishing day."""

    def __init__(self, calendar: WorkCalendar, window_days: int, hall_id: str, region_code: str) -> None:
        self.calendar = calendar
        self.window_days = window_days
        self.hall_id = hall_id
        self.region_code = region_code
        self._ends: dict[date, date] = {}

    def window_end(self, finished: date) -> date:
        """The last day a case finished on `finished` may be rated."""
        end = self._ends.get(finished)
        if end is None:
            end = self._ends[finished] = self.calendar.add_workdays(finished, self.window_days)
        return end

    def event(self, case: FinishedCase) -> RatingEvent:
        """The default of `case` (validated like any event: a case store row that does not fit is an
        error here, never a bad row in the ratings). A window id the rating contract does not take
        is left out rather than losing the default."""
        try:
            return self._event(case, case.window_id)
        except ValidationError as e:
            if case.window_id is None or not any(err["loc"][:1] == ("window_id",) for err in e.errors()):
                raise
            return self._event(case, None)

    def _event(self, case: FinishedCase, window: str | None) -> RatingEvent:
        finished = case.finished_at.astimezone(CHINA_TZ)
        rated_at = datetime.combine(self.window_end(finished.date()) + timedelta(days=1), time(0), CHINA_TZ)
        hall = case.hall_id if case.hall_id and _ID_RE.match(case.hall_id) else self.hall_id
        staff = [
            StaffRef(id=s["id"][:50], name=s["name"][:50])
            for s in case.staff[:10]
            if s.get("id") and s.get("name")
        ]
        return RatingEvent(
            event_id=default_event_id(case.case_id, case.rating_round),
            hall_id=hall,
            device_id=DEFAULT_DEVICE,
            window_id=window,
            region_code=self.region_code,
            channel=CHANNEL_SYSTEM_DEFAULT,
            input="default",
            case_id=case.case_id[:50],
            assess_number=1 if case.rating_round == 1 else 2,
            item_code=case.item_code[:50] or None,
            item_name=case.item_name[:200] or None,
            staff=staff,
            level=Level.BASICALLY_SATISFIED,
            reasons=[],
            comment="",
            public=True,
            invited_at=min(finished, rated_at),
            rated_at=rated_at,
            system_default=True,
        )


def apply_defaults(
    store: EventStore,
    cases: CaseStore,
    calendar: WorkCalendar,
    as_of: date,
    *,
    window_days: int = 5,
    hall_id: str = "county",
    region_code: str = "000000",
    since: date | None = None,
    batch: int = 5000,
) -> DefaultsResult:
    """Store the default of every finished case whose window closed before `as_of` and has no rating."""
    maker = DefaultMaker(calendar, window_days, hall_id, region_code)
    last_day = calendar.last_day_finished_before(as_of, window_days)
    found = cases.finished_before(last_day + timedelta(days=1), since)
    # the text bound is China time; a stray other offset is checked here again
    due = [c for c in found if c.finished_at.astimezone(CHINA_TZ).date() <= last_day]
    out = DefaultsResult(as_of=as_of, considered=len(due))
    rated = store.rated_pairs(sorted({c.case_id for c in due}))
    todo = [c for c in due if (c.case_id, c.rating_round) not in rated]
    out.already_rated = len(due) - len(todo)
    for i in range(0, len(todo), batch):
        events: list[RatingEvent] = []
        for c in todo[i : i + batch]:
            try:
                events.append(maker.event(c))
            except ValidationError as e:  # one odd case row must not hold up every other default
                out.results["skipped"] += 1
                log.warning("no system default for case %s: %s", c.case_id, one_line(e))
        if events:
            out.results.update(store.store_batch(events))
    if out.stored:
        log.info("%s", out.line())
    return out
