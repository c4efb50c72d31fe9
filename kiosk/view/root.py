"""The kiosk's root widget: header (title, languages, 长者模式), the screens, footer (back / home).

`render()` rebuilds the current screen from the controller; it runs on the UI thread whenever
the controller changes. Leaving a screen clears what it showed, so a citizen's data is on one
screen at most and never on a screen that is not showing.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import texts
from kiosk.controller import KioskController
from kiosk.view.screens import SCREEN_CLASSES, KioskScreen, load_kv, tx
from kiosk.view.theme import Theme, theme_for
from kiosk.view.widgets import paint
from ui.shaped_text import ShapedLabel, ShapingUnavailable, font_for
from ui.text import font_step, visual_len

HEADER_H = 150
FOOTER_H = 150


class _Button(ButtonBehavior, BoxLayout):
    pass


def _fit_line(label: Label, size: tuple[float, float], largest: float) -> None:
    """One line, as large as `largest` and as small as its width needs."""
    label.text_size = size
    label.font_size = font_step(min(largest, max(16.0, (size[0] - 4) / max(1.0, visual_len(label.text)))))


class KioskRoot(BoxLayout):
    def __init__(self, controller: KioskController, **kw: Any) -> None:
        super().__init__(orientation="vertical", **kw)
        load_kv()
        self.c = controller
        self.header = BoxLayout(size_hint_y=None, height=HEADER_H, padding=(30, 16), spacing=16)
        self.sm = ScreenManager(transition=NoTransition())
        self.screens: dict[str, KioskScreen] = {}
        for name, cls in SCREEN_CLASSES.items():
            s = cls(name=name)
            s.controller = controller
            self.screens[name] = s
            self.sm.add_widget(s)
        self.footer = BoxLayout(size_hint_y=None, height=FOOTER_H, padding=(30, 14), spacing=20)
        self.header.bind(pos=self._header_bg, size=self._header_bg)
        self.add_widget(self.header)
        self.add_widget(self.sm)
        self.add_widget(self.footer)
        try:
            font_for("mn")
            self.mongolian = True
        except ShapingUnavailable:
            self.mongolian = False  # no font for 蒙文 here: the language is not offered
        self._shown: str | None = None
        self.bind(pos=self._bg, size=self._bg)
        self.render()

    @property
    def theme(self) -> Theme:
        return theme_for(self.c.elderly)

    def _bg(self, *_: Any) -> None:
        self.canvas.before.clear()
        with self.canvas.before:
            Color(*self.theme.bg)
            Rectangle(pos=self.pos, size=self.size)

    def render(self) -> None:
        th = self.theme
        self._bg()
        name = self.c.screen
        if self._shown is not None and self._shown != name:
            self._wipe(self.screens[self._shown])
        screen = self.screens[name]
        screen.fill(self.c, th)
        self.sm.current = name
        self._shown = name
        self._header(th)
        self._footer(th)

    @staticmethod
    def _wipe(screen: KioskScreen) -> None:
        for key in ("head", "body", "actions", "search", "tiles"):
            area = screen.ids.get(key)
            if area is not None:
                area.clear_widgets()

    def _header(self, th: Theme) -> None:
        h = self.header
        h.clear_widgets()
        h.canvas.before.clear()
        with h.canvas.before:
            Color(*th.header)
            Rectangle(pos=h.pos, size=h.size)
        title = BoxLayout(orientation="vertical")
        # The header is chrome: the same size in both modes. The title is never cut: with the 蒙文
        # column and the buttons beside it, it gets smaller to fit its width instead.
        t = Label(
            text=texts.zh("app_title") if self.c.language == "mn" else tx(self.c, "app_title"),
            font_size=38,
            bold=True,
            color=th.header_ink,
            halign="left",
            valign="bottom",
        )
        t.bind(size=lambda w, s: _fit_line(w, s, 38))
        sub = Label(
            text=self.c.options.hall_name, font_size=28, color=th.header_ink, halign="left", valign="top"
        )
        sub.bind(size=lambda w, s: _fit_line(w, s, 28))
        self.title_label = t
        title.add_widget(t)
        title.add_widget(sub)
        if self.c.language == "mn":
            mn_title = ShapedLabel(
                text=texts.text("app_title", "mn"),
                lang="mn",
                font_size=20,
                vertical=True,
                color=list(th.header_ink),
                size_hint_x=None,
                wrap=HEADER_H - 30,
            )
            mn_title.width = mn_title.texture_size[0]
            h.add_widget(mn_title)
        h.add_widget(title)
        langs = [lang for lang in texts.LANGUAGES if lang != "mn" or self.mongolian]
        for lang in langs:
            b = _Button(size_hint_x=None, width=135 if lang != "mn" else 80, padding=6)
            active = lang == self.c.language
            paint(
                b,
                th.accent if active and th.scale == 1 else (th.card if active else th.header),
                th.header_ink,
                radius=12,
            )
            ink = th.accent_ink if active and th.scale == 1 else (th.ink if active else th.header_ink)
            if lang == "mn":
                b.add_widget(
                    ShapedLabel(
                        text=texts.LANGUAGE_NAMES["mn"],
                        lang="mn",
                        font_size=26,
                        vertical=True,
                        color=list(ink),
                        halign="center",
                    )
                )
            else:
                b.add_widget(Label(text=texts.LANGUAGE_NAMES[lang], font_size=32, bold=True, color=ink))
            b.bind(on_release=lambda _b, code=lang: self.c.set_language(code))
            h.add_widget(b)
        el = _Button(size_hint_x=None, width=180, padding=6)
        paint(el, (1, 0.84, 0, 1) if self.c.elderly else th.header, th.header_ink, radius=12)
        el.add_widget(
            Label(
                text=tx(self.c, "elderly_off" if self.c.elderly else "elderly_on"),
                font_size=36,
                bold=True,
                color=(0, 0, 0, 1) if self.c.elderly else th.header_ink,
            )
        )
        el.bind(on_release=lambda *_: self.c.toggle_elderly())
        h.add_widget(el)

    def _header_bg(self, *_: Any) -> None:
        th = self.theme
        h = self.header
        h.canvas.before.clear()
        with h.canvas.before:
            Color(*th.header)
            Rectangle(pos=h.pos, size=h.size)

    def _footer(self, th: Theme) -> None:
        f = self.footer
        f.clear_widgets()
        if self.c.screen == "home":
            note = Label(text=tx(self.c, "help_note"), font_size=th.fs(28), color=th.muted)
            f.add_widget(note)
            return
        for key, action in (("back", self.c.back), ("home", self.c.home)):
            b = _Button(padding=6)
            paint(b, th.card, th.card_line, radius=16)
            label = tx(self.c, key) if self.c.language != "mn" else texts.zh(key)
            b.add_widget(Label(text=label, font_size=th.fs(40), bold=True, color=th.ink))
            b.bind(on_release=lambda *_a, act=action: act())
            f.add_widget(b)
