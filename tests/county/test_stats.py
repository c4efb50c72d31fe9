"""Statistics (county/stats.py) against a small table worked out by hand, on both backends."""

from datetime import UTC, date, datetime

import pytest

from core.clock import CHINA_TZ
from core.events import StaffRef
from core.levels import Level
from county.cases import CaseRecord, CaseStore
from county.stats import BY, compute, rates
from county.store import EventStore, open_store
from county.workdays import WorkCalendar
from county.workorders import WorkOrderBook
from tests.support.events import rating
from tests.support.loop import clock_at

NOV1, NOV30 = date(2026, 11, 1), date(2026, 11, 30)
STAFF = {"s1": "王芳", "s2": "李强", "s3": "张伟"}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CHINA_TZ)


# n: (hall, window, staff, item, channel, level, rated_at, case) -- the table the numbers below come from
TABLE = {
    1: ("h1", "w-01", "s1", "A", 5, 5, at(11, 2), "C1"),
    2: ("h1", "w-01", "s1", "A", 5, 4, at(11, 2), None),
    3: ("h1", "w-01", "s1", "A", 4, 1, at(11, 3), None),  # 差评: work order, closed late
    4: ("h1", "w-02", "s2", "B", 5, 3, at(11, 3), None),
    5: ("h1", "w-02", "s2", "B", 7, 3, at(11, 4), "C2"),  # system default
    6: ("h2", "w-01", "s3", "A", 3, 2, at(11, 4), "C3"),  # 差评 approved invalid on appeal
    7: ("h2", "w-01", "s3", "A", 5, 5, at(11, 30), None),
    8: ("h1", "w-01", "s1", "A", 5, 5, at(10, 31), "C5"),  # October
    9: ("h1", "w-01", "s1", "A", 5, 4, datetime(2026, 11, 30, 16, 30, tzinfo=UTC), None),  # Dec 1 in China
    10: ("h1", "w-02", "s2", "B", 5, 1, at(10, 20), None),  # 差评 in October, due Nov 3, closed on time
    11: ("h1", "w-02", "s2", "B", 5, 2, at(11, 5), None),  # 差评, not visited, due Nov 19, open
}


@pytest.fixture
def store(database_url):
    """Each test runs on both backends (`database_url` is parametrised)."""
    s: EventStore = open_store(database_url)
    yield s
    s.close()


@pytest.fixture
def filled(store):
    return fill_table(store)


def fill_table(store: EventStore) -> EventStore:
    """Store TABLE and act on its work orders as the comments in TABLE say."""
    ids = {}
    for n, (hall, window, staff, item, channel, level, when, case) in TABLE.items():
        default = channel == 7
        e = rating(
            hall=hall,
            window_id=window,
            staff=[StaffRef(id=staff, name=STAFF[staff])],
            item_code=item,
            item_name=f"事项{item}",
            channel=channel,
            level=Level(level),
            case_id=case,
            reasons=["R01"] if level <= 2 else [],
            invited_at=when,
            rated_at=when,
            input="default" if default else "keypad",
            system_default=default,
        )
        assert store.store_batch([e]) == ["stored"]
        ids[n] = e.event_id
    clock = clock_at(2026, 11, 2, 9, 0)
    book = WorkOrderBook(store, WorkCalendar(), clock)
    wo = {w.event_id: w.id for w in book.list()}
    assert len(wo) == 4  # #3, #6, #10, #11 (the default opens none)

    def move_to(month, day):
        clock.advance(at(month, day, 9).timestamp() - clock.time())

    for step in ("visit", "rectify", "close"):
        book.act(wo[ids[10]], step, "李", "manager", "done")  # closed Nov 2, due Nov 3: on time
    move_to(11, 4)
    book.act(wo[ids[3]], "visit", "李", "manager", "回访")
    book.act(wo[ids[3]], "rectify", "李", "manager", "整改")
    book.act(wo[ids[6]], "appeal", "张", "manager", "误评")
    book.act(wo[ids[6]], "approve_invalid", "县", "admin", "核实")
    move_to(11, 18)
    book.act(wo[ids[3]], "close", "李", "manager", "")  # due Nov 17: late
    return store


def lv(*counts):
    return {str(i + 1): c for i, c in enumerate(counts)}


def test_by_hall(filled):
    s = compute(filled, NOV1, NOV30, "hall")
    rows = {r.key: r for r in s.rows}
    assert list(rows) == ["h1", "h2"]
    h1, h2 = rows["h1"], rows["h2"]
    assert (h1.levels, h1.active, h1.defaults, h1.invalid) == (lv(1, 1, 1, 1, 1), 5, 1, 0)
    assert (h1.good_rate, h1.bad_rate) == (0.4, 0.4)
    assert (h2.levels, h2.active, h2.defaults, h2.invalid) == (lv(0, 0, 0, 0, 1), 1, 0, 1)
    assert (h2.good_rate, h2.bad_rate) == (1.0, 0.0)
    t = s.total
    assert (t.levels, t.active, t.defaults, t.invalid) == (lv(1, 1, 1, 1, 2), 6, 1, 1)
    assert (t.good_rate, t.bad_rate) == (0.5, 0.3333)
    assert set(s.model_dump(mode="json")) == {"rows", "total"}
    assert set(s.model_dump(mode="json")["total"]) == {
        "levels",
        "active",
        "defaults",
        "invalid",
        "good_rate",
        "bad_rate",
    }


