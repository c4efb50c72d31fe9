"""The five-level rating widget: large buttons with drawn faces, colours and words.

Faces are drawn on the canvas (no emoji font, no image files). Nothing is selected until the
citizen touches a level (`selected` is None by default); the widget only reports touches through
`on_level`, the controller decides what they mean.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Ellipse, Line, RoundedRectangle
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from core.levels import DISPLAY_ORDER, Level
from ui.text import font_step

RGBA = tuple[float, float, float, float]

# Background and text colour per level: green (5) to red (1); dark text on the amber middle.
LEVEL_COLOURS: dict[int, tuple[RGBA, RGBA]] = {
    5: ((0.07, 0.53, 0.25, 1), (1, 1, 1, 1)),
    4: ((0.36, 0.64, 0.16, 1), (1, 1, 1, 1)),
    3: ((0.97, 0.73, 0.07, 1), (0.13, 0.13, 0.13, 1)),
    2: ((0.92, 0.45, 0.11, 1), (1, 1, 1, 1)),
    1: ((0.80, 0.15, 0.15, 1), (1, 1, 1, 1)),
}
# How much the mouth smiles (+) or frowns (-).
_CURVE = {5: 1.0, 4: 0.5, 3: 0.0, 2: -0.45, 1: -0.9}


Point = tuple[float, float]


def _quad(p0: Point, c: Point, p1: Point, n: int = 16) -> list[float]:
    """Points along a quadratic Bezier curve (a Line with points draws thick lines reliably)."""
    pts: list[float] = []
    for i in range(n + 1):
        t = i / n
        a, b, d = (1 - t) ** 2, 2 * (1 - t) * t, t * t
        pts += [a * p0[0] + b * c[0] + d * p1[0], a * p0[1] + b * c[1] + d * p1[1]]
    return pts


class Face(Widget):
    level = NumericProperty(3)
    ink = ListProperty([0.1, 0.1, 0.1, 1])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, level=self._draw, ink=self._draw)
        self._draw()

    def _draw(self, *_: Any) -> None:
        d = min(self.width, self.height)
        cx, cy = self.center_x, self.center_y
        lvl = int(self.level)
        curve = _CURVE.get(lvl, 0.0)
        self.canvas.clear()
        if d <= 4:
            return
        with self.canvas:
            Color(1, 1, 1, 1)
            Ellipse(pos=(cx - d / 2, cy - d / 2), size=(d, d))
            Color(*self.ink)
            ew, eh = d * 0.11, d * 0.15
            for sx in (-1, 1):
                Ellipse(pos=(cx + sx * d * 0.18 - ew / 2, cy + d * 0.08), size=(ew, eh))
            if lvl == 1:  # knitted brows for the unhappiest face
                for sx in (-1, 1):
                    Line(
                        points=[cx + sx * d * 0.28, cy + d * 0.30, cx + sx * d * 0.09, cy + d * 0.25],
                        width=max(1.0, d * 0.025),
                        cap="round",
                    )
            half = d * 0.22
            base = cy - d * 0.18 - (0.0 if curve >= 0 else curve * d * 0.1)
            ctrl_y = base - curve * d * 0.26
            pts = _quad((cx - half, base), (cx, ctrl_y), (cx + half, base))
            Line(points=pts, width=max(1.2, d * 0.04), cap="round", joint="round")


class LevelButton(ButtonBehavior, BoxLayout):
    """One level: a coloured tile with a face, the Chinese word and the English beneath."""

    level = NumericProperty(3)
    selected = BooleanProperty(False)
    dimmed = BooleanProperty(False)
    enabled = BooleanProperty(True)
    text_scale = NumericProperty(1.0)  # 1.5 in the kiosk's elderly mode

    def __init__(self, level: int, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", padding=(6, 12), spacing=4, **kwargs)
        self.level = level
        bg, fg = LEVEL_COLOURS[level]
        self._bg, self._fg = bg, fg
        self.face = Face(level=level, ink=[*bg[:3], 1], size_hint=(1, 0.55))
        self.zh = Label(text=Level(level).zh, color=fg, bold=True, size_hint=(1, 0.25), halign="center")
        self.en = Label(text=Level(level).en, color=fg, size_hint=(1, 0.2), halign="center", valign="top")
        for w in (self.face, self.zh, self.en):
            self.add_widget(w)
        self.bind(pos=self._draw, size=self._draw, selected=self._draw, dimmed=self._draw,
                  text_scale=self._draw)
        self._draw()

    def _draw(self, *_: Any) -> None:
        w, h, s = self.width, self.height, self.text_scale
        wide = w > 1.6 * h  # a short strip (e.g. above the reasons): face beside the words
        if wide and w > 4 * h:  # a long strip (the kiosk's elderly mode): room for the English too
            self.orientation = "horizontal"
            self.face.size_hint = (0.22, 1)
            self.zh.size_hint, self.en.size_hint = (0.43, 1), (0.35, 1)
            self.en.opacity = 1
            self.zh.font_size = font_step(max(12, min(w * 0.06, h * 0.32 * s, 40 * s)))
            self.en.font_size = font_step(max(10, min(w * 0.035, h * 0.2 * s, 24 * s)))
            self.zh.text_size = (w * 0.43 - 8, None)
            self.en.text_size = (w * 0.35 - 8, None)
            self.en.valign = "middle"
        elif wide:
            self.orientation = "horizontal"
            self.face.size_hint = (0.3, 1)
            self.zh.size_hint, self.en.size_hint = (0.7, 1), (0, 0)
            self.en.opacity = 0
            self.zh.font_size = font_step(max(12, min(w * 0.11, h * 0.32 * s, 40 * s)))
            self.zh.text_size = (w * 0.7 - 8, None)
        else:
            self.orientation = "vertical"
            self.en.valign = "top"
            self.face.size_hint = (1, 0.55)
            self.zh.size_hint, self.en.size_hint = (1, 0.25), (1, 0.2)
            self.en.opacity = 1
            self.zh.font_size = font_step(max(14, min(w * 0.16 * s, h * 0.13, 46 * s)))
            self.en.font_size = font_step(max(10, min(w * 0.1 * s, h * 0.075, 24 * s)))
            for lbl in (self.zh, self.en):
                lbl.text_size = (w - 8, None)
        alpha = 0.35 if self.dimmed else 1.0
        self.opacity = alpha
        self.canvas.before.clear()
        r = min(w, h) * 0.1
        with self.canvas.before:
            Color(*self._bg)
            RoundedRectangle(pos=self.pos, size=self.size, radius=[r])
            if self.selected:
                Color(0.1, 0.1, 0.1, 1)
                Line(rounded_rectangle=(self.x + 3, self.y + 3, w - 6, h - 6, r), width=5)
                Color(1, 1, 1, 1)
                Line(rounded_rectangle=(self.x + 9, self.y + 9, w - 18, h - 18, r * 0.8), width=3)

    def on_release(self) -> None:
        pass


class RatingLevels(BoxLayout):
    """Five LevelButtons, best first. `selected` is None until the controller says otherwise."""

    selected = ObjectProperty(None, allownone=True)
    text_scale = NumericProperty(1.0)  # passed to every LevelButton
    __events__ = ("on_level",)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("spacing", 14)
        super().__init__(**kwargs)
        self.buttons: dict[int, LevelButton] = {}
        for level in DISPLAY_ORDER:
            b = LevelButton(int(level))
            b.bind(on_release=self._pressed)
            self.buttons[int(level)] = b
            self.add_widget(b)
        self.bind(selected=self._show_selected)
        self.bind(text_scale=self._scale)

    def _scale(self, *_: Any) -> None:
        for b in self.buttons.values():
            b.text_scale = self.text_scale

    def _pressed(self, button: LevelButton) -> None:
        self.dispatch("on_level", int(button.level))

    def _show_selected(self, *_: Any) -> None:
        for lvl, b in self.buttons.items():
            b.selected = self.selected == lvl
            b.dimmed = self.selected is not None and self.selected != lvl

    def on_level(self, level: int) -> None:
        pass
