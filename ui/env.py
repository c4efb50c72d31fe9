"""Environment Kivy reads at its first import: call `prepare()` before any `import kivy`.

Kivy parses sys.argv and writes logs/config under ~/.kivy unless told otherwise; on a kiosk or in
tests neither is wanted. This module imports nothing from Kivy.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class KivyAlreadyImported(RuntimeError):
    pass


def prepare(
    home: Path | None = None, *, offscreen: bool | None = None, size: tuple[int, int] | None = None
) -> None:
    """Set Kivy's environment. `offscreen=None` renders offscreen only when there is no display."""
    if "kivy" in sys.modules:
        raise KivyAlreadyImported("ui.env.prepare() must run before the first `import kivy`")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy logs through `logging`, to stderr
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        os.environ["KIVY_HOME"] = str(home)
    if offscreen is None:
        offscreen = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if offscreen:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
    if size is not None:
        # KCFG_<section>_<key> variables override Kivy's config file: the first window's size.
        os.environ["KCFG_GRAPHICS_WIDTH"] = str(size[0])
        os.environ["KCFG_GRAPHICS_HEIGHT"] = str(size[1])


def configure_window(size: tuple[int, int] | None, fullscreen: bool = False) -> None:
    """Call after `prepare()` and before `kivy.core.window` is imported (App.run imports it)."""
    from kivy.config import Config

    Config.set("graphics", "resizable", "1")
    Config.set("graphics", "maxfps", "30")  # a rating screen needs no 60 fps
    if size is not None:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
