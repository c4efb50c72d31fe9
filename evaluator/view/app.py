"""The evaluator's Kivy App: the service (outbox, link, devices, controller) plus the view.

Kivy only redraws on change; the controller is ticked every `tick_s` (0.5 s) and the view
re-renders only when the view-model changed, so an idle screen costs next to no CPU.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window

from evaluator.ports import Prompt
from evaluator.service import EvaluatorService
from evaluator.settings import EvaluatorSettings
from evaluator.view.audio import KivyAudio
from evaluator.view.root import EvaluatorRoot

log = logging.getLogger("hall-evaluator")


class EvaluatorApp(App):  # type: ignore[misc]
    title = "政务服务评价 · Service rating"

    def __init__(self, settings: EvaluatorSettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        wanted = {Prompt.PLEASE_RATE: settings.audio_please_rate, Prompt.THANKS: settings.audio_thanks}
        files = {p: f for p, f in wanted.items() if f is not None}
        self.service = EvaluatorService(
            settings, has_screen=True, audio=KivyAudio(files), on_restart=self._restart
        )
        self.exit_code = 0
        self._ticker: Any = None

    def build(self) -> EvaluatorRoot:
        Window.clearcolor = (0.95, 0.96, 0.98, 1)
        c = self.service.controller
        root = EvaluatorRoot(c, self.settings.device_id)
        c.add_listener(root.render_soon)
        root.render(c.view_model())
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

    def _restart(self) -> None:
        from evaluator.service import RESTART_EXIT_CODE

        self.exit_code = RESTART_EXIT_CODE
        Clock.schedule_once(lambda _dt: self.stop(), 0)
