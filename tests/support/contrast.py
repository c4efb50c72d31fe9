"""WCAG 2.x contrast of every text on a Kivy screen, computed from the widgets' own colours.

`contrast_failures(root)` walks the widget tree in paint order (canvas.before, the widget's own
canvas, its children back to front, canvas.after), keeps every filled shape (rectangles, rounded
rectangles, ellipses) with the colour and opacity it is drawn with, and for each visible text
(a Kivy `Label` or a `ShapedLabel`) composites what is painted beneath a few points of the text's
box onto the window's clear colour. The text colour, composited the same way, must reach 4.5:1
against every such background, or 3:1 for large text (24 px, or 18.66 px bold; WCAG's 18 pt and
14 pt bold). Disabled widgets (WCAG: inactive components) and texts scrolled out of view are
not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

RGB = tuple[float, float, float]

NORMAL = 4.5
LARGE = 3.0
LARGE_PX, LARGE_BOLD_PX = 24.0, 18.66


def luminance(c: RGB) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(x) for x in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def over(top: tuple[float, ...], alpha: float, below: RGB) -> RGB:
    return (
        top[0] * alpha + below[0] * (1 - alpha),
        top[1] * alpha + below[1] * (1 - alpha),
        top[2] * alpha + below[2] * (1 - alpha),
    )


@dataclass
class _Shape:
    kind: str
    x: float
    y: float
    w: float
    h: float
    rgba: tuple[float, float, float, float]

    def contains(self, px: float, py: float) -> bool:
        if not (self.x <= px <= self.x + self.w and self.y <= py <= self.y + self.h):
            return False
        if self.kind == "ellipse":
            rx, ry = self.w / 2, self.h / 2
            if rx <= 0 or ry <= 0:
                return False
            dx, dy = (px - self.x - rx) / rx, (py - self.y - ry) / ry
            return dx * dx + dy * dy <= 1
        return True


@dataclass
class _Text:
    widget: Any
    text: str
    rgba: tuple[float, float, float, float]
    size_px: float
    bold: bool
    box: tuple[float, float, float, float]  # window coordinates
    paint_index: int  # shapes painted before it


@dataclass(frozen=True)
class Failure:
    text: str
    ratio: float
    needed: float
    size_px: float
    fg: RGB
    bg: RGB

    def __str__(self) -> str:
        hexa = "#{:02x}{:02x}{:02x}".format
        return (
            f"{self.text[:40]!r}: {self.ratio:.2f}:1 < {self.needed}:1 ({self.size_px:.0f} px, "
            f"{hexa(*(round(v * 255) for v in self.fg))} on {hexa(*(round(v * 255) for v in self.bg))})"
        )


_SIZE_TAG = re.compile(r"\[size=(\d+(?:\.\d+)?)")
_TAG = re.compile(r"\[/?[a-z_]+(?:=[^\]]*)?\]")


def _plain(text: str, markup: bool) -> str:
    return _TAG.sub("", text) if markup else text


class _Walker:
    def __init__(self, window: Any) -> None:
        self.window = window
        self.shapes: list[_Shape] = []
        self.texts: list[_Text] = []
        self.colour: tuple[float, float, float, float] = (1, 1, 1, 1)
        self.clip: list[tuple[float, float, float, float]] = []
        from kivy.graphics import Rectangle

        self.plain_texture = Rectangle().texture.id  # Kivy's white default: a solid fill
        self.masking = False

    def _box(
        self, w: Any, x: float, y: float, width: float, height: float
    ) -> tuple[float, float, float, float]:
        x0, y0 = w.to_window(x, y)
        x1, y1 = w.to_window(x + width, y + height)
        return (min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))

    def _instructions(self, w: Any, canvas: Any, opacity: float) -> None:
        from kivy.graphics import Color, Ellipse, Rectangle, RoundedRectangle, StencilPush, StencilUse
        from kivy.graphics.instructions import Canvas, CanvasBase

        for ins in canvas.children:
            if isinstance(ins, Canvas | CanvasBase):
                continue  # a child widget's canvas or before/after: walked in their own turn
            if isinstance(ins, StencilPush):
                self.masking = True  # shapes up to StencilUse draw a clipping mask, not colour
            elif isinstance(ins, StencilUse):
                self.masking = False
            elif self.masking:
                continue
            elif isinstance(ins, Color):
                self.colour = tuple(ins.rgba)
            elif isinstance(ins, Rectangle | RoundedRectangle | Ellipse):
                if ins.texture is not None and ins.texture.id != self.plain_texture:
                    continue  # the text itself, or an image (photo, QR code): colours unknown
                x, y, bw, bh = self._box(w, ins.pos[0], ins.pos[1], ins.size[0], ins.size[1])
                r, g, b, a = self.colour
                kind = "ellipse" if isinstance(ins, Ellipse) else "rect"
                self.shapes.append(_Shape(kind, x, y, bw, bh, (r, g, b, a * opacity)))

    def walk(self, w: Any, opacity: float = 1.0) -> None:
        from kivy.uix.label import Label
        from kivy.uix.scrollview import ScrollView

        from ui.shaped_text import ShapedLabel

        op = opacity * float(w.opacity)
        if op <= 0.01:
            return
        is_text = isinstance(w, Label | ShapedLabel)
        if w.canvas.has_before:
            self._instructions(w, w.canvas.before, op)
        self._instructions(w, w.canvas, op)
        if is_text:
            self._text(w, op)
        clipped = isinstance(w, ScrollView)
        if clipped:
            self.clip.append(self._box(w.parent, w.x, w.y, w.width, w.height) if w.parent else (0, 0, 0, 0))
        for child in reversed(w.children):
            self.walk(child, op)
        if clipped:
            self.clip.pop()
        if w.canvas.has_after:
            self._instructions(w, w.canvas.after, op)

    def _text(self, w: Any, op: float) -> None:
        from kivy.uix.label import Label

        text = str(getattr(w, "text", "") or "")
        if not text.strip() or w.disabled:
            return
        markup = isinstance(w, Label) and bool(w.markup)
        plain = _plain(text, markup).strip()
        if not plain:
            return
        sizes = [float(s) for s in _SIZE_TAG.findall(text)] if markup else []
        size = min([float(w.font_size), *sizes])
        tw, th = w.texture_size or (0, 0)
        if tw <= 0 or th <= 0:
            return
        # Kivy centres the texture in the widget (text_size and halign act inside the texture)
        cx, cy = w.center_x, w.center_y
        if w.parent is None:
            return
        x, y, bw, bh = self._box(w.parent, cx - tw / 2, cy - th / 2, tw, th)
        mx, my = x + bw / 2, y + bh / 2
        win_w, win_h = self.window.size
        if not (0 <= mx <= win_w and 0 <= my <= win_h):
            return
        for cx0, cy0, cw, ch in self.clip:
            if not (cx0 <= mx <= cx0 + cw and cy0 <= my <= cy0 + ch):
                return
        r, g, b, a = tuple(w.color)
        self.texts.append(
            _Text(w, plain, (r, g, b, a * op), size, bool(getattr(w, "bold", False)), (x, y, bw, bh),
                  len(self.shapes))
        )  # fmt: skip

    def failures(self) -> list[Failure]:
        clear = tuple(self.window.clearcolor)[:3]
        out: list[Failure] = []
        for t in self.texts:
            large = t.size_px >= LARGE_PX or (t.bold and t.size_px >= LARGE_BOLD_PX)
            needed = LARGE if large else NORMAL
            x, y, w, h = t.box
            points = [(x + w * fx, y + h * fy) for fx, fy in ((0.5, 0.5), (0.2, 0.3), (0.8, 0.7))]
            worst: tuple[float, RGB, RGB] | None = None
            for px, py in points:
                bg: RGB = clear
                for s in self.shapes[: t.paint_index]:
                    if s.contains(px, py):
                        bg = over(s.rgba, s.rgba[3], bg)
                fg = over(t.rgba, t.rgba[3], bg)
                r = ratio(fg, bg)
                if worst is None or r < worst[0]:
                    worst = (r, fg, bg)
            assert worst is not None
            if worst[0] < needed:
                out.append(Failure(t.text, worst[0], needed, t.size_px, worst[1], worst[2]))
        return out


def contrast_failures(root: Any) -> list[Failure]:
    """Every visible text under `root` (a widget on the window) below WCAG AA contrast."""
    from kivy.core.window import Window

    w = _Walker(Window)
    w.walk(root)
    return w.failures()


def texts_checked(root: Any) -> int:
    """How many texts `contrast_failures` looks at (so a test can say it looked at some)."""
    from kivy.core.window import Window

    w = _Walker(Window)
    w.walk(root)
    return len(w.texts)


def small_texts(root: Any, floor_px: float) -> list[str]:
    """Visible texts whose smallest part is below `floor_px` (a legibility floor for a screen)."""
    from kivy.core.window import Window

    w = _Walker(Window)
    w.walk(root)
    return [f"{t.text[:40]!r}: {t.size_px:.0f} px" for t in w.texts if t.size_px < floor_px]


def line_widths(label: Any) -> list[float]:
    """Widths in px of the lines a Kivy Label laid its text out in (its texture is as wide as its
    `text_size`, whatever the words need)."""
    label.texture_update()
    return [float(line.w) for line in label._label._cached_lines]
