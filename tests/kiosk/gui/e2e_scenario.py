"""The kiosk end to end, in its own process (one 1080×1920 offscreen window per process):

    python -m tests.kiosk.gui.e2e_scenario SPEC.json

SPEC names the hall broker account, a work dir, and a control dir through which the test (which
owns the brokers and the county process) is asked to stop and start the county. Here run the real
`KioskService` (outbox, link, GA 467 reader, scanner, ESC/POS printer) against simulators on
pseudo-terminals, with the real view in a real window. Every check raises on failure; results go
to WORK/result.json, screenshots to the artifacts dir.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    work, ctl, shots = Path(spec["work"]), Path(spec["control"]), Path(spec["shots"])
    from tests.support.kiosk_window import KioskOnScreen, prepare_kiosk_window

    prepare_kiosk_window()
    from kivy.uix.label import Label

    from core.config import MqttSettings
    from core.events import RatingEvent
    from county.demo_cases import DEMO_APPLICANTS
    from drivers.sim.idcard import IdCardSimulator
    from drivers.sim.line import LineSim
    from drivers.sim.printer import PrinterSimulator
    from kiosk.settings import KioskSettings

    card_sim, scan_sim, printer_sim = IdCardSimulator(), LineSim(), PrinterSimulator()
    for sim in (card_sim, scan_sim, printer_sim):
        sim.start()
    settings = KioskSettings(
        device_id=spec["device_id"], hall_id=spec["hall_id"], region_code="150102",
        state_dir=work / "state", hall_name="赛罕区政务服务中心",
        mqtt=MqttSettings(**spec["mqtt"]), idle_timeout_s=10, query_timeout_s=3, message_s=30,
        serial={"idcard": card_sim.path, "scanner": scan_sim.path, "printer": printer_sim.path},
    )  # fmt: skip
    kiosk = KioskOnScreen(settings, frames_per_draw=2)
    service, c, h, root = kiosk.service, kiosk.controller, kiosk.harness, kiosk.root
    service.start()
    result: dict[str, Any] = {"shots": []}

    def pump(seconds: float = 0.05) -> None:
        end = time.monotonic() + seconds
        while True:
            kiosk.pump_once()
            if time.monotonic() >= end:
                return
            time.sleep(0.01)

    def wait(what: str, cond: Callable[[], bool], timeout: float = 15.0) -> float:
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > timeout:
                raise AssertionError(f"timed out waiting for {what} (screen {c.screen})")
            pump(0.02)
        return time.monotonic() - t0

    def shot(name: str) -> None:
        h.frames(8)
        p = shots / f"kiosk-e2e-{name}.png"
        h.screenshot(p)
        result["shots"].append(p.name)

    def on_screen() -> str:
        """Every text the window shows (what a camera pointed at the kiosk would read), once laid
        out; a line of Chinese broken to fit its box reads on across the break."""
        out: list[str] = []
        h.frames(3)

        def walk(w: Any) -> None:
            if isinstance(w, Label) and w.text and w.opacity > 0:
                out.append(re.sub(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])", "", w.text))
            for ch in w.children:
                walk(ch)

        walk(h.window)
        return "\n".join(out)

    def ask_test(what: str) -> None:
        (ctl / f"want-{what}").touch()
        deadline = time.monotonic() + 60
        while not (ctl / f"done-{what}").exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"the test did not do {what}")
            pump(0.1)

    def screen() -> str:  # read afresh each time (mypy would narrow the attribute after an assert)
        return c.screen

    def lift() -> None:
        """The citizen takes the card off the reader (it polls a few times before it notices)."""
        card_sim.remove()
        pump(1.0)

    zhang = DEMO_APPLICANTS[0]
    try:
        wait("the link", lambda: service.link.connected)
        wait("the catalogue", lambda: c.catalogue is not None)
        wait("the card reader", lambda: service.card_reader is not None and service.card_reader.state == "ok")
        # 1. card tap → the case list → a case's timeline on screen
        c.start_progress()
        t0 = time.monotonic()
        card_sim.place("zhang")
        wait("the case list", lambda: c.screen == "progress")
        result["card_to_list_s"] = time.monotonic() - t0
        text = on_screen()
        assert "张*" in text and zhang.name not in text and zhang.id_number not in text, text
        shot("progress")
        running = next(x for x in c.session.cases if x.state == 2)
        c.open_case(running.case_id)
        pump(0.2)
        text = on_screen()
        for step in running.steps:
            assert step.name in text, (step.name, text)
        assert "已办" in text and "待办" in text and running.case_id in text
        shot("timeline")
        lift()

        # 2. receipt: printed bytes reach the printer; paper out is said clearly
        c.print_receipt()
        wait("printing", lambda: c.screen == "print_done")
        receipt = printer_sim.receipts[-1]
        assert running.case_id in receipt and "张*" in receipt and zhang.name not in receipt, receipt
        assert all(s.name in receipt for s in running.steps), receipt
        raw = printer_sim.receipt_bytes[-1]
        assert "办件进度".encode("gb18030") in raw and zhang.id_number.encode() not in raw
        result["receipt"] = receipt
        c.back()
        printer_sim.set_paper("out")
        c.print_receipt()
        wait("paper out", lambda: c.screen == "print_error")
        assert c.session.print_problem == "paper_out" and "打印纸已用完" in on_screen()
        shot("paper-out")
        printer_sim.set_paper("ok")
        c.back()

        # 3. rating a finished case, by touch: stored once
        c.back()
        fresh = next(x for x in c.session.cases if c.can_rate(x))
        c.open_case(fresh.case_id)
        pump(0.1)
        c.start_rating()
        pump(0.1)
        rate_screen = root.screens["rate"]
        h.tap(rate_screen.ids.levels.buttons[5])  # 非常满意
        pump(0.1)
        h.tap(rate_screen.ids.submit)
        pump(0.1)
        assert screen() == "rate_thanks", screen()
        shot("rated")
        eid = c.session.rated_event_id
        assert eid is not None
        wait("the county's ack", lambda: service.outbox.outcome(eid) is not None)
        assert service.outbox.outcome(eid) == ("stored", None), service.outbox.outcome(eid)
        result["rated_case"] = fresh.case_id

        # 4. a second rating of that case is refused kindly: the county now says it is not rateable
        c.home()
        card_sim.place("zhang")
        wait("the case list again", lambda: c.screen == "progress")
        lift()
        again = next(x for x in c.session.cases if x.case_id == fresh.case_id)
        assert not again.rateable
        c.open_case(again.case_id)
        c.start_rating()
        assert screen() == "rate_refused"
        assert "该办件已经评价过了" in on_screen()
        shot("second-rating-refused")
        # ... and when another terminal rated it meanwhile, the county's `duplicate` ack is told kindly
        c.home()
        card_sim.place("li")
        wait("li's cases", lambda: c.screen in ("progress", "case"))
        lift()
        li_case = next(x for x in c.session.cases if c.can_rate(x))
        other = service.outbox.put(RatingEvent(
            hall_id=settings.hall_id, device_id=settings.device_id, window_id=li_case.window_id,
            region_code="150102", channel=3, input="qr", case_id=li_case.case_id, level=4,
            invited_at=li_case.accepted_at, rated_at=li_case.accepted_at,
        ))  # fmt: skip
        service.link.wake()
        wait("the other rating's ack", lambda: service.outbox.outcome(other.event_id) is not None)
        c.open_case(li_case.case_id)
        c.start_rating()
        c.choose_level(5)
        c.submit_rating()
        wait("the duplicate ack", lambda: c.screen == "rate_refused")
        result["duplicate_told"] = True

        # 5. the county away: "service unavailable, try again"; back again: it works
        c.home()
        ask_test("county-down")
        card_sim.place("zhang")
        wait("unavailable", lambda: c.screen == "unavailable", timeout=10)
        shot("unavailable")
        assert "服务暂不可用" in on_screen()
        ask_test("county-up")
        c.retry()  # the card still lies on the reader: it is read again, no need to lift it
        wait("recovery", lambda: c.screen == "progress", timeout=20)
        lift()

        # 6. the scanner: a receipt's QR code opens its case
        c.home()
        scan_sim.send_line(f"https://zwfw.example.gov.cn/progress?case={running.case_id}")
        wait("the scanned case", lambda: c.screen == "case")
        assert c.session.case is not None and c.session.case.case_id == running.case_id

        # 7. walk away: after idle_timeout_s the kiosk forgets everything, on screen and in memory
        c.home()
        card_sim.place("zhang")
        wait("the case list", lambda: c.screen == "progress")
        lift()
        t_idle = time.monotonic()
        wait("the idle reset", lambda: c.screen == "home", timeout=20)
        result["idle_reset_after_s"] = time.monotonic() - t_idle
        pump(0.3)
        text = on_screen()
        assert "张*" not in text and running.case_id not in text, text
        assert c.session.cases == [] and c.session.case is None and c.session.applicant_masked == ""
        shot("after-idle")
        result["ok"] = True
    finally:
        (work / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        service.stop()
        for sim in (card_sim, scan_sim, printer_sim):
            sim.stop()


if __name__ == "__main__":
    main()
