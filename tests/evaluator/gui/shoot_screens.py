"""Render every evaluator screen at one window size and save screenshots (run as a subprocess:
one Kivy window per process, and an offscreen window cannot be resized after it opens).

    python -m tests.evaluator.gui.shoot_screens OUT_DIR WIDTH HEIGHT

Writes OUT_DIR/evaluator-<screen>-<orientation>.png and OUT_DIR/manifest-<orientation>.json
(the QR URL expected on the invited screen). Real controller, real outbox, real pixels.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from drivers.keypad.events import KeyPressed

MIN_TEXT_PX = 16  # no text on the evaluator's screens is smaller (at 1280×800 / 800×1280)


def main() -> None:
    out, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    from tests.support.kivy_harness import Harness, prepare_kivy

    prepare_kivy()
    os.environ["KCFG_GRAPHICS_WIDTH"], os.environ["KCFG_GRAPHICS_HEIGHT"] = str(width), str(height)
    from ui.fonts import register_cjk_font

    register_cjk_font()
    from core.clock import FakeClock
    from core.device_config import DeviceConfig, StaffMember
    from core.outbox import Outbox
    from evaluator.controller import DeviceIdentity, EvaluatorController
    from evaluator.view.root import EvaluatorRoot

    orient = "landscape" if width > height else "portrait"
    tmp = Path(tempfile.mkdtemp())
    clock = FakeClock()
    outbox = Outbox(tmp / "outbox.db", clock=clock)
    photo = tmp / "S0123.png"  # a clerk photo (a drawn placeholder: head and shoulders)
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (240, 300), (214, 226, 240))
    d = ImageDraw.Draw(img)
    d.ellipse((70, 40, 170, 150), fill=(243, 207, 178))
    d.pieslice((30, 160, 210, 400), 180, 360, fill=(30, 60, 120))
    img.save(photo)
    cfg = DeviceConfig(
        window_name="3号窗口 户籍业务",
        window_name_en="Window 3 · Household registration",
        staff=[
            StaffMember(id="S0123", name="李明", card="CARD-0123", title="户籍业务受理员", photo=str(photo))
        ],
        rating_url="https://hcp.example.gov.cn/rate?case={case_id}&n={assess_number}",
    )
    c = EvaluatorController(DeviceIdentity("demo-hall", "eval-03", "w03", "110101"), cfg, clock, outbox)
    h = Harness()
    root = EvaluatorRoot(c, "eval-03")
    c.add_listener(root.render)
    root.render(c.view_model())
    h.show(root)

    from tests.support.contrast import contrast_failures, small_texts, texts_checked

    contrast: dict[str, list[str]] = {}  # WCAG AA failures per screen
    checked: dict[str, int] = {}
    small: dict[str, list[str]] = {}  # texts below the legibility floor

    def shot(name: str) -> None:
        h.frames(3)
        h.screenshot(out / f"evaluator-{name}-{orient}.png")
        checked[name] = texts_checked(root)
        contrast[name] = [str(f) for f in contrast_failures(root)]
        small[name] = small_texts(root, MIN_TEXT_PX)

    shot("idle")
    c.staff_card("CARD-0123")
    shot("ready")
    c.on_command(
        "invite",
        json.dumps(
            {
                "schema": "hall.invite/1",
                "case_id": "BJ20261123-0042",
                "item_name": "居民户口簿补领",
                "applicant_masked": "张*",
            }
        ).encode(),
    )
    clock.advance(12)
    c.tick()
    shot("invited")
    qr_url = root.screens["invited"].qr_url
    h.tap(root.screens["invited"].ids.levels.buttons[2])
    h.tap(root.screens["reasons"].ids.reasons.tile("R02"))
    c.touch_public(False)
    shot("reasons")
    outbox.close()  # the disk goes away: the rating must stay on screen
    h.tap(root.screens["reasons"].ids.submit)
    shot("rated-error")
    c.sink = Outbox(tmp / "outbox.db", clock=clock)  # the disk is back
    clock.advance(2)
    c.tick()
    shot("thanks")
    clock.advance(3)
    c.tick()
    c.keypad_key(KeyPressed("invite"))
    shot("invited-free")
    c.on_command("identify", b'{"schema":"hall.identify/1","seconds":5}')
    clock.advance(0.6)
    shot("identify")
    (out / f"manifest-{orient}.json").write_text(
        json.dumps(
            {"qr_url": qr_url, "contrast": contrast, "checked": checked, "small": small}, ensure_ascii=False
        )
    )


if __name__ == "__main__":
    main()
