"""Render every kiosk screen at the kiosk's real format (1080×1920 portrait) and save screenshots.
Run as a subprocess (one window per process; an offscreen window keeps its first size):

    python -m tests.kiosk.gui.shoot_screens OUT_DIR [elderly] [LANG]

Real controller and view, real county query code (in process, no broker: the broker path has its
own test), real pixels. Writes OUT_DIR/kiosk-<screen>[-elderly]-<lang>.png and a manifest.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any


def main() -> None:
    out = Path(sys.argv[1])
    elderly = "elderly" in sys.argv[2:]
    lang = next((a for a in sys.argv[2:] if a in ("zh_CN", "en", "mn")), "zh_CN")
    from tests.support.kiosk_window import prepare_kiosk_window
    from tests.support.kivy_harness import Harness

    prepare_kiosk_window()
    from core.clock import CHINA_TZ, FakeClock
    from county.cases import CaseStore
    from county.demo_cases import DEMO_APPLICANTS, demo_cases
    from county.demo_catalogue import demo_catalogue
    from county.queries import QueryService
    from kiosk.controller import KioskController, KioskOptions
    from kiosk.view.root import KioskRoot
    from tests.kiosk.fakes import Card, Outbox, Printer
    from tests.kiosk.gui.screen_checks import problems as screen_problems
    from tests.support.contrast import contrast_failures, texts_checked

    now = datetime(2026, 11, 23, 15, 0, tzinfo=CHINA_TZ)
    clock = FakeClock(now.timestamp())
    store = CaseStore(":memory:", b"k" * 32)
    store.upsert(demo_cases(now), now)

    class NoRatings:
        def is_rated(self, case_id: str, n: int) -> bool:
            return False

    county = QueryService(store, NoRatings(), clock)

    class InProcessCounty:
        def request(self, topic: str, payload: Any, timeout: float) -> bytes:
            return county.progress(payload).to_json()

    class Now:
        def submit(self, job: Any, done: Any) -> None:
            try:
                r = job()
            except Exception as e:
                r = e
            done(r)

    printer = Printer()
    outbox = Outbox()
    opts = KioskOptions(
        hall_id="demo-hall", device_id="kiosk-01", region_code="150102", hall_name="赛罕区政务服务中心"
    )
    c = KioskController(opts, clock, InProcessCounty(), Now(), outbox, printer, catalogue=demo_catalogue())
    h = Harness()
    root = KioskRoot(c)
    c.on_change = root.render
    h.show(root)
    shots: list[str] = []
    contrast: dict[str, list[str]] = {}  # WCAG AA failures per screenshot
    checked: dict[str, int] = {}
    layout: dict[str, list[str]] = {}  # tests/kiosk/gui/screen_checks.py
    suffix = ("-elderly" if elderly else "") + f"-{lang}"

    def setup() -> None:
        if lang != "zh_CN":
            c.set_language(lang)
        if elderly and not c.elderly:
            c.toggle_elderly()

    def shot(name: str) -> None:
        h.frames(8)  # texture sizes feed heights over a few frames before the layout settles
        p = out / f"kiosk-{name}{suffix}.png"
        h.screenshot(p)
        shots.append(p.name)
        checked[p.name] = texts_checked(root)
        contrast[p.name] = [str(f) for f in contrast_failures(root)]
        layout[p.name] = screen_problems(root)

    setup()
    shot("home")
    c.start_progress()
    shot("place_card")
    zhang = DEMO_APPLICANTS[0]
    c.worker = type("Later", (), {"submit": lambda self, job, done: None})()
    c.card_read(Card(zhang.name, zhang.id_number))
    shot("querying")
    c.worker = Now()
    c.card_read(Card(zhang.name, zhang.id_number))
    setup()
    shot("progress")
    running = next(x for x in c.session.cases if x.state == 2)
    c.open_case(running.case_id)
    shot("case")
    done = next(x for x in c.session.cases if c.can_rate(x))
    c.back()
    c.open_case(done.case_id)
    shot("case-rateable")
    c.start_rating()
    shot("rate")
    c.choose_level(2)
    c.toggle_reason("R02")
    c.set_public(False)
    shot("rate-bad")
    c.submit_rating()
    shot("rate_thanks")
    c.back()
    c.start_rating()
    shot("rate_refused")
    c.back()
    c.print_receipt()
    shot("print_done")
    c.back()
    printer.fail = "paper_out"
    c.print_receipt()
    shot("print_error-paper_out")
    c.back()
    printer.fail = "missing"
    c.print_receipt()
    shot("print_error-missing")
    c.home()
    setup()

    class Silent:
        def request(self, topic: str, payload: Any, timeout: float) -> bytes:
            raise TimeoutError("county away")

    c.requester = Silent()
    c.card_read(Card(zhang.name, zhang.id_number))
    shot("unavailable")
    c.requester = InProcessCounty()
    c.card_read(Card("赵六", "110101199001010023"))  # a real number (check digit 3) with no case
    shot("not_found")
    c.card_failed()  # a card on the reader that the driver could not read
    shot("card_error")
    c.home()
    setup()
    c.open_guides()
    c.set_query("sfz")
    shot("guide_home")
    c.search("sfz")
    shot("guide_list")
    c.open_item(c.guide_items()[0].code)
    shot("guide")
    c.home()
    setup()
    c.open_guides()
    c.browse("department", "MZ")
    c.open_item("000113001000-150102")
    shot("guide-marriage")
    manifest = {"shots": shots, "contrast": contrast, "checked": checked, "layout": layout}
    (out / f"manifest{suffix}.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
