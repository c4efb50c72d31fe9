"""差评 work orders: opened with the rating (once), every transition allowed and refused, overdue."""

import json
from datetime import date, datetime
from typing import Any

import pytest

from core.clock import CHINA_TZ
from core.levels import Level
from county import summary
from county.store import EventStore, open_store
from county.workdays import WorkCalendar
from county.workorders import ACTIONS, WorkOrderBook, WorkOrderRefused
from tests.support.events import rating
from tests.support.loop import bad_rating, clock_at

RATED = datetime(2026, 9, 29, 10, 0, tzinfo=CHINA_TZ)
DUE = date(2026, 10, 19)  # 10 working days after Tue Sep 29 (Oct 1-7 off, Sat Oct 10 worked)


@pytest.fixture
def store(database_url):
    """Each test runs on both backends (`database_url` is parametrised)."""
    s: EventStore = open_store(database_url)
    yield s
    s.close()


@pytest.fixture
def clock():
    return clock_at(2026, 9, 30, 9, 0)


@pytest.fixture
def book(store, clock):
    return WorkOrderBook(store, WorkCalendar(), clock)


def test_a_bad_rating_opens_one_work_order_with_its_alert(store, book):
    e = bad_rating(store, RATED, case_id="C-1")
    assert store.store_batch([e]) == ["duplicate"]  # the same delivery again
    again = rating(
        case_id="C-1", level=Level.VERY_DISSATISFIED, reasons=["R02"], rated_at=RATED, invited_at=RATED
    )
    assert store.store_batch([again]) == ["duplicate"]  # the same case round, another event
    [w] = book.list()
    assert (w.event_id, w.case_id, w.level, w.reasons, w.state, w.due) == (
        e.event_id,
        "C-1",
        2,
        ["R01"],
        "open",
        DUE,
    )
    assert not w.overdue and not w.due_provisional
    assert [(h.action, h.actor) for h in w.history] == [("open", "system")]
    [(kind, payload)] = store.rows("SELECT kind, payload FROM alerts")
    alert = json.loads(payload)
    assert kind == "new" and alert["schema"] == "hall.alert/1" and alert["workorder_id"] == w.id
    assert alert["due"] == "2026-10-19" and alert["hall_id"] == "test-hall" and alert["level"] == 2


def test_good_and_default_ratings_open_none(store, book):
    store.store_batch([rating(level=Level.BASICALLY_SATISFIED), rating()])
    assert book.list() == [] and store.count("alerts") == 0


def test_json_of_a_work_order_is_the_api_shape(store, book):
    bad_rating(store, RATED)
    data = book.list()[0].model_dump(mode="json")
    assert set(data) >= {
        "id",
        "event_id",
        "hall_id",
        "device_id",
        "window_id",
        "case_id",
        "level",
        "reasons",
        "rated_at",
        "due",
        "state",
        "overdue",
        "history",
    }
    assert data["due"] == "2026-10-19" and data["rated_at"] == "2026-09-29T10:00:00+08:00"
    assert set(data["history"][0]) == {"action", "actor", "at", "note"}


# The §9 rules, written out by hand: (action, from state) -> (roles allowed, state after)
HALL = {"admin", "manager"}
ADMIN = {"admin"}
ALLOWED = {
    ("visit", "open"): (HALL, "visited"),
    ("rectify", "visited"): (HALL, "rectified"),
    ("close", "rectified"): (HALL, "closed"),
    ("appeal", "open"): (HALL, "appealed"),
    ("appeal", "visited"): (HALL, "appealed"),
    ("approve_invalid", "appealed"): (ADMIN, "invalid"),
    ("reject_appeal", "appealed"): (ADMIN, "open"),  # back to where it was (here: open)
    ("extend", "open"): (ADMIN, "open"),
    ("extend", "visited"): (ADMIN, "visited"),
    ("extend", "rectified"): (ADMIN, "rectified"),
    ("extend", "appealed"): (ADMIN, "appealed"),
}
TO_STATE = {  # how to bring a fresh work order into each state
    "open": [],
    "visited": ["visit"],
    "rectified": ["visit", "rectify"],
    "closed": ["visit", "rectify", "close"],
    "appealed": ["appeal"],
    "invalid": ["appeal", "approve_invalid"],
}


