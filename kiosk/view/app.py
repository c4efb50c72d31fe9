"""The kiosk's Kivy App: the service (outbox, link, devices, controller) plus the view.

Everything reaches the controller on Kivy's thread (`post`); the controller is ticked every
`tick_s` and the view re-renders only when the controller says something changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.service import KioskService
from kiosk.settings import KioskSettings
from kiosk.view.root import KioskRoot

log = logging.getLogger("hall-kiosk")


def post(fn: Callable[[], None]) -> None:
    """Run `fn` on Kivy's thread (callable from any thread)."""
    Clock.schedule_once(lambda _dt: fn(), 0)


class KioskApp(App):  # type: ignore[misc]
    title = "政务服务自助终端 · Self-service kiosk"

    def __init__(self, settings: KioskSettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.service = KioskService(settings, post)
        self._ticker: Any = None
        self.first_frame_at: float | None = None

    def build(self) -> KioskRoot:
        root = KioskRoot(self.service.controller)
        self.service.controller.on_change = root.render
        return root

    def on_start(self) -> None:
        Window.bind(on_flip=self._first_frame)
        self.service.start()
        self._ticker = Clock.schedule_interval(lambda _dt: self.service.tick(), self.settings.tick_s)

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        self.service.stop()

    def _first_frame(self, *_: Any) -> None:
        Window.unbind(on_flip=self._first_frame)
        log.info("first frame drawn (%dx%d)", *Window.size)

    def request_stop(self) -> None:
        """From a signal handler: stop on Kivy's thread."""
        Clock.schedule_once(lambda _dt: self.stop(), 0)
