"""The real kiosk (`KioskService` and `KioskRoot`) in an offscreen 1080×1920 window, driven as the
app's main loop drives it; for the subprocesses that check or time it (GUI e2e scenario, bench).

Call `prepare_kiosk_window()` before anything imports Kivy.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable

from kiosk.service import KioskService
from kiosk.settings import KioskSettings
from tests.support.kivy_harness import Harness, prepare_kivy


def prepare_kiosk_window() -> None:
    """The offscreen harness at the kiosk's portrait size (an offscreen window keeps the size it
    opened with), and the CJK font."""
    prepare_kivy()
    os.environ["KCFG_GRAPHICS_WIDTH"], os.environ["KCFG_GRAPHICS_HEIGHT"] = "1080", "1920"
    from ui.fonts import register_cjk_font

    register_cjk_font()


class KioskOnScreen:
    """Not started: call `service.start()` when the caller is ready."""

    def __init__(
        self,
        settings: KioskSettings,
        *,
        frames_per_draw: int,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        from kiosk.view.root import KioskRoot

        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.service = KioskService(settings, self.jobs.put)
        self.controller = self.service.controller
        self.harness = Harness()
        self.root = KioskRoot(self.controller)
        self._frames_per_draw = frames_per_draw
        self._on_change = on_change
        self._dirty = True
        self.controller.on_change = self._changed
        self.harness.show(self.root)

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()
        self.root.render()
        self._dirty = True

    def redraw(self) -> None:
        """Draw at the next `pump_once` even if nothing changed."""
        self._dirty = True

    def pump_once(self) -> None:
        """Run what the other threads posted, tick, and draw only after a change: non-stop offscreen
        frames at 1080×1920 (llvmpipe) starve the MQTT and serial threads."""
        while True:
            try:
                self.jobs.get_nowait()()
            except queue.Empty:
                break
        self.service.tick()
        if self._dirty:
            self._dirty = False
            self.harness.frames(self._frames_per_draw)
