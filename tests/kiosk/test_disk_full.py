"""A full disk under the kiosk: the rating the citizen submits is not saved, the screen says so
("not saved, retrying") instead of the button handler raising, and once there is room again the
same rating is stored exactly once and the citizen thanked. A real outbox (SQLite) on a real,
tiny file system (tmpfs, mounted here: needs root, as CI runs)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.events import RatingEvent
from core.outbox import Outbox
from core.recorder import NOT_SAVED, RETRY_S
from tests.kiosk.test_controller import NOW, Kiosk


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], check=True, timeout=30)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, timeout=30)


def fill(disk: Path) -> Path:
    """Write a file until the file system says ENOSPC."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == 28, e  # ENOSPC
    finally:
        os.close(fd)
    return filler


def stored(outbox: Outbox) -> list[RatingEvent]:
    return [RatingEvent.from_json(e.payload) for e in outbox.due(100)]


@pytest.fixture
def kiosk_on(tiny_disk: Path) -> Iterator[tuple[Kiosk, Outbox]]:
    clock = FakeClock(NOW.timestamp())
    outbox = Outbox(tiny_disk / "outbox.db", clock=clock, low_disk_bytes=0)
    try:
        yield Kiosk(outbox=outbox, clock=clock), outbox
    finally:
        outbox.close()


def to_rating(k: Kiosk) -> str:
    k.query_card()
    case = next(c for c in k.c.session.cases if c.rateable)
    k.c.open_case(case.case_id)
    k.c.start_rating()
    k.c.choose_level(5)
    return case.case_id


def test_full_disk_says_not_saved_then_keeps_it(kiosk_on: tuple[Kiosk, Outbox], tiny_disk: Path) -> None:
    k, outbox = kiosk_on
    case_id = to_rating(k)
    filler = fill(tiny_disk)

    assert k.c.submit_rating() == NOT_SAVED  # no exception out of the button handler
    assert k.screen() == "rate" and k.c.rate_problem() == NOT_SAVED and k.woken == 0
    k.c.choose_level(1)  # the rating is taken: the form no longer changes
    k.clock.advance(RETRY_S)
    k.c.tick()  # retried, still full
    assert k.c.submit_rating() == NOT_SAVED and k.screen() == "rate"
    assert stored(outbox) == []

    filler.unlink()  # room again
    k.clock.advance(RETRY_S)
    k.c.tick()
    assert k.screen() == "rate_thanks" and k.woken == 1
    (ev,) = stored(outbox)
    assert ev.case_id == case_id and ev.level == 5
    assert k.c.submit_rating() is None and len(stored(outbox)) == 1  # never doubled


def test_a_citizen_who_walks_away_loses_nothing(kiosk_on: tuple[Kiosk, Outbox], tiny_disk: Path) -> None:
    k, outbox = kiosk_on
    case_id = to_rating(k)
    filler = fill(tiny_disk)
    assert k.c.submit_rating() == NOT_SAVED
    k.clock.advance(k.c.options.idle_timeout_s + 1)
    k.c.tick()
    assert k.screen() == "home" and k.c.session.saving is None  # the next citizen's session

    filler.unlink()
    k.clock.advance(RETRY_S)
    k.c.tick()
    assert k.screen() == "home"  # nobody to thank any more
    (ev,) = stored(outbox)
    assert ev.case_id == case_id and k.woken == 1
