"""The 差评 reasons grid and the public / not-public choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from kivy.graphics import Color, Line, RoundedRectangle
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from ui.text import bilingual, font_step, visual_len

# One look for "chosen" everywhere (a reason, public or not): the hall's blue with a tick.
SELECTED = (0.09, 0.30, 0.60, 1)
OFF = (0.93, 0.93, 0.93, 1)
INK = (0.13, 0.13, 0.13, 1)
TICK = "✓ "


class ReasonItem(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def text_en(self) -> str: ...
    @property
    def selected(self) -> bool: ...


class ChoiceTile(ButtonBehavior, Label):
    """A large rounded tile with a bilingual label (`zh`, `en`); `active` draws it filled.

    A choice (`choice=True`: a reason, public or not) shows being chosen the same way everywhere:
    filled with SELECTED and a tick. An action button sets its own `fill`.
    """

    active = BooleanProperty(False)
    zh = StringProperty("")
    en = StringProperty("")
    fill = ListProperty(list(SELECTED))
    choice = BooleanProperty(False)
    max_font = NumericProperty(34)
    text_scale = NumericProperty(1.0)  # 1.5 in the kiosk's elderly mode
    english_first = BooleanProperty(False)  # English above, larger (the kiosk's English mode)
    EN_SCALE = 0.6
    MIN_EN_PX = 16  # the second language never smaller than this

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=True, halign="center", valign="middle", **kwargs)
        self.bind(
            pos=self._draw,
            size=self._draw,
            active=self._draw,
            zh=self._draw,
            en=self._draw,
            fill=self._draw,
            max_font=self._draw,
            text_scale=self._draw,
            english_first=self._draw,
            choice=self._draw,
        )
        self._draw()

    def _draw(self, *_: Any) -> None:
        ts = self.text_scale
        first, second = (self.en, self.zh) if self.english_first and self.en else (self.zh, self.en)
        fs = min(self.height * 0.4, self.width * 0.2 * ts, float(self.max_font) * ts)
        fs = max(14.0, min(fs, (self.width - 24) / max(1.0, visual_len(first) + 1)))  # one line
        fs = font_step(fs)
        self.font_size = fs
        self.text_size = (self.width - 16, None)
        if self.choice and self.active:
            first = TICK + first
        en_scale = max(self.EN_SCALE, (self.MIN_EN_PX + 0.5) / fs)
        self.text = bilingual(first, second, base_size=fs, en_scale=en_scale)
        self.color = (1, 1, 1, 1) if self.active else INK
        fill = SELECTED if self.choice else self.fill
        self.canvas.before.clear()
        with self.canvas.before:
            Color(*(fill if self.active else OFF))
            RoundedRectangle(pos=self.pos, size=self.size, radius=[12])
            Color(*(fill if self.active else (0.45, 0.45, 0.45, 1)))
            Line(rounded_rectangle=(self.x + 1, self.y + 1, self.width - 2, self.height - 2, 12), width=2)


class ReasonsGrid(GridLayout):
    """Reason tiles; `on_reason(code)` on each touch. `set_items` updates in place."""

    __events__ = ("on_reason",)
    text_scale = NumericProperty(1.0)
    english_first = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("spacing", 12)
        kwargs.setdefault("cols", 2)
        super().__init__(**kwargs)
        self._tiles: dict[str, ChoiceTile] = {}

    def set_items(self, items: Sequence[ReasonItem]) -> None:
        codes = [i.code for i in items]
        if codes != list(self._tiles):
            self.clear_widgets()
            self._tiles = {}
            for i in items:
                tile = ChoiceTile(zh=i.text, en=i.text_en, text_scale=self.text_scale, choice=True)
                tile.bind(on_release=lambda t, code=i.code: self.dispatch("on_reason", code))
                self._tiles[i.code] = tile
                self.add_widget(tile)
        for i in items:
            self._tiles[i.code].active = i.selected
            self._tiles[i.code].text_scale = self.text_scale
            self._tiles[i.code].english_first = self.english_first

    def tile(self, code: str) -> ChoiceTile:
        return self._tiles[code]

    def on_reason(self, code: str) -> None:
        pass


class PublicToggle(BoxLayout):
    """公开 / 不公开: which one is chosen is `public`; touches report `on_public_choice(bool)`."""

    public = BooleanProperty(True)
    text_scale = NumericProperty(1.0)
    english_first = BooleanProperty(False)
    __events__ = ("on_public_choice",)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("spacing", 12)
        super().__init__(**kwargs)
        self.yes = ChoiceTile(zh="公开评价", en="Public", choice=True)
        self.no = ChoiceTile(zh="不公开", en="Not public", choice=True)
        self.yes.bind(on_release=lambda *_: self.dispatch("on_public_choice", True))
        self.no.bind(on_release=lambda *_: self.dispatch("on_public_choice", False))
        self.add_widget(self.yes)
        self.add_widget(self.no)
        self.bind(public=self._show, text_scale=self._show, english_first=self._show)
        self._show()

    def _show(self, *_: Any) -> None:
        self.yes.active = bool(self.public)
        self.no.active = not self.public
        self.yes.text_scale = self.no.text_scale = self.text_scale
        self.yes.english_first = self.no.english_first = self.english_first

    def on_public_choice(self, public: bool) -> None:
        pass
