"""Simple drawn marks (no icon fonts, no image files)."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Ellipse, Line
from kivy.properties import ListProperty
from kivy.uix.widget import Widget


class CheckMark(Widget):
    """A tick in a white disc, for "done" screens."""

    ink = ListProperty([0.07, 0.53, 0.25, 1])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self._draw, size=self._draw, ink=self._draw)
        self._draw()

    def _draw(self, *_: Any) -> None:
        self.canvas.clear()
        d = min(self.width, self.height)
        if d <= 4:
            return
        cx, cy = self.center_x, self.center_y
        with self.canvas:
            Color(1, 1, 1, 1)
            Ellipse(pos=(cx - d / 2, cy - d / 2), size=(d, d))
            Color(*self.ink)
            Line(
                points=[
                    cx - d * 0.24,
                    cy + d * 0.02,
                    cx - d * 0.06,
                    cy - d * 0.17,
                    cx + d * 0.26,
                    cy + d * 0.18,
                ],
                width=max(2.0, d * 0.06),
                cap="round",
                joint="round",
            )
