"""The kiosk's Kivy App: the service (outbox, link, devices, controller) plus the view.

Everything reaches the controller on Kivy's thread (`post`); the controller is ticked every
`tick_s` and the view re-renders only when the controller says something changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.scatter import Scatter
from kivy.uix.widget import Widget

from kiosk.service import KioskService
from kiosk.settings import KioskSettings
from kiosk.view.root import KioskRoot
from ui.service_app import ServiceApp

log = logging.getLogger("hall-kiosk")


def post(fn: Callable[[], None]) -> None:
    """Run `fn` on Kivy's thread (callable from any thread)."""
    Clock.schedule_once(lambda _dt: fn(), 0)


class KioskApp(ServiceApp):
    title = "政务服务自助终端 · Self-service kiosk"
    service: KioskService

    def __init__(self, settings: KioskSettings, **kwargs: Any) -> None:
        super().__init__(log, settings.tick_s, **kwargs)
        self.settings = settings
        self.service = KioskService(settings, post)

    def build(self) -> Widget:
        root = KioskRoot(self.service.controller)
        self.service.controller.on_change = root.render
        s = self.settings.ui_scale
        if s == 1:
            return root
        # the design size, drawn (and touched) at scale s in a window s times as large
        design = (self.settings.screen_width / s, self.settings.screen_height / s)
        root.size_hint = (None, None)
        root.size = design
        frame = Scatter(
            do_rotation=False,
            do_scale=False,
            do_translation=False,
            scale=s,
            size_hint=(None, None),
            size=design,
            pos=(0, 0),
        )
        frame.add_widget(root)
        holder = FloatLayout()
        holder.add_widget(frame)
        return holder
