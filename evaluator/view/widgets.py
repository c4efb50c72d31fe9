"""Evaluator-only widgets: the title bar, the clerk panel, the message bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.graphics import Color, Ellipse, Rectangle, RoundedRectangle
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from ui.text import bilingual, font_step, visual_len

INK = (0.13, 0.13, 0.13, 1)
GREY = (0.42, 0.42, 0.42, 1)
BRAND = (0.09, 0.30, 0.60, 1)  # the hall's blue
MIN_EN_PX = 18  # the smallest English line on the evaluator's screens


def paint(widget: Widget, rgba: tuple[float, ...], radius: float = 0) -> None:
    """Give `widget` a (rounded) background that follows its position and size."""
    with widget.canvas.before:
        colour = Color(*rgba)
        shape = (
            RoundedRectangle(pos=widget.pos, size=widget.size, radius=[radius])
            if radius
            else Rectangle(pos=widget.pos, size=widget.size)
        )

    def follow(*_: Any) -> None:
        shape.pos, shape.size = widget.pos, widget.size

    widget.bind(pos=follow, size=follow)
    widget._paint_colour = colour  # so it can be changed later (MessageBar)


class AutoLabel(Label):
    """A label that sizes its font to fit its box: as large as its height allows (up to
    `scale[1]`, times `scale[0]`), and shrunk to keep each line within its width (down to a
    readable minimum, below which it wraps).

    Set `zh` (and `en`) for Chinese with smaller English beneath, or `text` for plain text.
    """

    scale = ListProperty([1.0, 60])  # [share of the height-fitting size, max size]
    zh = StringProperty("")
    en = StringProperty("")
    EN_SCALE = 0.55

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("halign", "center")
        kwargs.setdefault("valign", "middle")
        kwargs.setdefault("color", INK)
        super().__init__(**kwargs)
        self.bind(size=self._fit, scale=self._fit, zh=self._fit, en=self._fit, text=self._fit_text)
        self._fit()

    def _fit_text(self, *_: Any) -> None:
        if not self.zh:
            self._fit()

    def _fit(self, *_: Any) -> None:
        width = max(1.0, self.width - 12)
        self.text_size = (width, None)
        lines: list[tuple[str, float]]
        if self.zh:
            lines = [(self.zh, 1.0), (self.en, self.EN_SCALE)] if self.en else [(self.zh, 1.0)]
        else:
            plain: str = str(self.text or " ")  # type: ignore[has-type]
            lines = [(line, 1.0) for line in plain.split("\n")]
        height_fit = self.height / (1.25 * sum(k for _, k in lines))
        widest = max(visual_len(t) * k for t, k in lines) or 1.0
        fs = min(height_fit * self.scale[0], float(self.scale[1]), width / widest)
        fs = font_step(max(16.0, fs))  # a legibility floor: wraps rather than shrinks below it
        self.font_size = fs
        if self.zh:
            self.markup = True
            en_scale = max(self.EN_SCALE, (MIN_EN_PX + 0.5) / fs)  # the English stays readable
            self.text = bilingual(self.zh, self.en, base_size=fs, en_scale=en_scale)


class Avatar(Widget):
    """The clerk's photo, or a coloured circle with the surname when there is none."""

    photo = StringProperty("")
    name = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._image: Image | None = None
        self._label = Label(color=(1, 1, 1, 1), bold=True)
        self.add_widget(self._label)
        self.bind(photo=self._update, name=self._update, pos=self._update, size=self._update)
        self._update()

    def _update(self, *_: Any) -> None:
        self.canvas.before.clear()
        side = min(self.width, self.height)
        x, y = self.center_x - side / 2, self.center_y - side / 2
        has_photo = bool(self.photo) and Path(self.photo).is_file()
        if has_photo:
            if self._image is None:
                self._image = Image(fit_mode="contain")
                self.add_widget(self._image)
            self._image.source = self.photo
            self._image.pos, self._image.size = self.pos, self.size
            self._label.text = ""
            return
        if self._image is not None:
            self.remove_widget(self._image)
            self._image = None
        with self.canvas.before:
            Color(*BRAND)
            Ellipse(pos=(x, y), size=(side, side))
        self._label.text = self.name[:1]
        self._label.font_size = font_step(max(12, side * 0.45))
        self._label.pos, self._label.size = (x, y), (side, side)


