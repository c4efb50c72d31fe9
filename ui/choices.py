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

from ui.text import bilingual, font_step

ON = (0.80, 0.15, 0.15, 1)  # a chosen reason: the 差评 red
OFF = (0.93, 0.93, 0.93, 1)
INK = (0.13, 0.13, 0.13, 1)
BLUE = (0.10, 0.36, 0.69, 1)


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
    """A large rounded tile with a bilingual label (`zh`, `en`); `active` draws it filled."""

    active = BooleanProperty(False)
    zh = StringProperty("")
    en = StringProperty("")
    fill = ListProperty(list(ON))
    max_font = NumericProperty(34)
    text_scale = NumericProperty(1.0)  # 1.5 in the kiosk's elderly mode

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
        )
        self._draw()

    def _draw(self, *_: Any) -> None:
        ts = self.text_scale
        fs = max(14.0, min(self.height * 0.4, self.width * 0.09 * ts, float(self.max_font) * ts))
        fs = font_step(fs)
        self.font_size = fs
        self.text_size = (self.width - 16, None)
        self.text = bilingual(self.zh, self.en, base_size=fs)
        self.color = (1, 1, 1, 1) if self.active else INK
        self.canvas.before.clear()
        with self.canvas.before:
            Color(*(self.fill if self.active else OFF))
            RoundedRectangle(pos=self.pos, size=self.size, radius=[12])
            Color(*(self.fill if self.active else (0.7, 0.7, 0.7, 1)))
            Line(rounded_rectangle=(self.x + 1, self.y + 1, self.width - 2, self.height - 2, 12), width=2)


class ReasonsGrid(GridLayout):
    """Reason tiles; `on_reason(code)` on each touch. `set_items` updates in place."""

    __events__ = ("on_reason",)
    text_scale = NumericProperty(1.0)

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
                tile = ChoiceTile(zh=i.text, en=i.text_en, text_scale=self.text_scale)
                tile.bind(on_release=lambda t, code=i.code: self.dispatch("on_reason", code))
                self._tiles[i.code] = tile
                self.add_widget(tile)
        for i in items:
            self._tiles[i.code].active = i.selected
            self._tiles[i.code].text_scale = self.text_scale

    def tile(self, code: str) -> ChoiceTile:
        return self._tiles[code]

    def on_reason(self, code: str) -> None:
        pass


class PublicToggle(BoxLayout):
    """公开 / 不公开: which one is chosen is `public`; touches report `on_public_choice(bool)`."""

    public = BooleanProperty(True)
    text_scale = NumericProperty(1.0)
    __events__ = ("on_public_choice",)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("spacing", 12)
        super().__init__(**kwargs)
        self.yes = ChoiceTile(zh="公开评价", en="Public", fill=list(BLUE))
        self.no = ChoiceTile(zh="不公开", en="Not public", fill=list(BLUE))
        self.yes.bind(on_release=lambda *_: self.dispatch("on_public_choice", True))
        self.no.bind(on_release=lambda *_: self.dispatch("on_public_choice", False))
        self.add_widget(self.yes)
        self.add_widget(self.no)
        self.bind(public=self._show, text_scale=self._show)
        self._show()

    def _show(self, *_: Any) -> None:
        self.yes.active = bool(self.public)
        self.no.active = not self.public
        self.yes.text_scale = self.no.text_scale = self.text_scale

    def on_public_choice(self, public: bool) -> None:
        pass