def test_every_transition_allowed_and_refused(store, book):
    n = 0
    for action in ACTIONS:
        for state, path in TO_STATE.items():
            for role in ("admin", "manager", "viewer"):
                n += 1
                e = bad_rating(store, RATED, case_id=f"T-{n}")
                wid = next(w.id for w in book.list() if w.event_id == e.event_id)
                for step in path:
                    book.act(wid, step, "县管理员", "admin", "说明")
                assert book.get(wid).state == state
                due = date(2026, 11, 30) if action == "extend" else None
                rule = ALLOWED.get((action, state))
                if rule is not None and role in rule[0]:
                    w = book.act(wid, action, "王主任", role, "已处理", due=due)
                    assert w.state == rule[1], (action, state, role)
                    assert (w.history[-1].action, w.history[-1].actor) == (action, "王主任")
                    if action == "extend":
                        assert w.due == date(2026, 11, 30)
                else:
                    with pytest.raises(WorkOrderRefused) as err:
                        book.act(wid, action, "王主任", role, "已处理", due=due)
                    assert " · " in str(err.value)  # Chinese, then English
                    assert book.get(wid).state == state  # nothing changed
    assert n == 7 * 6 * 3


def test_reject_appeal_goes_back_to_visited(store, book):
    bad_rating(store, RATED)
    [w] = book.list()
    book.act(w.id, "visit", "李", "manager", "电话回访，群众认可")
    book.act(w.id, "appeal", "李", "manager", "恶意差评")
    assert book.act(w.id, "reject_appeal", "县", "admin", "证据不足").state == "visited"


def test_approve_invalid_keeps_the_rating_out_of_the_statistics(store, book):
    e = bad_rating(store, RATED)
    [w] = book.list()
    book.act(w.id, "appeal", "李", "manager", "误评：群众按错键")
    book.act(w.id, "approve_invalid", "县", "admin", "录像核实")
    assert store.rows("SELECT invalid FROM ratings WHERE event_id = ?", [e.event_id]) in ([(1,)], [(True,)])
    assert store.count("ratings") == 1  # stays stored
    assert [h.action for h in book.get(w.id).history] == ["open", "appeal", "approve_invalid"]
    # and moves, in the daily summary the statistics read, from its level to invalid
    assert store.rows("SELECT level2, invalid FROM rating_days WHERE dim = 'window'") == [(0, 1)]
    assert summary.differences(store) == []


def test_refusals_with_reasons(store, book):
    bad_rating(store, RATED)
    [w] = book.list()
    cases: list[tuple[dict[str, Any], str]] = [
        (dict(action="visit", note=""), "needs a note"),
        (dict(action="fly", note="x"), "unknown action"),
        (dict(action="visit", note="x", due=date(2026, 12, 1)), "only with it"),
        (dict(action="extend", note="书面说明"), "only with it"),
        (dict(action="extend", note="书面说明", due=DUE), "must be after 2026-10-19"),
    ]
    for kw, reason in cases:
        with pytest.raises(WorkOrderRefused, match=reason):
            book.act(w.id, actor="王", role="admin", **kw)
    with pytest.raises(WorkOrderRefused, match="no work order 999"):
        book.act(999, "visit", "王", "admin", "x")
    with pytest.raises(WorkOrderRefused, match="is for admin, not manager"):
        book.act(w.id, "extend", "王", "manager", "x", due=date(2026, 12, 1))


def test_overdue_after_the_due_day_marked_once(store, book, clock):
    bad_rating(store, RATED, case_id="A")
    bad_rating(store, RATED, case_id="B")
    a, b = book.list()
    book.act(b.id, "visit", "李", "manager", "回访")
    book.act(b.id, "rectify", "李", "manager", "整改")
    book.act(b.id, "close", "李", "manager", "")
    clock.advance(
        (
            datetime(2026, 10, 19, 23, 59, tzinfo=CHINA_TZ) - datetime.fromtimestamp(clock.time(), CHINA_TZ)
        ).total_seconds()
    )
    assert book.mark_overdue() == [] and not book.get(a.id).overdue  # the due day itself: not yet
    clock.advance(120)  # Oct 20, 00:01
    [late] = book.mark_overdue()
    assert late.id == a.id and late.overdue and late.history[-1].action == "overdue"
    assert book.mark_overdue() == []  # once
    assert [w.id for w in book.list(overdue=True)] == [a.id]
    assert [w.id for w in book.list(overdue=False)] == [b.id]
    assert [k for (k,) in store.rows("SELECT kind FROM alerts ORDER BY id")] == ["new", "new", "overdue"]
    # a county admin extends it: overdue no more, and overdue again later alerts again
    book.act(a.id, "extend", "县", "admin", "需上级部门配合", due=date(2026, 10, 23))
    assert not book.get(a.id).overdue
    clock.advance(4 * 86400)
    assert [w.id for w in book.mark_overdue()] == [a.id]


def test_filters(store, book):
    bad_rating(store, RATED, case_id="A")
    bad_rating(store, RATED, case_id="B", hall="other-hall", device="eval-01")
    assert [w.hall_id for w in book.list(hall="other-hall")] == ["other-hall"]
    assert len(book.list(state="open")) == 2 and book.list(state="closed") == []
    with pytest.raises(ValueError):
        book.list(state="nonsense")
