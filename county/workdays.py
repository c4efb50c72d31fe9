"""China's working days (工作日), as the county's rules count them (docs/county.md "Working days").

Three sources, in order:
1. the county's override file (TOML), for a year the State Council has announced but the
   `chinesecalendar` package does not ship yet (or a local extra holiday)::

       [2027]
       holidays = ["2027-01-01", "2027-02-06", ...]   # days off that would be working days
       workdays = ["2027-02-07", ...]                 # 调休: weekend days that are working days

   Listed days win; for a year the package does not know, a year in the file is fully known
   (its other days are Monday-Friday). A county's own extra holiday goes there too.
2. `chinesecalendar` (holidays and 调休 make-up working days, 2004-2026 in 1.11).
3. Neither: Monday-Friday, *provisional* (logged once per year, never an error).

A malformed override file raises `WorkCalendarError` whose text is one line naming the file,
the key and the reason: the service stops with it rather than count the wrong days.
"""

from __future__ import annotations

import logging
import threading
import tomllib
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

log = logging.getLogger("county.workdays")


class WorkCalendarError(Exception):
    """A county override file that cannot be used; `str()` is the one line to show."""


class _Year:
    __slots__ = ("holidays", "workdays")

    def __init__(self, holidays: set[date], workdays: set[date]) -> None:
        self.holidays = holidays
        self.workdays = workdays


def _parse_dates(path: Path, year: int, key: str, value: object) -> set[date]:
    where = f"{path}: [{year}] {key}"
    if not isinstance(value, list):
        raise WorkCalendarError(f'{where}: must be a list of dates like "{year}-10-01"')
    out: set[date] = set()
    for item in value:
        if isinstance(item, date):  # TOML's own local-date type: 2027-10-01 without quotes
            d = item
        elif isinstance(item, str):
            try:
                d = date.fromisoformat(item.strip())
            except ValueError:
                raise WorkCalendarError(f"{where}: {item!r} is not a date (YYYY-MM-DD)") from None
        else:
            raise WorkCalendarError(f"{where}: {item!r} is not a date (YYYY-MM-DD)")
        if d.year != year:
            raise WorkCalendarError(f"{where}: {d.isoformat()} is not in {year}")
        out.add(d)
    return out


def load_overrides(path: Path) -> dict[int, _Year]:
    """Read and check an override file; every problem is one line naming file, key and reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise WorkCalendarError(f"{path}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise WorkCalendarError(f"{path}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise WorkCalendarError(f"{path}: not valid TOML: {e}") from None
    years: dict[int, _Year] = {}
    for key, table in data.items():
        if not (key.isdigit() and len(key) == 4):
            raise WorkCalendarError(f"{path}: [{key}]: a table must be a year, like [2027]")
        if not isinstance(table, dict):
            raise WorkCalendarError(f"{path}: {key}: must be a table [{key}] with holidays and workdays")
        year = int(key)
        unknown = sorted(set(table) - {"holidays", "workdays"})
        if unknown:
            raise WorkCalendarError(f"{path}: [{year}] {unknown[0]}: unknown key (holidays, workdays)")
        holidays = _parse_dates(path, year, "holidays", table.get("holidays", []))
        workdays = _parse_dates(path, year, "workdays", table.get("workdays", []))
        both = sorted(holidays & workdays)
        if both:
            raise WorkCalendarError(
                f"{path}: [{year}] workdays: {both[0].isoformat()} is listed as a holiday too"
            )
        years[year] = _Year(holidays, workdays)
    return years


class WorkCalendar:
    """`is_workday`, `add_workdays`, `is_provisional` over the package and the county's overrides."""

    def __init__(self, override_file: Path | None = None) -> None:
        self.override_file = override_file
        self._years = load_overrides(override_file) if override_file is not None else {}
        self._warned: set[int] = set()
        self._lock = threading.Lock()
        self._cache: dict[date, tuple[bool, bool]] = {}

    def _lookup(self, d: date) -> tuple[bool, bool]:
        """(is a working day, provisional)."""
        hit = self._cache.get(d)
        if hit is not None:
            return hit
        y = self._years.get(d.year)
        if y is not None and d in y.holidays:
            result = (False, False)
        elif y is not None and d in y.workdays:
            result = (True, False)
        else:
            try:
                result = (bool(chinese_calendar.is_workday(d)), False)
            except NotImplementedError:
                # a year in the override file is known: its unlisted days are Monday-Friday
                result = (d.weekday() < 5, y is None)
                if y is None:
                    self._warn(d.year)
        self._cache[d] = result
        return result

    def _warn(self, year: int) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        log.warning(
            "working days of %d are not known (chinesecalendar has no data, no override file entry):"
            " counting Monday-Friday, provisional · %d年工作日未知，暂按周一至周五计算",
            year,
            year,
        )

    def is_workday(self, d: date) -> bool:
        return self._lookup(d)[0]

    def is_provisional(self, d: date) -> bool:
        """Whether `d` was counted Monday-Friday for want of the year's official calendar."""
        return self._lookup(d)[1]

    def add_workdays(self, d: date, n: int) -> date:
        """The `n`-th working day after `d` (`d` itself does not count); `n` = 0: `d`."""
        if n < 0:
            raise ValueError("n must be >= 0")
        left = n
        while left > 0:
            d += timedelta(days=1)
            if self.is_workday(d):
                left -= 1
        return d

    def span_provisional(self, start: date, end: date) -> bool:
        """Whether any day in [start, end] was counted provisionally (a due date to flag)."""
        return (
            self.is_provisional(start)
            or self.is_provisional(end)
            or any(self.is_provisional(date(y, 1, 1)) for y in range(start.year, end.year + 1))
        )

    def last_day_finished_before(self, day: date, n: int) -> date:
        """The latest finishing day F with `add_workdays(F, n) < day` (its window closed before `day`)."""
        f = day - timedelta(days=1)
        while self.add_workdays(f, n) >= day:
            f -= timedelta(days=1)
        return f
