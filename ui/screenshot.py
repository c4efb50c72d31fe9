"""Screenshots of what the window shows, taken at the next flip (earlier ones come out black).

Reads the frame with glReadPixels and writes it with Pillow: Kivy's own `Window.screenshot`
flips rows in Python and takes over a second per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def grab_frame(path: Path) -> Path:
    """Save what is in the frame buffer now as a PNG (call from an `on_flip` handler)."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = (int(v) for v in Window.size)
    data = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGBA", (width, height), bytes(data)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path)
    return path


def screenshot_next_frame(path: Path, done: Callable[[Path], None] | None = None) -> None:
    """Save the next drawn frame to `path` (PNG); `done(path)` afterwards. Forces a redraw."""
    from kivy.core.window import Window

    def on_flip(*_: Any) -> None:
        Window.unbind(on_flip=on_flip)
        grab_frame(path)
        if done is not None:
            done(path)

    Window.bind(on_flip=on_flip)
    Window.canvas.ask_update()
