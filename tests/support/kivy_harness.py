"""Drive a real Kivy window in tests: offscreen SDL, real pixels, real touches, screenshots.

Call `prepare_kivy()` before anything imports Kivy (a conftest at module level does it), then
use `Harness` inside tests. One window per process: xdist workers each get their own.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

_home: str | None = None


def prepare_kivy() -> None:
    global _home
    if _home is not None:
        return
    _home = tempfile.mkdtemp(prefix="kivy-home-")
    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    os.environ.pop("DISPLAY", None)
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_FILELOG"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"  # Kivy logs through `logging`: pytest captures it
    os.environ["KIVY_HOME"] = _home
    os.environ["KCFG_GRAPHICS_WIDTH"] = "1280"
    os.environ["KCFG_GRAPHICS_HEIGHT"] = "800"
    os.environ["KCFG_GRAPHICS_MAXFPS"] = "0"
    os.environ["KCFG_INPUT_MOUSE"] = "mouse,disable_multitouch"


class Harness:
    def __init__(self) -> None:
        from kivy.base import EventLoop

        EventLoop.ensure_window()
        self.loop = EventLoop
        self.window = EventLoop.window
        self._widget: Any = None

    def show(self, widget: Any) -> None:
        if self._widget is not None:
            self.window.remove_widget(self._widget)
        self._widget = widget
        self.window.add_widget(widget)
        self.frames(3)

    def clear(self) -> None:
        if self._widget is not None:
            self.window.remove_widget(self._widget)
            self._widget = None

    def frames(self, n: int = 2) -> None:
        for _ in range(n):
            self.window.canvas.ask_update()
            self.loop.idle()

    def resize(self, width: int, height: int) -> None:
        self.window.size = (width, height)
        self.frames(4)
        if tuple(self.window.size) != (width, height):
            raise RuntimeError(f"window did not resize: {self.window.size}")

    def tap(self, widget: Any) -> None:
        """A touch down and up at the widget's centre, in window coordinates."""
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def screenshot(self, path: Path) -> Path:
        from ui.screenshot import screenshot_next_frame

        done: list[Path] = []
        screenshot_next_frame(path, done.append)
        for _ in range(20):
            self.frames(1)
            if done:
                return path
        raise RuntimeError("no frame was drawn for the screenshot")
