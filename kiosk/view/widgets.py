"""Kiosk building blocks: themed text, large touch tiles, cards, the step timeline, a letter keypad.

All sizes scale with the theme (elderly mode is 1.5×); touch targets are at least 120 px high
(≈ 15 mm on a 21.5" 1080×1920 panel), far above the 9 mm minimum for public terminals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.properties import ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.view.theme import RGBA, Theme
from ui.shaped_text import ShapedLabel
from ui.text import FONT_LADDER, has_cjk, wrap_cjk

MIN_TOUCH = 120


class Txt(Label):
    """A wrapping label whose height follows its text (for lists and pages). Chinese is broken
    into lines by `ui.text.wrap_cjk` (each line filled, 禁则 kept): Kivy alone breaks only at spaces,
    so "（2寸，3 份，必需）" used to leave half a line empty before "份"."""

    def __init__(
        self,
        text: str = "",
        *,
        size: float = 34,
        color: RGBA = (0, 0, 0, 1),
        bold: bool = False,
        halign: str = "left",
        **kw: Any,
    ) -> None:
        kw.setdefault("size_hint_y", None)
        super().__init__(
            text=text, font_size=size, color=color, bold=bold, halign=halign, valign="middle", **kw
        )
        self._source = text
        self._measurer: Any = None
        self.bind(width=self._wrap, texture_size=self._fit)
        self._wrap()

    def _wrap(self, *_: Any) -> None:
        width = max(1.0, self.width)
        if has_cjk(self._source) and width > 1.0:
            self.text = wrap_cjk(self._source, width - 2, self._measure)
        self.text_size = (width, None)

    def _measure(self, s: str) -> float:
        if self._measurer is None:
            from kivy.core.text import Label as CoreLabel

            self._measurer = CoreLabel(font_size=self.font_size, bold=self.bold, font_name=self.font_name)
        return float(self._measurer.get_extents(s)[0])

    def _fit(self, *_: Any) -> None:
        self.height = self.texture_size[1]


def paint(widget: Widget, fill: RGBA, line: RGBA | None = None, radius: float = 16, width: float = 2) -> None:
    """A rounded background (and border) that follows the widget."""

    def draw(*_: Any) -> None:
        widget.canvas.before.clear()
        with widget.canvas.before:
            Color(*fill)
            RoundedRectangle(pos=widget.pos, size=widget.size, radius=[radius])
            if line is not None:
                Color(*line)
                Line(
                    rounded_rectangle=(
                        widget.x + 1,
                        widget.y + 1,
                        widget.width - 2,
                        widget.height - 2,
                        radius,
                    ),
                    width=width,
                )

    widget.bind(pos=draw, size=draw)
    draw()


class Tile(ButtonBehavior, BoxLayout):
    """A large touch tile: a title, an optional second line; `on_release` does the action.

    With `mn` text the tile shows it as a vertical Mongolian column at its left, Chinese beside.
    """

    def __init__(
        self,
        title: str,
        sub: str = "",
        *,
        th: Theme,
        on_press_do: Callable[[], None] | None = None,
        primary: bool = False,
        title_size: float = 40,
        height: float = 150,
        mn: str = "",
        badge: str = "",
        badge_color: RGBA | None = None,
        center: bool = False,
        **kw: Any,
    ) -> None:
        kw.setdefault("size_hint_y", None)
        super().__init__(orientation="horizontal", padding=(28, 12), spacing=20, **kw)
        self.height = max(MIN_TOUCH, height * th.scale)
        fill = th.accent if primary else th.card
        ink = th.accent_ink if primary else th.ink
        paint(self, fill, None if primary else th.card_line)
        if mn:
            col = ShapedLabel(
                text=mn,
                lang="mn",
                font_size=th.fs(26),
                color=list(ink),
                vertical=True,
                size_hint_x=None,
                wrap=self.height - 24,
            )
            col.width = col.texture_size[0]
            self.add_widget(col)
        texts = BoxLayout(orientation="vertical", spacing=4)
        self.title = Label(
            text=title,
            font_size=th.fs(title_size),
            color=ink,
            bold=True,
            halign="center" if center else "left",
            valign="middle",
        )
        self._title_size = th.fs(title_size)
        self.title.bind(size=self._fit_title)
        texts.add_widget(self.title)
        if sub:
            s = Label(
                text=sub,
                font_size=th.fs(title_size * 0.62),
                color=ink if primary else th.muted,
                halign="left",
                valign="top",
            )
            s.bind(size=lambda w, sz: setattr(w, "text_size", sz))
            texts.add_widget(s)
        self.add_widget(texts)
        if badge:
            b = Label(
                text=badge,
                font_size=th.fs(28),
                bold=True,
                color=th.badge_ink if badge_color else ink,
                size_hint_x=None,
                width=th.fs(28) * (len(badge) + 2),
            )
            paint(b, badge_color or th.card, None, radius=12)
            bl = BoxLayout(size_hint_x=None, width=b.width, padding=(0, (self.height - th.fs(56)) / 2 - 12))
            bl.add_widget(b)
            self.add_widget(bl)
        if on_press_do is not None:
            self.bind(on_release=lambda *_: on_press_do())

    def _fit_title(self, *_: Any) -> None:
        _fit_into(self.title, self._title_size, self._title_size * 0.6)


def _fit_into(label: Label, largest: float, smallest: float) -> None:
    """The largest font (ladder steps, from `largest` down to `smallest`) at which the label's
    wrapped text fits its box."""
    label.text_size = label.size
    size = largest  # as asked when it fits; ladder steps below it when it does not
    while True:
        label.font_size = size
        label.texture_update()
        lines = label._label._cached_lines
        if size <= smallest or sum(line.h for line in lines) <= label.height:
            return
        smaller = [s for s in FONT_LADDER if s < size]
        if not smaller:
            return
        size = smaller[-1]


class Card(BoxLayout):
    """A white (or dark, in elderly mode) panel whose height follows its children."""

    def __init__(self, th: Theme, **kw: Any) -> None:
        kw.setdefault("orientation", "vertical")
        kw.setdefault("size_hint_y", None)
        kw.setdefault("padding", (32, 24))
        kw.setdefault("spacing", 10)
        super().__init__(**kw)
        self.bind(minimum_height=self.setter("height"))
        paint(self, th.card, th.card_line)


class KeyValue(BoxLayout):
    """`label: value` on one row (the value wraps)."""

    def __init__(
        self,
        key: str,
        value: str,
        th: Theme,
        size: float = 32,
        key_width: float = 240,
        value_color: RGBA | None = None,
        **kw: Any,
    ) -> None:
        kw.setdefault("size_hint_y", None)
        super().__init__(orientation="horizontal", spacing=16, **kw)
        k = Txt(key, size=th.fs(size), color=th.muted, size_hint_x=None, width=key_width * th.scale)
        v = Txt(value, size=th.fs(size), color=value_color or th.ink)
        self.add_widget(k)
        self.add_widget(v)

        def fit(*_: Any) -> None:
            self.height = max(k.height, v.height)

        k.bind(height=fit)
        v.bind(height=fit)


class TimelineStep(BoxLayout):
    """One step (环节) of a case: a dot on the timeline (filled with a tick when 已办, a ring when
    待办), its name and status, the handler (masked) and its times. Drawn on the row's own canvas,
    so the line always joins the dots whatever the row's final height is."""

    def __init__(
        self,
        th: Theme,
        *,
        name: str,
        status_text: str,
        done: bool,
        handler: str,
        times: str,
        first: bool,
        last: bool,
        **kw: Any,
    ) -> None:
        kw.setdefault("size_hint_y", None)
        super().__init__(orientation="horizontal", spacing=18, **kw)
        self._colour = th.ok if done else th.pending
        self._done, self._first, self._last = done, first, last
        self._mark_w = 56 * th.scale
        self.add_widget(Widget(size_hint_x=None, width=self._mark_w))
        body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=4, padding=(0, 4, 0, 18))
        body.bind(minimum_height=body.setter("height"))
        head = BoxLayout(size_hint_y=None, height=th.fs(48), spacing=12)
        head.add_widget(Txt(name, size=th.fs(36), color=th.ink, bold=True))
        badge = Label(
            text=status_text,
            font_size=th.fs(28),
            bold=True,
            color=th.badge_ink,
            size_hint_x=None,
            width=th.fs(28) * 3.2,
        )
        paint(badge, self._colour, None, radius=10)
        head.add_widget(badge)
        body.add_widget(head)
        if handler:
            body.add_widget(Txt(handler, size=th.fs(28), color=th.muted))
        if times:
            body.add_widget(Txt(times, size=th.fs(28), color=th.muted))
        self.add_widget(body)
        body.bind(height=self.setter("height"))
        self._head_h = th.fs(48)
        # redraw once per frame, after the layout has settled (heights arrive over several passes)
        self._redraw = Clock.create_trigger(self._draw, -1)
        self.bind(pos=self._redraw, size=self._redraw)

    def _draw(self, *_: Any) -> None:
        self.canvas.before.clear()
        r = min(self._mark_w, 44) / 2
        cx = self.x + self._mark_w / 2
        cy = self.top - 4 - self._head_h / 2  # level with the step's name
        with self.canvas.before:
            Color(*self._colour)
            if not self._first:
                Rectangle(pos=(cx - 2, cy + r), size=(4, self.top - cy - r))
            if not self._last:
                Rectangle(pos=(cx - 2, self.y), size=(4, cy - r - self.y))
            if self._done:
                Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
                Color(1, 1, 1, 1) if self._colour[0] < 0.5 else Color(0, 0, 0, 1)
                Line(
                    points=[cx - r * 0.45, cy, cx - r * 0.1, cy - r * 0.4, cx + r * 0.5, cy + r * 0.4],
                    width=3,
                )
            else:
                Line(circle=(cx, cy, r - 2), width=3)


