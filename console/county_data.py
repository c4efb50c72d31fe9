"""The county store as the console reads it: work orders (county/workorders.py), statistics
(county/stats.py, the one definition of every number) and the working-day calendar.

The store's connection is shared, and web requests run on a thread pool, so every use goes
through `lock`: one statement batch at a time, as the county service itself does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from core.clock import Clock
from core.clock import now as clock_now
from county.cases import CaseStore
from county.stats import FinishedCases
from county.store import EventStore
from county.workdays import WorkCalendar
from county.workorders import WorkOrderBook


@dataclass
class CountyData:
    store: EventStore
    calendar: WorkCalendar
    clock: Clock
    cases: FinishedCases | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def book(self) -> WorkOrderBook:
        return WorkOrderBook(self.store, self.calendar, self.clock)

    def today(self) -> date:
        return clock_now(self.clock).date()

    def workdays_left(self, due: date) -> int:
        """Working days from tomorrow up to and including `due` (0: due today; negative: overdue)."""
        today = self.today()
        if due < today:
            return -sum(
                1
                for i in range(1, (today - due).days + 1)
                if self.calendar.is_workday(due + timedelta(days=i))
            )
        return sum(
            1 for i in range(1, (due - today).days + 1) if self.calendar.is_workday(today + timedelta(days=i))
        )


def open_cases(path: str | None, key_file: Path | None) -> FinishedCases | None:
    """The case store for 评价率, when the console is told where it and its key are (read only:
    the console never creates the key, so it cannot fork the county's ID hashing)."""
    if not path or key_file is None or not key_file.exists():
        return None
    return CaseStore(path, key_file.read_bytes())