class ClerkPanel(BoxLayout):
    """Photo, name, staff number and window of the clerk serving this window.

    `snug`: the photo takes a portrait's width (not a share of the card) and `snug_width` is the
    width the card needs for its words at the size its height allows, so a screen can make the
    card as wide as its content instead of leaving half of it empty.
    """

    name = StringProperty("")
    staff_id = StringProperty("")
    title = StringProperty("")
    window = StringProperty("")
    photo = StringProperty("")
    compact = BooleanProperty(False)
    snug = BooleanProperty(False)
    snug_width = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("spacing", 16)
        kwargs.setdefault("padding", 12)
        super().__init__(**kwargs)
        paint(self, (1, 1, 1, 1), radius=16)
        self.avatar = Avatar(size_hint=(0.4, 1))
        self.info = BoxLayout(orientation="vertical")
        self.name_label = AutoLabel(halign="left", bold=True, scale=[0.85, 56], size_hint_y=1.6)
        self.id_label = AutoLabel(halign="left", color=GREY, scale=[0.85, 28])
        self.title_label = AutoLabel(halign="left", color=GREY, scale=[0.85, 26])
        self.window_label = AutoLabel(halign="left", color=BRAND, scale=[0.85, 28])
        for w in (self.name_label, self.id_label, self.title_label, self.window_label):
            self.info.add_widget(w)
        self.add_widget(self.avatar)
        self.add_widget(self.info)
        self.bind(name=self._show, staff_id=self._show, title=self._show, window=self._show, photo=self._show)
        self.bind(snug=self._grow, size=self._measure)
        for w in self.info.children:
            w.bind(size=self._measure)
        self._show()

    def _grow(self, *_: Any) -> None:
        big = self.snug
        self.name_label.scale = [0.85, 96 if big else 56]
        for lbl in (self.id_label, self.title_label, self.window_label):
            lbl.scale = [0.85, 44 if big else 28]
        self._measure()

    def _measure(self, *_: Any) -> None:
        if not self.snug:
            self.avatar.size_hint_x = 0.4
            return
        pad_l, pad_t, pad_r, pad_b = self.padding
        inner_h = max(1.0, self.height - pad_t - pad_b)
        self.avatar.size_hint_x = None
        self.avatar.width = inner_h * 0.8  # a portrait photo's proportions
        words = 0.0
        for lbl in (self.name_label, self.id_label, self.title_label, self.window_label):
            text = str(lbl.text or "")
            if not text:
                continue
            fs = font_step(max(14.0, min(lbl.height / 1.25 * lbl.scale[0], float(lbl.scale[1]))))
            words = max(words, visual_len(text) * fs + 16)
        self.snug_width = pad_l + pad_r + self.avatar.width + self.spacing + words

    def _show(self, *_: Any) -> None:
        self.avatar.name, self.avatar.photo = self.name, self.photo
        self.name_label.text = self.name
        self.id_label.text = f"工号 No. {self.staff_id}" if self.staff_id else ""
        self.title_label.text = self.title
        self.window_label.text = self.window
        self._measure()


class TitleBar(BoxLayout):
    """The window's name on the left, the seconds left to rate on the right."""

    window = StringProperty("")
    window_en = StringProperty("")
    remaining = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", 96)
        kwargs.setdefault("padding", (24, 8))
        super().__init__(**kwargs)
        paint(self, BRAND)
        white = (1, 1, 1, 1)
        self.title_label = Label(markup=True, halign="left", valign="middle", color=white, font_size=34)
        self.timer_label = Label(markup=True, halign="right", valign="middle", color=white, font_size=30)
        for lbl in (self.title_label, self.timer_label):
            lbl.bind(size=lambda w, s: setattr(w, "text_size", s))
            self.add_widget(lbl)
        self.bind(window=self._show, window_en=self._show, remaining=self._show)
        self._show()

    def _show(self, *_: Any) -> None:
        zh, en = self.window or "政务服务评价", self.window_en or "Service rating"
        self.title_label.text = bilingual(zh, en, base_size=34)
        self.timer_label.text = self.remaining


class MessageBar(Label):
    """One line at the bottom: information in blue, errors in red; hidden when empty."""

    error = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=True, halign="center", valign="middle", color=(1, 1, 1, 1), **kwargs)
        paint(self, BRAND)
        self.bind(size=lambda w, s: setattr(w, "text_size", (s[0] - 20, None)), error=self._colour)
        self._colour()

    def _colour(self, *_: Any) -> None:
        self._paint_colour.rgba = (0.78, 0.12, 0.12, 1) if self.error else BRAND
