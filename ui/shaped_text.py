"""Text in scripts that need shaping (traditional Mongolian, Uyghur, Tibetan), drawn correctly.

Kivy 2.3's text providers cannot do it: the SDL2 provider draws every character in its isolated
form, left to right (no joining, no reordering, no stacking), and the Pango provider is not
compiled into the PyPI wheels (there is no `kivy.core.text._text_pango`). See docs/kiosk.md for
the evidence. Pillow's wheels carry libraqm (HarfBuzz + FriBiDi), which shapes these scripts
correctly, so this widget lays the text out with Pillow and shows the result as a texture.

Traditional Mongolian is written in vertical columns, top to bottom, columns left to right: with
`vertical=True` lines are shaped horizontally and the block is turned 90° clockwise (how every
Mongolian font is designed to be used), the first line becoming the leftmost column.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.widget import Widget
from PIL import Image, ImageDraw, ImageFont, features

FONT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "mn": (
        "/usr/share/fonts/truetype/noto/NotoSansMongolian-Regular.ttf",
        "/usr/share/fonts/noto/NotoSansMongolian-Regular.ttf",
    ),
    "ug": (
        "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    ),
    "bo": ("/usr/share/fonts/truetype/noto/NotoSerifTibetan-Regular.ttf",),
}
FC_LANG = {"mn": "mn-cn", "ug": "ug", "bo": "bo"}


class ShapingUnavailable(RuntimeError):
    """No shaping engine or no font for the script; `str()` is one line."""


def shaping_available() -> bool:
    return bool(features.check("raqm"))


@lru_cache(maxsize=8)
def font_for(lang: str) -> Path:
    """A font file that covers `lang`'s script (Debian: fonts-noto-core)."""
    for c in FONT_CANDIDATES.get(lang, ()):
        if Path(c).is_file():
            return Path(c)
    fc = shutil.which("fc-match")
    if fc and lang in FC_LANG:
        try:
            out = subprocess.run(
                [fc, "-f", "%{file}", f":lang={FC_LANG[lang]}"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and (lang != "mn" or "Mongolian" in out):
            return Path(out)
    raise ShapingUnavailable(f"no font for {lang!r}: install fonts-noto-core")


@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    if not shaping_available():
        raise ShapingUnavailable("Pillow has no libraqm: complex scripts cannot be shaped")
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def _wrap(font: ImageFont.FreeTypeFont, text: str, limit: float, direction: str | None) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        words = para.split(" ")
        line = ""
        for w in words:
            candidate = f"{line} {w}" if line else w
            if limit > 0 and line and font.getlength(candidate, direction=direction) > limit:
                lines.append(line)
                line = w
            else:
                line = candidate
        lines.append(line)
    return lines


def render(
    text: str,
    lang: str,
    size: int,
    color: tuple[int, int, int, int] = (0, 0, 0, 255),
    *,
    vertical: bool = False,
    wrap: float = 0,
) -> Image.Image:
    """`text` shaped for `lang` as an RGBA image (transparent background).

    `wrap` is the longest line in pixels (for vertical text: the column height); 0 = no wrapping.
    """
    font = _font(str(font_for(lang)), size)
    direction = "rtl" if lang == "ug" else "ltr"
    lines = _wrap(font, text, wrap, direction)
    ascent, descent = font.getmetrics()
    # vertical Mongolian fonts carry generous metrics already: columns need no extra leading
    line_h = int((ascent + descent) * (1.0 if vertical else 1.25))
    width = max(1, *(int(font.getlength(ln, direction=direction)) + 2 for ln in lines))
    height = line_h * len(lines)
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for i, ln in enumerate(lines):
        row = (len(lines) - 1 - i) if vertical else i  # vertical: the first line ends up leftmost
        x = width - 1 - int(font.getlength(ln, direction=direction)) if direction == "rtl" else 1
        draw.text(
            (x, row * line_h + (line_h - ascent - descent) // 2),
            ln,
            font=font,
            fill=color,
            direction=direction,
        )
    if vertical:
        img = img.transpose(Image.Transpose.ROTATE_270)  # 90° clockwise
    return img


class ShapedLabel(Widget):
    """Shows `text` in `lang`'s script, shaped; sizes itself (`texture_size`) to the text."""

    text = StringProperty("")
    lang = StringProperty("mn")
    font_size = NumericProperty(28)
    color = ListProperty([0.13, 0.13, 0.13, 1])
    vertical = BooleanProperty(False)
    wrap = NumericProperty(0)
    texture_size = ListProperty([0, 0])
    halign = OptionProperty("left", options=["left", "center", "right"])

    def __init__(self, **kwargs: Any) -> None:
        self._texture: Texture | None = None
        super().__init__(**kwargs)
        self.bind(
            text=self._render,
            lang=self._render,
            font_size=self._render,
            color=self._render,
            vertical=self._render,
            wrap=self._render,
        )
        # drawn once per frame after layout: reading `top` inside a size event can see a stale value
        self._redraw = Clock.create_trigger(self._draw, -1)
        self.bind(pos=self._redraw, size=self._redraw, halign=self._redraw)
        self._render()

    def _render(self, *_: Any) -> None:
        if not self.text:
            self._texture = None
            self.texture_size = [0, 0]
            self._redraw()
            return
        rgba = tuple(round(c * 255) for c in self.color)
        img = render(
            self.text,
            self.lang,
            int(self.font_size),
            rgba,
            vertical=self.vertical,
            wrap=self.wrap,
        )
        tex = Texture.create(size=img.size, colorfmt="rgba")
        tex.blit_buffer(img.tobytes(), colorfmt="rgba", bufferfmt="ubyte")
        tex.flip_vertical()
        self._texture = tex
        self.texture_size = list(img.size)
        self._redraw()

    def _draw(self, *_: Any) -> None:
        self.canvas.clear()
        if self._texture is None:
            return
        w, h = self.texture_size
        if self.halign == "center":
            x = self.x + (self.width - w) / 2
        elif self.halign == "right":
            x = self.right - w
        else:
            x = self.x
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(texture=self._texture, pos=(int(x), int(self.top - h)), size=(w, h))
