"""The working-day calendar: China's official holidays and 调休, the county override file, and
years nobody knows yet (Monday-Friday, provisional, logged once)."""

import logging
from datetime import date, timedelta

import pytest

from county.workdays import WorkCalendar, WorkCalendarError


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_national_day_week_2026(cal):
    # Oct 1-7 off; Saturday Oct 10 is a 调休 working day
    assert [cal.is_workday(date(2026, 10, d)) for d in range(1, 8)] == [False] * 7
    assert cal.is_workday(date(2026, 10, 10)) and not cal.is_workday(date(2026, 10, 11))
    assert cal.is_workday(date(2026, 9, 20))  # the Sunday before is made up too
    # finished Tue Sep 29: Sep 30, Oct 8, 9, 10 (Sat), 12 -> rateable to the end of Oct 12
    assert cal.add_workdays(date(2026, 9, 29), 5) == date(2026, 10, 12)
    assert not cal.is_provisional(date(2026, 10, 10))


def test_spring_festival_2026(cal):
    assert cal.is_workday(date(2026, 2, 14))  # Saturday, 调休
    assert not any(cal.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert cal.is_workday(date(2026, 2, 28))  # Saturday, 调休
    assert cal.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # a 差评 on Feb 12: 13, 14 (Sat), 24, 25, 26, 27, 28 (Sat), Mar 2, 3, 4 -> due Mar 4
    assert cal.add_workdays(date(2026, 2, 12), 10) == date(2026, 3, 4)


def test_plain_weeks_and_zero(cal):
    assert cal.add_workdays(date(2026, 11, 20), 5) == date(2026, 11, 27)  # Fri -> next Fri
    assert cal.add_workdays(date(2026, 11, 21), 0) == date(2026, 11, 21)
    with pytest.raises(ValueError):
        cal.add_workdays(date(2026, 11, 21), -1)


def test_window_closed_before_a_day(cal):
    # a case finished Sep 29 has its window closed before Oct 13, not before Oct 12
    assert cal.last_day_finished_before(date(2026, 10, 13), 5) == date(2026, 9, 29)
    assert cal.last_day_finished_before(date(2026, 10, 12), 5) == date(2026, 9, 28)


def test_unknown_year_is_monday_to_friday_provisional_logged_once(cal, caplog):
    caplog.set_level(logging.WARNING, "county.workdays")
    monday = date(2031, 1, 6)
    assert cal.is_workday(monday) and cal.is_provisional(monday)
    assert not cal.is_workday(monday + timedelta(days=5))  # Saturday
    assert cal.add_workdays(date(2031, 1, 2), 5) == date(2031, 1, 9)
    for d in range(1, 60):
        cal.is_workday(date(2031, 1, 1) + timedelta(days=d))
    cal.is_workday(date(2032, 3, 1))
    lines = [r.getMessage() for r in caplog.records]
    assert sum("2031" in m for m in lines) == 1 and sum("2032" in m for m in lines) == 1
    assert cal.span_provisional(date(2030, 12, 20), date(2031, 1, 5))
    assert not cal.span_provisional(date(2026, 12, 1), date(2026, 12, 15))


OVERRIDE = """
# 国务院办公厅关于2031年部分节假日安排的通知 (as a county would enter it)
[2031]
holidays = ["2031-01-01", 2031-01-02]
workdays = ["2031-01-04"]

[2026]
holidays = ["2026-11-30"]  # a county's own day off
"""


def test_override_file(tmp_path, caplog):
    f = tmp_path / "workdays.toml"
    f.write_text(OVERRIDE, encoding="utf-8")
    cal = WorkCalendar(f)
    caplog.set_level(logging.WARNING, "county.workdays")
    assert not cal.is_workday(date(2031, 1, 1)) and not cal.is_workday(date(2031, 1, 2))
    assert cal.is_workday(date(2031, 1, 4))  # Saturday 调休
    assert cal.is_workday(date(2031, 1, 6)) and not cal.is_provisional(date(2031, 1, 6))
    assert cal.add_workdays(date(2030, 12, 31), 2) == date(2031, 1, 4)  # Fri 3rd, Sat 4th
    assert caplog.records == []  # 2031 is known now: nothing provisional to log
    # 2026: the extra day off, and the package's own 调休 still count
    assert not cal.is_workday(date(2026, 11, 30)) and cal.is_workday(date(2026, 12, 1))
    assert cal.is_workday(date(2026, 10, 10))


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("[2031\nholidays = []", "not valid TOML"),
        ("[next]\nholidays = []", "[next]: a table must be a year"),
        ('[2031]\nholidays = "2031-01-01"', "[2031] holidays: must be a list"),
        ('[2031]\nholidays = ["2031-13-01"]', "[2031] holidays: '2031-13-01' is not a date"),
        ('[2031]\nworkdays = ["2030-12-28"]', "[2031] workdays: 2030-12-28 is not in 2031"),
        ('[2031]\nholiday = ["2031-01-01"]', "[2031] holiday: unknown key"),
        (
            '[2031]\nholidays = ["2031-01-01"]\nworkdays = ["2031-01-01"]',
            "2031-01-01 is listed as a holiday too",
        ),
        ("[2031]\nholidays = [7]", "[2031] holidays: 7 is not a date"),
    ],
)
def test_bad_override_file_is_one_line_with_file_and_key(tmp_path, text, expect):
    f = tmp_path / "workdays.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(WorkCalendarError) as e:
        WorkCalendar(f)
    msg = str(e.value)
    assert "\n" not in msg and str(f) in msg and expect in msg, msg


def test_missing_override_file(tmp_path):
    with pytest.raises(WorkCalendarError, match="cannot read"):
        WorkCalendar(tmp_path / "nope.toml")


def test_the_example_override_file_in_the_docs_works(tmp_path):
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "county.md").read_text(encoding="utf-8")
    block = text.split("# /etc/hall/workdays.toml", 1)[1].split("\n", 1)[1].split("```", 1)[0]
    f = tmp_path / "workdays.toml"
    f.write_text(block, encoding="utf-8")
    cal = WorkCalendar(f)
    assert cal.is_workday(date(2027, 2, 6)) and not cal.is_workday(date(2027, 2, 8))
    assert not cal.is_provisional(date(2027, 3, 1)) and not cal.is_workday(date(2026, 11, 30))
