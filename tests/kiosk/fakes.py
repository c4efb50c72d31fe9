"""Fakes of the kiosk's outermost edges (network reply, worker thread, outbox, printer) for unit tests."""

from __future__ import annotations

import gc
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.events import Event, RatingEvent
from core.outbox import OutboxError
from core.payload import Payload
from kiosk.ports import PrinterError
from kiosk.receipt import Receipt


@dataclass(frozen=True)
class Card:
    name: str
    id_number: str


class ManualWorker:
    """Jobs wait until the test runs them, as a thread would run them later."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.jobs.append((job, done))

    def run_all(self) -> None:
        while self.jobs:
            job, done = self.jobs.pop(0)
            try:
                result = job()
            except Exception as e:
                result = e
            del job
            done(result)


class Requester:
    """Answers with whatever the test sets; records topics, never keeps the payload."""

    def __init__(self) -> None:
        self.answer: bytes | Exception = b""
        self.asked: list[str] = []
        self.last_by: str | None = None

    def request(self, topic: str, payload: Payload, timeout: float) -> bytes:
        self.asked.append(topic)
        self.last_by = "id" if getattr(payload, "id_number", None) else "case"
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@dataclass
class Outbox:
    events: list[RatingEvent] = field(default_factory=list)
    outcomes: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    fail: str | None = None  # the outbox refuses (a full disk, a locked database)

    def put(self, event: Event) -> Event:
        if self.fail:
            raise OutboxError(self.fail)
        assert isinstance(event, RatingEvent)
        stored = event.model_copy(update={"seq": len(self.events) + 1})
        self.events.append(stored)
        return stored

    def outcome(self, event_id: str) -> tuple[str, str | None] | None:
        return self.outcomes.get(event_id)


class Printer:
    def __init__(self) -> None:
        self.printed: list[Receipt] = []
        self.fail: str | None = None

    def print_receipt(self, receipt: Receipt) -> None:
        if self.fail:
            raise PrinterError(self.fail)
        self.printed.append(receipt)


def strings_reachable_from(root: object, limit: int = 500_000) -> list[str]:
    """Every str reachable from `root` (object attributes, containers, closures; not module globals):
    what a memory dump of the controller would show."""
    seen: set[int] = set()
    out: list[str] = []
    stack = [root]
    while stack and len(seen) < limit:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, str):
            out.append(o)
        elif isinstance(o, (bytes, bytearray)):
            out.append(bytes(o).decode("utf-8", "replace"))
        elif isinstance(o, (type, types.ModuleType, types.CodeType)):
            continue
        elif isinstance(o, types.FunctionType):
            stack.extend(c.cell_contents for c in (o.__closure__ or ()) if _filled(c))
            stack.extend(o.__defaults__ or ())
        elif isinstance(o, types.MethodType):
            stack.append(o.__self__)
        else:
            stack.extend(gc.get_referents(o))
    return out


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True
