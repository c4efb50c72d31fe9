"""The evaluator's Kivy App: the service (outbox, link, devices, controller) plus the view.

Kivy only redraws on change; the controller is ticked every `tick_s` (0.5 s) and the view
re-renders only when the view-model changed, so an idle screen costs next to no CPU.
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.core.window import Window

from evaluator.ports import Prompt
from evaluator.service import EvaluatorService
from evaluator.settings import EvaluatorSettings
from evaluator.view.audio import KivyAudio
from evaluator.view.root import EvaluatorRoot
from ui.service_app import ServiceApp

log = logging.getLogger("hall-evaluator")


class EvaluatorApp(ServiceApp):
    title = "政务服务评价 · Service rating"
    service: EvaluatorService

    def __init__(self, settings: EvaluatorSettings, **kwargs: Any) -> None:
        super().__init__(log, settings.tick_s, **kwargs)
        self.settings = settings
        wanted = {Prompt.PLEASE_RATE: settings.audio_please_rate, Prompt.THANKS: settings.audio_thanks}
        files = {p: f for p, f in wanted.items() if f is not None}
        self.service = EvaluatorService(
            settings,
            has_screen=True,
            audio=KivyAudio(files, volume=settings.audio_volume, mute=settings.audio_mute),
            on_restart=self._restart,
        )
        self.exit_code = 0

    def build(self) -> EvaluatorRoot:
        Window.clearcolor = (0.95, 0.96, 0.98, 1)
        c = self.service.controller
        root = EvaluatorRoot(c, self.settings.device_id)
        c.add_listener(root.render_soon)
        root.render(c.view_model())
        return root

    def _restart(self) -> None:
        from evaluator.service import RESTART_EXIT_CODE

        self.exit_code = RESTART_EXIT_CODE
        self.request_stop()
