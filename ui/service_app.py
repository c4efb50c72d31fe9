"""The Kivy App under both screens: a service started and stopped with the app, ticked on Kivy's clock.

Subclasses set `service` in their `__init__` and build their own root widget.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window

from core.sdnotify import Watchdog


class TickedService(Protocol):
    watchdog: Watchdog

    def start(self) -> None: ...
    def tick(self) -> None: ...
    def stop(self) -> None: ...


class ServiceApp(App):
    service: TickedService

    def __init__(self, log: logging.Logger, tick_s: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._log = log
        self._tick_s = tick_s
        self._ticker: Any = None

    def on_start(self) -> None:
        Window.bind(on_flip=self._first_frame)
        self.service.start()
        self._ticker = Clock.schedule_interval(lambda _dt: self.service.tick(), self._tick_s)

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        self.service.stop()

    def _first_frame(self, *_: Any) -> None:
        # the benches time start-up to this line
        Window.unbind(on_flip=self._first_frame)
        self._log.info("first frame drawn (%dx%d)", *Window.size)
        self.service.watchdog.ready("screen drawn")  # systemd (Type=notify): started

    def request_stop(self) -> None:
        """From a signal handler: stop on Kivy's thread."""
        Clock.schedule_once(lambda _dt: self.stop(), 0)
