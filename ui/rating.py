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

# Background and text colour per level: green (5) to red (1), each dark enough for white words
# at WCAG AA (4.5:1, small English included); dark words on the amber middle.
LEVEL_COLOURS: dict[int, tuple[RGBA, RGBA]] = {
    5: ((0.05, 0.47, 0.22, 1), (1, 1, 1, 1)),
    4: ((0.24, 0.50, 0.10, 1), (1, 1, 1, 1)),
    3: ((0.97, 0.73, 0.07, 1), (0.13, 0.13, 0.13, 1)),
    2: ((0.75, 0.30, 0.04, 1), (1, 1, 1, 1)),
    1: ((0.80, 0.15, 0.15, 1), (1, 1, 1, 1)),
}
# A level not chosen once another one is: a white tile with the level's colour as its border and
# face, words in dark ink (fading it instead made its words unreadable).
UNCHOSEN_BG: RGBA = (1, 1, 1, 1)
UNCHOSEN_INK: RGBA = (0.13, 0.13, 0.13, 1)
MIN_SECOND_PX = 16  # the second language's words wrap rather than shrink below this
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
    """One level: a coloured tile with a face, the word in the screen's language and the other
    language beneath it (Chinese first; English first when `english_first`)."""

    level = NumericProperty(3)
    selected = BooleanProperty(False)
    dimmed = BooleanProperty(False)  # another level is chosen
    enabled = BooleanProperty(True)
    text_scale = NumericProperty(1.0)  # 1.5 in the kiosk's elderly mode
    english_first = BooleanProperty(False)

    def __init__(self, level: int, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", padding=(6, 12), spacing=4, **kwargs)
        self.level = level
        bg, fg = LEVEL_COLOURS[level]
        self._bg, self._fg = bg, fg
        self.face = Face(level=level, ink=[*bg[:3], 1], size_hint=(1, 0.55))
        self.first = Label(color=fg, bold=True, size_hint=(1, 0.25), halign="center")
        self.second = Label(color=fg, size_hint=(1, 0.2), halign="center", valign="top")
        for w in (self.face, self.first, self.second):
            self.add_widget(w)
        self.bind(pos=self._draw, size=self._draw, selected=self._draw, dimmed=self._draw,
                  text_scale=self._draw, english_first=self._draw)  # fmt: skip
        self._draw()

    def _draw(self, *_: Any) -> None:
        w, h, s = self.width, self.height, self.text_scale
        zh, en = Level(int(self.level)).zh, Level(int(self.level)).en
        self.first.text, self.second.text = (en, zh) if self.english_first else (zh, en)
        # English words are about twice as wide as Chinese ones: the first line gets less room
        k = 0.75 if self.english_first else 1.0
        wide = w > 1.6 * h  # a short strip (e.g. above the reasons): face beside the words
        if wide and w > 4 * h:  # a long strip (the kiosk's elderly mode): room for both languages
            self.orientation = "horizontal"
            self.face.size_hint = (0.22, 1)
            self.first.size_hint, self.second.size_hint = (0.43, 1), (0.35, 1)
            self.second.opacity = 1
            self.first.font_size = font_step(max(12, min(w * 0.06 * k, h * 0.32 * s, 40 * s)))
            self.second.font_size = font_step(max(MIN_SECOND_PX, min(w * 0.035, h * 0.2 * s, 28 * s)))
            self.first.text_size = (w * 0.43 - 8, None)
            self.second.text_size = (w * 0.35 - 8, None)
            self.first.valign = self.second.valign = "middle"
        elif wide:
            self.orientation = "horizontal"
            self.face.size_hint = (0.3, 1)
            self.first.size_hint, self.second.size_hint = (0.7, 1), (0, 0)
            self.second.opacity = 0
            self.first.font_size = font_step(max(12, min(w * 0.11 * k, h * 0.32 * s, 40 * s)))
            self.first.text_size = (w * 0.7 - 8, None)
            self.first.valign = "middle"
        else:
            self.orientation = "vertical"
            self.first.valign, self.second.valign = "middle", "top"
            self.face.size_hint = (1, 0.55)
            self.first.size_hint, self.second.size_hint = (1, 0.25), (1, 0.2)
            self.second.opacity = 1
            self.first.font_size = font_step(max(14, min(w * 0.16 * s * k, h * 0.13, 46 * s)))
            self.second.font_size = font_step(max(MIN_SECOND_PX, min(w * 0.1 * s, h * 0.075, 24 * s)))
            for lbl in (self.first, self.second):
                lbl.text_size = (w - 8, None)
        unchosen = self.dimmed and not self.selected
        ink = UNCHOSEN_INK if unchosen else self._fg
        self.first.color = self.second.color = ink
        self.canvas.before.clear()
        r = min(w, h) * 0.1
        with self.canvas.before:
            if unchosen:
                Color(*self._bg)
                RoundedRectangle(pos=self.pos, size=self.size, radius=[r])
                Color(*UNCHOSEN_BG)
                RoundedRectangle(pos=(self.x + 4, self.y + 4), size=(w - 8, h - 8), radius=[r * 0.8])
            else:
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
    english_first = BooleanProperty(False)  # passed to every LevelButton
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
        self.bind(text_scale=self._scale, english_first=self._scale)

    def _scale(self, *_: Any) -> None:
        for b in self.buttons.values():
            b.text_scale = self.text_scale
            b.english_first = self.english_first

    def _pressed(self, button: LevelButton) -> None:
        self.dispatch("on_level", int(button.level))

    def _show_selected(self, *_: Any) -> None:
        for lvl, b in self.buttons.items():
            b.selected = self.selected == lvl
            b.dimmed = self.selected is not None and self.selected != lvl

    def on_level(self, level: int) -> None:
        pass
