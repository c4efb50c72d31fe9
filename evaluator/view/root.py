"""The evaluator's root widget: the screens, the message bar and the identify flash."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Line, Rectangle
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, ScreenManager

from evaluator.view.screens import SCREENS, EvalScreen, Touches, load_kv
from evaluator.view.widgets import MessageBar
from evaluator.viewmodel import ViewModel
from ui.text import bilingual, split_bilingual

MESSAGE_HEIGHT = 72


class IdentifyFlash(FloatLayout):
    """A thick blinking frame with the device id, while `on` (the `identify` command)."""

    on = BooleanProperty(False)

    def __init__(self, device_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._visible = False
        self._event: Any = None
        self._label = Label(
            text=f"识别设备 Identify: {device_id}",
            font_size=40,
            bold=True,
            color=(0, 0, 0, 1),
            size_hint=(0.8, None),
            height=110,
            pos_hint={"center_x": 0.5, "center_y": 0.5},
            opacity=0,
        )
        with self._label.canvas.before:
            Color(1, 0.85, 0, 1)
            self._box = Rectangle()
        self._label.bind(
            pos=lambda w, p: setattr(self._box, "pos", p), size=lambda w, s: setattr(self._box, "size", s)
        )
        self.add_widget(self._label)
        self.bind(on=self._switch, pos=self._draw, size=self._draw)

    def _switch(self, *_: Any) -> None:
        if self.on and self._event is None:
            self._event = Clock.schedule_interval(self._blink, 0.5)  # only while identifying
        elif not self.on and self._event is not None:
            self._event.cancel()
            self._event = None
            self._visible = False
            self._draw()

    def _blink(self, _dt: float) -> None:
        self._visible = not self._visible
        self._draw()

    def _draw(self, *_: Any) -> None:
        self.canvas.before.clear()
        self._label.opacity = 1 if self._visible else 0
        if not self._visible:
            return
        with self.canvas.before:
            Color(1, 0.85, 0, 1)
            Line(rectangle=(self.x + 10, self.y + 10, self.width - 20, self.height - 20), width=10)


class EvaluatorRoot(FloatLayout):
    """Renders a ViewModel; safe to feed from any thread through `render_soon`."""

    landscape = BooleanProperty(True)

    def __init__(self, touches: Touches, device_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        load_kv()
        self.touches = touches
        column = BoxLayout(orientation="vertical")
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
        self.flash = IdentifyFlash(device_id)
        self.add_widget(self.flash)
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
        if vm.message:
            zh, en = split_bilingual(vm.message)
            self.message.text = bilingual(zh, en, base_size=28)
            self.message.font_size = 28
            self.message.error = vm.message_is_error
            self.message.height, self.message.opacity = MESSAGE_HEIGHT, 1
        else:
            self.message.text = ""
            self.message.height, self.message.opacity = 0, 0
        self.flash.on = vm.identify
