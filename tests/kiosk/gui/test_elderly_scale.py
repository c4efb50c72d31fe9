"""Elderly mode (长者模式) makes the rating widgets' words at least 1.5x, measured on the widgets
the kiosk's rate screen uses, sized as on a 1080-wide kiosk (own process: one Kivy per process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = r"""
import json
from tests.support.kivy_harness import prepare_kivy
prepare_kivy()
from ui.fonts import register_cjk_font
register_cjk_font()
from ui.choices import ChoiceTile
from ui.rating import LevelButton

out = {}
for scale in (1.0, 1.5):
    # the five levels side by side (standard) and as full-width strips (elderly, before a 差评)
    tile = LevelButton(1, size=(190, 450), text_scale=scale)
    strip = LevelButton(1, size=(1000, 140), text_scale=scale)
    # reason tiles as the rate screen lays them out after a 差评: 100 px tall, 134 in elderly mode
    reason = ChoiceTile(zh="材料要求不清楚", en="Unclear requirements",
                        size=(495, 100 if scale == 1 else 134), text_scale=scale)
    out[str(scale)] = {"tile_zh": tile.first.font_size, "strip_zh": strip.first.font_size,
                       "strip_en": strip.second.font_size, "strip_en_shown": strip.second.opacity,
                       "reason": reason.font_size}
print(json.dumps(out))
"""


@pytest.mark.gui
def test_elderly_words_are_at_least_one_and_a_half_times() -> None:
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    sizes = json.loads(r.stdout.strip().splitlines()[-1])
    standard, elderly = sizes["1.0"], sizes["1.5"]
    # what a citizen sees in standard mode (levels as tiles) against elderly mode (levels as strips)
    assert elderly["strip_zh"] >= 1.5 * standard["tile_zh"]
    assert elderly["reason"] >= 1.5 * standard["reason"]
    assert elderly["strip_en_shown"] == 1 and elderly["strip_en"] >= standard["strip_en"]
