"""A crisp QR code widget: one texel per module, scaled by a whole number with nearest filtering.

Smoothing a scaled QR blurs module edges and phones then fail to read it from a screen; so the
matrix goes to the GPU at its natural size and is drawn at an integer multiple, pixel-aligned.
"""

from __future__ import annotations

from typing import Any

import qrcode
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.widget import Widget
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


def qr_matrix(data: str, border: int = QUIET_ZONE) -> list[list[bool]]:
    """Rows of modules (True = dark), quiet zone included, top row first."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


_DARK = b"\x00\x00\x00\xff"
_LIGHT = b"\xff\xff\xff\xff"


def matrix_to_rgba(matrix: list[list[bool]]) -> bytes:
    """RGBA per module (4-byte rows need no unpack alignment), bottom row first as OpenGL wants."""
    return b"".join(_DARK if dark else _LIGHT for row in reversed(matrix) for dark in row)


class QRCode(Widget):
    """Shows `data` as a QR code, as large as fits in the widget, centred; nothing when empty."""

    data = StringProperty("")
    modules = NumericProperty(0)  # modules per side (quiet zone included), 0 when empty

    def __init__(self, **kwargs: Any) -> None:
        self._texture: Texture | None = None
        super().__init__(**kwargs)
        self.bind(data=self._rebuild, pos=self._redraw, size=self._redraw)
        self._rebuild()

    def _rebuild(self, *_: Any) -> None:
        if not self.data:
            self._texture = None
            self.modules = 0
        else:
            m = qr_matrix(self.data)
            n = len(m)
            tex = Texture.create(size=(n, n), colorfmt="rgba")
            tex.blit_buffer(matrix_to_rgba(m), colorfmt="rgba", bufferfmt="ubyte")
            tex.mag_filter = "nearest"
            tex.min_filter = "nearest"
            self._texture = tex
            self.modules = n
        self._redraw()

    def _redraw(self, *_: Any) -> None:
        self.canvas.clear()
        if self._texture is None or self.modules == 0:
            return
        n = int(self.modules)
        scale = max(1, int(min(self.width, self.height) // n))
        side = scale * n
        x = int(self.x + (self.width - side) / 2)
        y = int(self.y + (self.height - side) / 2)
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(texture=self._texture, pos=(x, y), size=(side, side))
