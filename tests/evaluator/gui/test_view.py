"""The evaluator's Kivy view rendering real pixels (offscreen SDL): touches reach a real outbox,
every screen is screenshotted in both orientations, and the on-screen QR code decodes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.device_config import DeviceConfig, StaffMember
from core.events import RatingEvent
from core.outbox import Outbox
from core.topics import parse
from evaluator.controller import DeviceIdentity, EvaluatorController
from evaluator.viewmodel import State
from tests.support.kivy_harness import Harness

pytestmark = [pytest.mark.gui, pytest.mark.xdist_group("kivy-window")]

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
URL = "https://hcp.example.gov.cn/rate?case={case_id}&n={assess_number}"


@pytest.fixture(scope="module")
def harness() -> Harness:
    from ui.fonts import register_cjk_font

    register_cjk_font()
    return Harness()


@pytest.fixture
def app(harness: Harness, tmp_path: Path):
    from evaluator.view.root import EvaluatorRoot

    clock = FakeClock()
    outbox = Outbox(tmp_path / "outbox.db", clock=clock)
    cfg = DeviceConfig(
        window_name="5号窗口", staff=[StaffMember(id="S05", name="周敏", card="CARD-5")], rating_url=URL
    )
    c = EvaluatorController(DeviceIdentity("demo-hall", "eval-05", "w05", "110101"), cfg, clock, outbox)
    root = EvaluatorRoot(c, "eval-05")
    c.add_listener(root.render)
    root.render(c.view_model())
    harness.show(root)
    yield c, root, outbox, harness
    harness.clear()
    outbox.close()


def ratings(outbox: Outbox) -> list[RatingEvent]:
    return [RatingEvent.from_json(e.payload) for e in outbox.due(100) if parse(e.topic).name == "rating"]


def invite(c: EvaluatorController, case_id: str = "C-77") -> None:
    body = {"schema": "hall.invite/1", "case_id": case_id, "item_name": "营业执照变更"}
    assert c.on_command("invite", json.dumps(body).encode()).result == "accepted"


def test_cjk_font_renders_chinese(harness: Harness) -> None:
    from kivy.core.text import Label as CoreLabel

    def pixels(ch: str) -> bytes:
        lbl = CoreLabel(text=ch, font_size=40)
        lbl.refresh()
        return bytes(lbl.texture.pixels)

    assert pixels("非") != pixels("常")


def test_touching_a_level_stores_the_rating(app) -> None:
    c, root, outbox, h = app
    c.staff_card("CARD-5")
    invite(c)
    h.frames(2)
    assert root.manager.current == "invited"
    assert all(not b.selected for b in root.screens["invited"].ids.levels.buttons.values())
    h.tap(root.screens["invited"].ids.levels.buttons[4])
    (ev,) = ratings(outbox)
    assert (ev.level, ev.input, ev.case_id, ev.channel) == (4, "touch", "C-77", 4)
    assert [s.id for s in ev.staff] == ["S05"]
    h.frames(2)
    assert root.manager.current == "thanks"


def test_touch_without_open_rating_does_nothing(app) -> None:
    c, root, outbox, h = app
    c.staff_card("CARD-5")
    h.frames(2)
    # the level buttons exist but no rating is open: touching where they are changes nothing
    h.tap(root.screens["invited"].ids.levels.buttons[5])
    assert ratings(outbox) == [] and c.state is State.READY


def test_bad_rating_by_touch_with_reason_and_not_public(app) -> None:
    c, root, outbox, h = app
    c.staff_card("CARD-5")
    invite(c)
    h.frames(2)
    h.tap(root.screens["invited"].ids.levels.buttons[1])
    assert root.manager.current == "reasons"
    reasons = root.screens["reasons"]
    h.tap(reasons.ids.submit)  # no reason yet: refused, nothing stored
    assert ratings(outbox) == [] and root.manager.current == "reasons"
    h.tap(reasons.ids.reasons.tile("R05"))
    assert reasons.ids.reasons.tile("R05").active
    h.tap(reasons.ids.public.no)  # 不公开
    h.tap(reasons.ids.submit)
    (ev,) = ratings(outbox)
    assert (ev.level, ev.reasons, ev.public) == (1, ["R05"], False)


def test_every_screen_both_orientations_and_qr_decodes(tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    for w, h in ((1280, 800), (800, 1280)):
        # One window size per process: an offscreen window cannot be resized once open.
        subprocess.run(
            [sys.executable, "-m", "tests.evaluator.gui.shoot_screens", str(tmp_path), str(w), str(h)],
            cwd=ROOT,
            check=True,
            timeout=120,
            capture_output=True,
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    names = ["idle", "ready", "invited", "reasons", "rated-error", "thanks", "invited-free", "identify"]
    for orient, size in (("landscape", (1280, 800)), ("portrait", (800, 1280))):
        for name in names:
            shot = tmp_path / f"evaluator-{name}-{orient}.png"
            img = Image.open(shot)
            assert img.size == size, shot
            colours = img.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 20, f"{shot.name} looks blank"
            shutil.copy(shot, ARTIFACTS / shot.name)
        manifest = json.loads((tmp_path / f"manifest-{orient}.json").read_text())
        # every text on every screen: WCAG AA contrast, and no text below the legibility floor
        assert all(n > 0 for n in manifest["checked"].values()), manifest["checked"]
        assert {k: v for k, v in manifest["contrast"].items() if v} == {}
        assert {k: v for k, v in manifest["small"].items() if v} == {}
        expected = manifest["qr_url"]
        assert expected == "https://hcp.example.gov.cn/rate?case=BJ20261123-0042&n=1"
        found = zxingcpp.read_barcodes(Image.open(tmp_path / f"evaluator-invited-{orient}.png"))
        assert [b.text for b in found] == [expected]
        assert zxingcpp.read_barcodes(Image.open(tmp_path / f"evaluator-invited-free-{orient}.png")) == []


def _window_rect(w) -> tuple[float, float, float, float]:
    x, y = w.to_window(w.x, w.y)
    return (x, y, w.width, w.height)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_identify_band_and_frame_cover_nothing(app) -> None:
    c, root, outbox, h = app
    c.staff_card("CARD-5")
    invite(c)
    assert c.on_command("identify", b'{"schema":"hall.identify/1","seconds":5}').result == "accepted"
    h.frames(4)
    band = _window_rect(root.flash)
    assert root.flash.opacity == 1 and band[3] >= 60
    screen = root.screens["invited"]
    title = _window_rect(screen.children[0].children[-1])  # the TitleBar, first in its column
    faces = [_window_rect(b) for b in screen.ids.levels.buttons.values()]
    for r in [title, *faces]:
        assert not _overlap(band, r)
    # the frame is drawn in a margin the screen no longer uses
    f = root.flash.FRAME
    x, y, w, hh = _window_rect(root.manager)
    assert x >= f and y >= f and x + w <= root.width - f
    assert band[1] + band[3] <= root.height - f + 0.5 and band[1] >= y + hh - 0.5
    h.tap(screen.ids.levels.buttons[4])  # the citizen can still rate while the device is identified
    assert [e.level for e in ratings(outbox)] == [4]


def test_not_saved_screen_says_one_thing(app) -> None:
    from kivy.uix.label import Label

    c, root, outbox, h = app
    c.staff_card("CARD-5")
    invite(c)
    h.frames(2)
    outbox.close()  # the disk goes away
    h.tap(root.screens["invited"].ids.levels.buttons[5])
    h.frames(2)
    assert root.manager.current == "rated"
    shown = [w.text for w in root.walk() if isinstance(w, Label) and w.text and w.opacity > 0
             and w.get_root_window() is not None and w.height > 0]  # fmt: skip
    about_saving = [t for t in shown if "保存" in t]
    assert len(about_saving) == 1, shown
    assert "无需操作" in about_saving[0] and "may leave" in about_saving[0]
    assert root.message.height == 0 and root.message.opacity == 0


def test_reasons_buttons_are_touch_sized_and_chosen_looks_the_same(app) -> None:
    c, root, _, h = app
    c.staff_card("CARD-5")
    invite(c)
    h.frames(2)
    h.tap(root.screens["invited"].ids.levels.buttons[2])
    reasons = root.screens["reasons"]
    h.tap(reasons.ids.reasons.tile("R01"))
    h.tap(reasons.ids.public.no)
    h.frames(2)
    assert root.landscape
    for tile in (reasons.ids.public.yes, reasons.ids.public.no, reasons.ids.back, reasons.ids.submit):
        assert tile.height >= 80, tile.zh
        sizes = [int(s) for s in re.findall(r"\[size=(\d+)\]", tile.text)]
        assert sizes and min(sizes) >= 16, tile.text
    chosen = [reasons.ids.reasons.tile("R01"), reasons.ids.public.no]
    fills = [_fill(t) for t in chosen]
    assert fills[0] == pytest.approx(fills[1])  # one "chosen" look
    assert all(t.text.startswith("✓") for t in chosen)
    assert not reasons.ids.public.yes.text.startswith("✓")


def _fill(tile) -> tuple[float, ...]:
    from kivy.graphics import Color

    colours = [i.rgba for i in tile.canvas.before.children if isinstance(i, Color)]
    return tuple(colours[0])


def test_ready_card_is_as_wide_as_its_words(app) -> None:
    c, root, _, h = app
    c.staff_card("CARD-5")
    h.frames(4)
    from evaluator.view.widgets import ClerkPanel

    ready = root.screens["ready"]
    card = next(w for w in ready.walk() if isinstance(w, ClerkPanel))
    from tests.support.contrast import line_widths

    words = max(max(line_widths(lbl)) for lbl in card.info.children if lbl.text)
    pad_l, _, pad_r, _ = card.padding
    room = card.width - pad_l - pad_r - card.avatar.width - card.spacing
    assert words >= 0.75 * room, (words, room)
    assert card.name_label.font_size >= 40