def test_by_window_staff_item_channel_day(filled):
    def table(by, hall=None):
        return {
            r.key: (r.label, r.active, r.defaults, r.invalid, r.good_rate, r.bad_rate)
            for r in compute(filled, NOV1, NOV30, by, hall).rows
        }

    assert table("window") == {
        "h1/w-01": ("h1 / w-01", 3, 0, 0, 0.6667, 0.3333),
        "h1/w-02": ("h1 / w-02", 2, 1, 0, 0.0, 0.5),
        "h2/w-01": ("h2 / w-01", 1, 0, 1, 1.0, 0.0),
    }
    assert table("staff") == {
        "s1": ("王芳", 3, 0, 0, 0.6667, 0.3333),
        "s2": ("李强", 2, 1, 0, 0.0, 0.5),
        "s3": ("张伟", 1, 0, 1, 1.0, 0.0),
    }
    assert table("item") == {"A": ("事项A", 4, 0, 1, 0.75, 0.25), "B": ("事项B", 2, 1, 0, 0.0, 0.5)}
    ch = table("channel")
    assert {k: v[1:4] for k, v in ch.items()} == {
        "3": (0, 0, 1),
        "4": (1, 0, 0),
        "5": (5, 0, 0),
        "7": (0, 1, 0),
    }
    assert ch["7"][0].startswith("系统默认")
    assert table("day") == {
        "2026-11-02": ("2026-11-02", 2, 0, 0, 1.0, 0.0),
        "2026-11-03": ("2026-11-03", 2, 0, 0, 0.0, 0.5),
        "2026-11-04": ("2026-11-04", 0, 1, 1, None, None),  # nothing active: rates null
        "2026-11-05": ("2026-11-05", 1, 0, 0, 0.0, 1.0),
        "2026-11-30": ("2026-11-30", 1, 0, 0, 1.0, 0.0),
    }
    assert list(table("window", hall="h2")) == ["h2/w-01"]


def test_periods(filled):
    assert compute(filled, date(2026, 12, 1), date(2026, 12, 1), "hall").total.active == 1  # #9, China time
    assert compute(filled, date(2026, 10, 1), NOV30, "hall").total.active == 8
    empty = compute(filled, date(2027, 1, 1), date(2027, 1, 31), "window")
    assert empty.rows == [] and empty.total.good_rate is None
    with pytest.raises(ValueError):
        compute(filled, NOV30, NOV1, "hall")
    with pytest.raises(ValueError):
        compute(filled, NOV1, NOV30, "colour")
    assert BY == ("hall", "window", "staff", "item", "channel", "day")


def _cases(tmp_path):
    cs = CaseStore(tmp_path / "cases.db", b"k" * 32)

    def case(cid, hall, finished, state=3):
        return CaseRecord(
            case_id=cid,
            item_code="A",
            item_name="事项A",
            case_type=1,
            applicant_name="赵六",
            accepted_at=at(10, 1),
            finished_at=finished,
            state=state,
            hall_id=hall,
        )

    cs.upsert(
        [
            case("C1", "h1", at(11, 2, 9)),
            case("C2", "h1", at(11, 3)),
            case("C3", "h2", at(11, 4)),
            case("C4", "h1", at(11, 30, 23)),
            case("C5", "h1", at(10, 30)),
            case("C6", "h1", None, state=2),
            case("C7", "h1", datetime(2026, 11, 30, 16, 30, tzinfo=UTC)),
        ],  # Dec 1 in China
        datetime.now(CHINA_TZ),
    )
    return cs


def test_rates(filled, tmp_path):
    cases = _cases(tmp_path)
    r = rates(filled, NOV1, NOV30, cases=cases)
    # 评价率: finished in Nov C1, C2, C3, C4; an active rating: C1 only (C2 default, C3 invalid)
    assert (r.cases_finished, r.cases_rated, r.rating_rate) == (4, 1, 0.25)
    # 回访率: work orders of Nov ratings, not invalid: #3 (visited), #11 (not)
    assert (r.workorders, r.visited, r.visit_rate) == (2, 1, 0.5)
    # 按期整改率: due in Nov: #10 (Nov 3, closed Nov 2), #3 (Nov 17, closed Nov 18), #11 (Nov 19, open)
    assert (r.due, r.closed_on_time, r.on_time_rate) == (3, 1, 0.3333)
    assert (r.good_rate, r.bad_rate, r.active) == (0.5, 0.3333, 6)
    h1 = rates(filled, NOV1, NOV30, hall="h1", cases=cases)
    assert (h1.cases_finished, h1.cases_rated, h1.rating_rate) == (3, 1, 0.3333)
    none = rates(filled, NOV1, NOV30)
    assert none.rating_rate is None and none.cases_finished is None
    empty = rates(filled, date(2027, 1, 1), date(2027, 1, 31), cases=cases)
    assert (empty.visit_rate, empty.on_time_rate, empty.rating_rate, empty.good_rate) == (None,) * 4
    assert cases.finished_between(date(2026, 12, 1), date(2026, 12, 1)) == ["C7"]
    cases.close()


def test_an_item_without_a_code_and_one_with_an_empty_code_are_one_row_counted_once(store):
    """A device may send `item_code: ""` and another none at all: one row (key ""), and the total
    counts each rating once (the second spelling's group used to be added to it twice)."""
    for code in (None, None, "", "A"):
        assert store.store_batch([rating(item_code=code, item_name=None)]) == ["stored"]
    s = compute(store, date(2026, 11, 23), date(2026, 11, 23), "item")
    assert [(r.key, r.active) for r in s.rows] == [("", 3), ("A", 1)]
    assert s.total.active == 4