class LetterPad(BoxLayout):
    """An on-screen keypad for pinyin initials (a kiosk has no keyboard and no IME), laid out as a
    keyboard is: Q-P, A-L with 退格, Z-M with 清空 and a double-width 搜索."""

    ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")

    def __init__(
        self,
        th: Theme,
        on_key: Callable[[str], None],
        labels: tuple[str, str, str] = ("退格", "清空", "搜索"),
        **kw: Any,
    ) -> None:
        kw.setdefault("size_hint_y", None)
        super().__init__(orientation="vertical", spacing=10, **kw)
        key_h = max(MIN_TOUCH * 0.8, 96 * th.scale)
        back, clear, go = labels
        extra: tuple[list[tuple[str, str, float, bool]], ...] = (
            [],
            [(back, "BACK", 1.0, False)],
            [(clear, "CLEAR", 1.0, False), (go, "GO", 2.0, True)],
        )
        self.keys: dict[str, Widget] = {}
        for letters, more in zip(self.ROWS, extra, strict=True):
            row = BoxLayout(spacing=10, size_hint_y=None, height=key_h)
            for ch in letters:
                row.add_widget(self._key(ch, th, on_key, key_h))
            for label, value, width, primary in more:
                row.add_widget(self._key(label, th, on_key, key_h, value=value, primary=primary, width=width))
            for k in row.children:
                self.keys[k.key] = k
            self.add_widget(row)
        self.height = (key_h + 10) * 3 - 10

    @staticmethod
    def _key(
        label: str,
        th: Theme,
        on_key: Callable[[str], None],
        h: float,
        value: str | None = None,
        primary: bool = False,
        width: float = 1.0,
    ) -> Widget:
        size = (
            th.fs(34) if len(label) == 1 else min(th.fs(26), 30, 150 / max(2, len(label)))
        )  # word keys fit their key in 长者模式 too
        ink = th.accent_ink if primary else th.ink
        b = _Key(text=label, font_size=size, bold=True, color=ink, size_hint_x=width)
        b.key = value or label
        paint(b, th.accent if primary else th.card, th.card_line, radius=12)
        b.bind(on_release=lambda w: on_key(w.key))
        return b


class _Key(ButtonBehavior, Label):
    key = StringProperty("")


class IdCardPicture(Widget):
    """A drawn resident ID card (no image file): where the card goes, at a glance."""

    ink = ListProperty([0.08, 0.33, 0.66, 1])

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.bind(pos=self._draw, size=self._draw, ink=self._draw)
        self._draw()

    def _draw(self, *_: Any) -> None:
        self.canvas.clear()
        w = min(self.width, self.height * 1.58)  # ID-1 card proportions (85.6 × 54 mm)
        h = w / 1.58
        x, y = self.center_x - w / 2, self.center_y - h / 2
        with self.canvas:
            Color(*self.ink)
            Line(rounded_rectangle=(x, y, w, h, w * 0.05), width=5)
            Color(self.ink[0], self.ink[1], self.ink[2], 0.25)
            RoundedRectangle(pos=(x + w * 0.66, y + h * 0.18), size=(w * 0.26, h * 0.58), radius=[8])
            Color(*self.ink)
            for i in range(4):
                Rectangle(
                    pos=(x + w * 0.08, y + h * (0.68 - i * 0.15)), size=(w * (0.48 - i * 0.06), h * 0.05)
                )
