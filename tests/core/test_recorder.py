"""core.recorder: in order, wake after storing, hold what the outbox refused and retry it."""

from __future__ import annotations

from core.clock import FakeClock
from core.events import Event
from core.outbox import OutboxError
from core.recorder import RETRY_S, Recorder
from tests.support.events import rating


class Sink:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.fail = ""
        self.tries = 0

    def put(self, event: Event) -> Event:
        self.tries += 1
        if self.fail:
            raise OutboxError(self.fail)
        self.events.append(event)
        return event


def make() -> tuple[Recorder, Sink, FakeClock, list[int]]:
    sink, clock, woken = Sink(), FakeClock(0.0), [0]

    def wake() -> None:
        woken[0] += 1

    return Recorder(sink, clock, wake), sink, clock, woken


def test_stored_at_once_wakes_the_link() -> None:
    r, sink, _, woken = make()
    e = rating()
    assert r.record(e) and not r.is_pending(e) and not r.failing
    assert sink.events == [e] and woken == [1]


def test_refused_events_wait_in_order_and_are_retried_when_due() -> None:
    r, sink, clock, woken = make()
    sink.fail = "database or disk is full"
    first, second = rating(), rating()
    assert not r.record(first)
    assert not r.record(second)  # behind the first, never before it
    assert r.failing and r.last_error == "database or disk is full" and woken == [0]
    tries = sink.tries
    clock.advance(RETRY_S / 2)
    assert not r.tick() and sink.tries == tries  # not due yet
    sink.fail = ""
    clock.advance(RETRY_S / 2)
    assert r.tick()
    assert sink.events == [first, second] and not r.failing and r.last_error == "" and woken == [1]


def test_retry_now_and_a_later_event_after_a_refusal() -> None:
    r, sink, _, _ = make()
    sink.fail = "database is locked"
    held = rating()
    r.record(held)
    assert not r.retry()
    sink.fail = ""
    later = rating()
    assert r.record(later)  # storing the later one stores the held one first
    assert sink.events == [held, later]
    assert r.retry()
