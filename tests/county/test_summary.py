"""The daily summary (county/summary.py) against the ratings, on both backends: random ratings
stored the way receivers and the system-default job store them (batches, resends, a case rated
twice, clerks renamed, missing windows, clerks and items), some approved invalid on appeal; then
the summary equals a recount of the ratings, and every statistic read from it equals the same
statistic counted from the ratings, for every grouping and many periods."""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.clock import CHINA_TZ
from core.events import RatingEvent, StaffRef
from core.levels import Level
from county import summary
from county.stats import BY, compute, compute_from_ratings, rates
from county.store import EventStore, open_store
from county.workdays import WorkCalendar
from county.workorders import WorkOrderBook
from tests.support.events import rating
from tests.support.loop import clock_at

FIRST, LAST = date(2026, 9, 20), date(2027, 1, 10)  # spans the October holidays and New Year
HALLS = ["h1", "h2", "h3"]
# one clerk renamed halfway (two names for one id), one window-less kiosk, items with a code
# but no name, and an item spelled "" beside one without a code (the statistics show them as one)
CLERKS = [StaffRef(id="s1", name="王芳"), StaffRef(id="s1", name="王芳芳"), StaffRef(id="s2", name="李强")]
ITEMS: list[tuple[str | None, str | None]] = [
    ("A", "alpha"),
    ("B", "beta"),
    ("C", None),
    ("", "gamma"),
    (None, "delta"),
    (None, None),
]


@pytest.fixture
def store(database_url):
    s: EventStore = open_store(database_url)
    yield s
    s.close()


def random_ratings(rnd: random.Random, n: int) -> list[Any]:
    span = (
        datetime.combine(LAST, datetime.min.time(), CHINA_TZ) - datetime(2026, 9, 20, tzinfo=CHINA_TZ)
    ).days
    out = []
    for _ in range(n):
        day = FIRST + timedelta(days=rnd.randrange(span))
        # some at 23:xx China time, some given in UTC near midnight: the China-time day counts
        at = datetime(
            day.year, day.month, day.day, rnd.choice((0, 9, 15, 23)), rnd.randrange(60), tzinfo=CHINA_TZ
        )
        if rnd.random() < 0.2:
            at = at.astimezone(UTC)
        default = rnd.random() < 0.1
        level = Level.BASICALLY_SATISFIED if default else Level(rnd.choice((1, 2, 3, 4, 5, 5, 5)))
        code, name = rnd.choice(ITEMS)
        out.append(
            rating(
                hall=rnd.choice(HALLS),
                window_id=rnd.choice(("w-01", "w-02", "w-03", None)),
                staff=rnd.choice(([], [CLERKS[0]], [CLERKS[1]], [CLERKS[2], CLERKS[0]])),
                item_code=code,
                item_name=name,
                channel=7 if default else rnd.choice((3, 4, 5)),
                input="default" if default else "keypad",
                system_default=default,
                level=level,
                reasons=["R01"] if level.is_bad else [],
                case_id=f"C-{rnd.randrange(n * 2)}" if rnd.random() < 0.7 else None,  # some rated twice
                invited_at=at,
                rated_at=at,
            )
        )
    return out


def periods(rnd: random.Random, n: int) -> list[tuple[date, date]]:
    fixed = [
        (FIRST, LAST),
        (date(2026, 10, 1), date(2026, 10, 31)),
        (LAST, LAST),
        (date(2027, 2, 1), date(2027, 2, 28)),
    ]
    out = []
    for _ in range(n):
        first = FIRST + timedelta(days=rnd.randrange(-5, 110))
        out.append((first, first + timedelta(days=rnd.choice((0, 1, 6, 30, rnd.randrange(120))))))
    return fixed + out


@pytest.mark.parametrize("seed", [1, 2])
def test_statistics_from_the_summary_equal_the_ratings_over_many_periods(store, seed):
    rnd = random.Random(seed)
    events = random_ratings(rnd, 600)
    stored: list[RatingEvent] = []
    i = 0
    while i < len(events):
        batch = events[i : i + rnd.choice((1, 5, 40))]
        i += len(batch)
        if stored and rnd.random() < 0.3:
            batch = batch + rnd.sample(stored, min(3, len(stored)))  # resends: duplicates, not counted
        results = store.store_batch(batch)
        stored += [e for e, r in zip(batch, results, strict=True) if r == "stored" and e not in stored]
    assert 0 < store.count("ratings") < len(events)  # some case rounds were rated twice
    # some 差评 appealed and approved invalid (申诉 认定无效), some appealed and rejected
    clock = clock_at(2027, 1, 11, 9)
    book = WorkOrderBook(store, WorkCalendar(), clock)
    orders = book.list()
    for w in rnd.sample(orders, len(orders) // 2):
        book.act(w.id, "appeal", "李", "manager", "误评")
        book.act(w.id, rnd.choice(("approve_invalid", "reject_appeal")), "县", "admin", "核实")
    # and, directly, a system default made invalid (no work order can do it; the summary can)
    default = next(e for e in stored if e.system_default)
    with store.transaction() as cur:
        assert summary.mark_invalid(store, cur, default.event_id)
        assert not summary.mark_invalid(store, cur, default.event_id)  # once only
        assert not summary.mark_invalid(store, cur, "no-such-rating")

    assert summary.differences(store) == []
    for first, last in periods(rnd, 25):
        for hall in (None, "h1", "h3", "nohall"):
            for by in BY:
                got = compute(store, first, last, by, hall)
                assert got == compute_from_ratings(store, first, last, by, hall), (first, last, by, hall)
    whole = compute(store, FIRST, LAST, "hall").total
    assert whole.invalid >= 2 and whole.defaults >= 10 and whole.active > 300  # the data had them all
    assert rates(store, FIRST, LAST).active == whole.active
