"""The evaluator's root widget: the identify band, the screens, the message bar."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Line, Rectangle
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from evaluator.view.screens import SCREENS, EvalScreen, Touches, load_kv
from evaluator.view.widgets import MessageBar
from evaluator.viewmodel import State, ViewModel
from ui.text import bilingual, split_bilingual

MESSAGE_HEIGHT = 72


class IdentifyFlash(Label):
    """While `on` (the `identify` command): a yellow band above the screen with the device id, and
    a blinking yellow frame around the whole screen. The screen shrinks inside the frame, below the
    band, so neither covers anything (the title bar, the faces) the citizen may be using."""

    on = BooleanProperty(False)
    BAND = 72
    FRAME = 14

    def __init__(self, device_id: str, frame_owner: Widget, **kwargs: Any) -> None:
        super().__init__(
            text=f"识别设备 Identify: {device_id}",
            font_size=40,
            bold=True,
            color=(0, 0, 0, 1),
            size_hint_y=None,
            height=0,
            opacity=0,
            **kwargs,
        )
        with self.canvas.before:
            Color(1, 0.85, 0, 1)
            self._box = Rectangle()
        self.bind(pos=self._follow, size=self._follow)
        self._owner = frame_owner
        self._lit = True
        self._event: Any = None
        self.bind(on=self._switch)
        frame_owner.bind(pos=self._draw_frame, size=self._draw_frame)

    def _follow(self, *_: Any) -> None:
        self._box.pos, self._box.size = self.pos, self.size

    def _switch(self, *_: Any) -> None:
        if self.on:
            self.height, self.opacity = self.BAND, 1
            self._lit = True
            if self._event is None:
                self._event = Clock.schedule_interval(self._blink, 0.5)  # only while identifying
        else:
            self.height, self.opacity = 0, 0
            if self._event is not None:
                self._event.cancel()
                self._event = None
        self._draw_frame()

    def _blink(self, _dt: float) -> None:
        self._lit = not self._lit
        self._draw_frame()

    def frame_rect(self) -> tuple[float, float, float, float]:
        o = self._owner
        return (o.x, o.y, o.width, o.height)

    def _draw_frame(self, *_: Any) -> None:
        o = self._owner
        o.canvas.after.clear()
        if not self.on:
            return
        f = self.FRAME
        with o.canvas.after:
            Color(*((1, 0.85, 0, 1) if self._lit else (0.13, 0.13, 0.13, 1)))
            Line(rectangle=(o.x + f / 2, o.y + f / 2, o.width - f, o.height - f), width=f / 2)


class EvaluatorRoot(FloatLayout):
    """Renders a ViewModel; safe to feed from any thread through `render_soon`."""

    landscape = BooleanProperty(True)

    def __init__(self, touches: Touches, device_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        load_kv()
        self.touches = touches
        column = BoxLayout(orientation="vertical")
        self.column = column
        self.flash = IdentifyFlash(device_id, frame_owner=self)
        column.add_widget(self.flash)
        self.manager = ScreenManager(transition=NoTransition())
        self.screens: dict[str, EvalScreen] = {}
        for name, cls in SCREENS.items():
            screen = cls(name=name, touches=touches)
            self.screens[name] = screen
            self.manager.add_widget(screen)
        self.message = MessageBar(size_hint_y=None, height=0, opacity=0)
        column.add_widget(self.manager)
        column.add_widget(self.message)
        self.add_widget(column)
        self.bind(size=self._orient)
        self._orient()
        self.vm: ViewModel | None = None

    def _orient(self, *_: Any) -> None:
        self.landscape = self.width >= self.height
        for s in self.screens.values():
            s.landscape = self.landscape

    def render_soon(self, vm: ViewModel) -> None:
        """Controller listeners run on the thread that made the change: hop to Kivy's."""
        Clock.schedule_once(lambda _dt: self.render(vm), 0)

    def render(self, vm: ViewModel) -> None:
        self.vm = vm
        name = vm.state.value
        self.screens[name].update(vm)
        if self.manager.current != name:
            self.manager.current = name
        # The "saving" screen says itself how the rating is doing: no second message beneath it.
        if vm.message and vm.state is not State.RATED:
            zh, en = split_bilingual(vm.message)
            self.message.text = bilingual(zh, en, base_size=28, en_scale=0.7)
            self.message.font_size = 28
            self.message.error = vm.message_is_error
            self.message.height, self.message.opacity = MESSAGE_HEIGHT, 1
        else:
            self.message.text = ""
            self.message.height, self.message.opacity = 0, 0
        self.flash.on = vm.identify
        self.column.padding = IdentifyFlash.FRAME if vm.identify else 0
