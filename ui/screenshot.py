"""Screenshots of what the window shows, taken at the next flip (earlier ones come out black)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def screenshot_next_frame(path: Path, done: Callable[[Path], None] | None = None) -> None:
    """Save the next drawn frame to `path` (PNG); `done(path)` afterwards. Forces a redraw."""
    from kivy.core.window import Window

    def on_flip(*_: Any) -> None:
        Window.unbind(on_flip=on_flip)
        with tempfile.TemporaryDirectory() as tmp:
            # Window.screenshot numbers its files (shot0001.png): write in a temp dir, then move.
            produced = Window.screenshot(name=os.path.join(tmp, "shot.png"))
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(produced, path)
        if done is not None:
            done(path)

    Window.bind(on_flip=on_flip)
    Window.canvas.ask_update()
