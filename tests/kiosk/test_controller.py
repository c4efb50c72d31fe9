"""Kiosk controller without a window: every screen transition, timeouts on a fake clock, privacy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from core.clock import CHINA_TZ, FakeClock
from core.levels import Level
from core.queries import ProgressReply
from county.demo_cases import DEMO_APPLICANTS, demo_cases
from county.demo_catalogue import demo_catalogue
from kiosk.controller import KioskController, KioskOptions
from tests.kiosk.fakes import Card, ManualWorker, Outbox, Printer, Requester, strings_reachable_from

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=CHINA_TZ)
ZHANG = DEMO_APPLICANTS[0]
CARD = Card(ZHANG.name, ZHANG.id_number)


def reply_for(applicant_index: int = 0, rateable_items: tuple[str, ...] = ("000110020000-150102",)) -> bytes:
    from county.cases import CaseStore
    from county.queries import QueryService

    class R:
        def is_rated(self, case_id: str, n: int) -> bool:
            return False

    store = CaseStore(":memory:", b"k" * 32)
    store.upsert(demo_cases(NOW), NOW)
    svc = QueryService(store, R(), FakeClock(NOW.timestamp()))
    found = store.by_id_number(DEMO_APPLICANTS[applicant_index].id_number)
    cases = [c.progress(rateable=svc.rateable(c) and c.item_code in rateable_items) for c in found]
    return ProgressReply(result="ok", cases=cases).to_json()


class Kiosk:
    def __init__(self, outbox: Any = None, clock: FakeClock | None = None, **opts: object) -> None:
        self.clock = clock or FakeClock(NOW.timestamp())
        self.worker = ManualWorker()
        self.requester = Requester()
        self.outbox = outbox if outbox is not None else Outbox()
        self.printer = Printer()
        self.woken = 0
        self.changes = 0
        options = KioskOptions(hall_id="h1", device_id="kiosk-01", region_code="150102", **opts)  # type: ignore[arg-type]
        self.c = KioskController(
            options,
            self.clock,
            self.requester,
            self.worker,
            self.outbox,
            self.printer,
            wake=self._wake,
            catalogue=demo_catalogue(),
        )
        self.c.on_change = self._changed

    def screen(self) -> str:
        return self.c.screen

    def _wake(self) -> None:
        self.woken += 1

    def _changed(self) -> None:
        self.changes += 1

    def query_card(self, answer: bytes | Exception | None = None) -> None:
        self.requester.answer = reply_for() if answer is None else answer
        self.c.card_read(CARD)
        assert self.c.screen == "querying"
        self.worker.run_all()


@pytest.fixture
def k() -> Kiosk:
    return Kiosk()


def test_card_to_progress_list_to_case_timeline(k: Kiosk) -> None:
    k.c.start_progress()
    assert k.screen() == "place_card"
    k.query_card()
    assert k.screen() == "progress"
    assert k.requester.asked == ["county/v1/query/progress"] and k.requester.last_by == "id"
    cases, pages = k.c.visible_cases()
    assert len(k.c.session.cases) == 4 and len(cases) == 4 and pages == 1
    assert k.c.session.applicant_masked == "张*"
    running = next(c for c in cases if c.state == 2)
    k.c.open_case(running.case_id)
    assert k.screen() == "case" and k.c.session.case == running
    assert [s.status for s in running.steps][:1] == [2] and running.steps[-1].status == 1
    assert all("*" in s.handler_masked for s in running.steps if s.handler_masked)
    k.c.back()
    assert k.screen() == "progress"
    k.c.back()
    assert k.screen() == "home" and k.c.session.cases == []


def test_elderly_mode_shows_fewer_per_page(k: Kiosk) -> None:
    k.query_card()
    k.c.toggle_elderly()
    cases, pages = k.c.visible_cases()
    assert len(cases) == 2 and pages == 2
    k.c.next_page()
    assert k.c.visible_cases()[0] != cases
    k.c.next_page()  # stays on the last page
    assert k.c.session.page == 1


def test_scan_of_case_barcode_and_url(k: Kiosk) -> None:
    one = ProgressReply.from_json(reply_for())
    k.requester.answer = ProgressReply(result="ok", cases=[one.cases[0]]).to_json()
    k.c.code_scanned(f"https://zwfw.example.gov.cn/progress?case={one.cases[0].case_id}&x=1")
    assert k.requester.last_by is None or k.screen() == "querying"
    k.worker.run_all()
    assert k.requester.last_by == "case"
    assert k.screen() == "case" and k.c.session.case is not None  # a single case opens directly
    k.c.code_scanned("not a case id with spaces")
    assert k.screen() == "card_error"


def test_not_found_and_bad_card(k: Kiosk) -> None:
    k.query_card(ProgressReply(result="not_found").to_json())
    assert k.screen() == "not_found"
    k.c.card_read(Card("李四", "123"))
    assert k.screen() == "card_error"


def test_county_silent_shows_unavailable_then_retry_recovers(k: Kiosk) -> None:
    from core.requests import RequestTimeout

    k.query_card(RequestTimeout("no answer"))
    assert k.screen() == "unavailable"
    asked: list[bool] = []
    k.c.read_card_again = lambda: asked.append(True)
    k.c.retry()  # the ID number was not kept: the card is read again (still on the reader, or placed)
    assert k.screen() == "place_card" and asked == [True]
    k.query_card()
    assert k.screen() == "progress"


def test_stuck_worker_hits_the_deadline_and_late_answer_is_dropped(k: Kiosk) -> None:
    k.requester.answer = reply_for()
    k.c.card_read(CARD)
    k.clock.advance(3.5)
    k.c.tick()
    assert k.screen() == "querying"
    k.clock.advance(1.0)
    k.c.tick()
    assert k.screen() == "unavailable"
    k.worker.run_all()  # the answer comes after all: nobody asked any more
    assert k.screen() == "unavailable" and k.c.session.cases == []


def test_county_error_and_garbage_reply_are_unavailable(k: Kiosk) -> None:
    k.query_card(ProgressReply(result="error", reason="db").to_json())
    assert k.screen() == "unavailable"
    k.query_card(b"{garbage")
    assert k.screen() == "unavailable"


def test_case_number_query_can_be_retried(k: Kiosk) -> None:
    from core.requests import RequestTimeout

    k.requester.answer = RequestTimeout("x")
    k.c.code_scanned("1501022026112300001")
    k.worker.run_all()
    assert k.screen() == "unavailable"
    k.requester.answer = reply_for()
    k.c.retry()
    assert k.screen() == "querying"
    k.worker.run_all()
    assert k.screen() == "progress"


def test_idle_reset_leaves_nothing_about_the_citizen(k: Kiosk) -> None:
    k.query_card()
    case = next(c for c in k.c.session.cases if c.rateable)
    k.c.open_case(case.case_id)
    k.c.set_language("en")
    k.c.toggle_elderly()
    # while in use, the ID number is nowhere in the controller, only masked data
    everything = "\n".join(strings_reachable_from(k.c))
    assert ZHANG.id_number not in everything and ZHANG.name not in everything
    assert "张*" in everything and case.case_id in everything
    k.clock.advance(59)
    k.c.tick()
    assert k.screen() == "case"
    k.clock.advance(1.5)
    k.c.tick()
    assert k.screen() == "home" and k.c.language == "zh_CN" and not k.c.elderly
    k.requester.answer = b""  # the fake network's canned reply is not the kiosk's memory
    everything = "\n".join(strings_reachable_from(k.c))
    for leaked in (ZHANG.id_number, ZHANG.name, "张*", case.case_id, case.item_name):
        assert leaked not in everything or (leaked == case.item_name and leaked in _catalogue_names())
    assert all(c.case_id not in everything for c in ProgressReply.from_json(reply_for()).cases)
    assert k.worker.jobs == []


def _catalogue_names() -> str:
    return "\n".join(t.name for i in demo_catalogue().items for t in i.texts.values())


def test_touch_keeps_the_session_alive(k: Kiosk) -> None:
    k.query_card()
    for _ in range(5):
        k.clock.advance(30)
        k.c.touch()
        k.c.tick()
    assert k.screen() == "progress"


def test_idle_during_home_with_language_changed_resets_language(k: Kiosk) -> None:
    k.c.set_language("mn")
    k.clock.advance(61)
    k.c.tick()
    assert k.c.language == "zh_CN"


def test_rating_a_finished_case_once(k: Kiosk) -> None:
    k.query_card()
    case = next(c for c in k.c.session.cases if c.rateable)
    assert k.c.can_rate(case)
    k.c.open_case(case.case_id)
    k.c.start_rating()
    assert k.screen() == "rate"
    form = k.c.session.form
    assert form is not None and form.level is None  # never pre-selected
    assert k.c.submit_rating() is not None and k.outbox.events == []
    k.c.choose_level(Level.DISSATISFIED)
    assert "原因" in (k.c.submit_rating() or "")
    k.c.toggle_reason("R05")
    k.c.set_public(False)
    k.clock.advance(5)
    assert k.c.submit_rating() is None
    assert k.screen() == "rate_thanks" and k.woken == 1
    (ev,) = k.outbox.events
    assert ev.channel == 5 and ev.input == "touch" and ev.case_id == case.case_id
    assert ev.level == 2 and ev.reasons == ["R05"] and ev.public is False
    assert ev.staff and ev.window_id == case.window_id and ev.region_code == "150102"
    assert ev.rated_at > ev.invited_at
    k.outbox.outcomes[ev.event_id] = ("stored", None)
    k.clock.advance(8)
    k.c.tick()
    assert k.screen() == "case"
    assert not k.c.can_rate()
    k.c.start_rating()  # a second try in the same session is told kindly
    assert k.screen() == "rate_refused" and len(k.outbox.events) == 1


def test_county_duplicate_ack_is_told_kindly(k: Kiosk) -> None:
    k.query_card()
    case = next(c for c in k.c.session.cases if c.rateable)
    k.c.open_case(case.case_id)
    k.c.start_rating()
    k.c.choose_level(5)
    k.c.submit_rating()
    k.outbox.outcomes[k.outbox.events[0].event_id] = ("duplicate", "already rated")
    k.c.tick()
    assert k.screen() == "rate_refused"


def test_not_rateable_case_cannot_be_rated(k: Kiosk) -> None:
    k.query_card()
    running = next(c for c in k.c.session.cases if c.state != 3)
    k.c.open_case(running.case_id)
    k.c.start_rating()
    assert k.screen() == "rate_refused" and k.c.session.form is None


def test_printing_and_printer_problems(k: Kiosk) -> None:
    k.query_card()
    case = k.c.session.cases[1]
    k.c.open_case(case.case_id)
    k.c.print_receipt()
    assert k.screen() == "printing"
    k.worker.run_all()
    assert k.screen() == "print_done"
    (r,) = k.printer.printed
    assert r.case_id == case.case_id and r.url.endswith(f"case={case.case_id}")
    assert r.applicant_masked == "张*"
    assert ZHANG.name not in repr(r) and ZHANG.id_number not in repr(r)
    assert [s.name.split()[0] for s in r.steps] == [s.name for s in case.steps]
    k.clock.advance(8)
    k.c.tick()
    assert k.screen() == "case"
    for state in ("paper_out", "missing"):
        k.printer.fail = state
        k.c.print_receipt()
        k.worker.run_all()
        assert k.screen() == "print_error" and k.c.session.print_problem == state
        k.c.back()
        assert k.screen() == "case"


def test_card_during_rating_is_ignored_and_new_card_starts_new_session(k: Kiosk) -> None:
    k.query_card()
    k.c.open_case(k.c.session.cases[0].case_id)
    k.c.start_rating()
    k.c.card_read(CARD)
    assert k.screen() == "rate" and k.worker.jobs == []
    k.c.back()
    other = DEMO_APPLICANTS[1]
    k.requester.answer = reply_for(1)
    k.c.card_read(Card(other.name, other.id_number))
    assert k.c.session.cases == [] and k.c.session.applicant_masked == "李**"
    k.worker.run_all()
    assert {c.applicant_masked for c in k.c.session.cases} == {"李**"}


def test_guides_browse_search_and_page(k: Kiosk) -> None:
    k.c.open_guides()
    assert k.screen() == "guide_home"
    k.c.browse("department", "GA")
    items, _ = k.c.visible_items()
    assert {i.department for i in items} == {"GA"} and len(items) == 4
    k.c.open_item(items[0].code)
    assert k.screen() == "guide" and k.c.guide_item() == items[0]
    k.c.back()
    assert k.screen() == "guide_list"
    k.c.search("sfz")
    names = [i.text("zh_CN").name for i in k.c.guide_items()]
    assert names[:2] == ["居民身份证首次申领", "居民身份证换领（有效期满）"]
    k.c.toggle_elderly()
    k.c.browse("category", "sb")
    items, pages = k.c.visible_items()
    assert len(items) == 4 and pages == 1
