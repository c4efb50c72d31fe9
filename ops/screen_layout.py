"""Where the demo's windows go on a real display: side by side, scaled down to fit, so a display
without a window manager (Xvfb, a bare X server) does not stack them all at (0, 0).

The kiosk (a 1080×1920 portrait panel) takes a column of its own at the left, as tall as the
screen allows; the evaluators share the rest in as many rows as gives them the largest size.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
from dataclasses import dataclass

GAP = 8  # px between windows and at the screen's edges


@dataclass(frozen=True)
class Place:
    x: int  # left edge, px from the screen's left
    y: int  # top edge, px from the screen's top
    width: int
    height: int
    scale: float  # of the window's design size


def screen_size(display: str | None = None) -> tuple[int, int] | None:
    """The X screen's size in px (from libX11, no window made); None without a reachable X display."""
    name = display or os.environ.get("DISPLAY")
    if not name:
        return None
    lib = ctypes.util.find_library("X11")
    if lib is None:
        return None
    x11 = ctypes.CDLL(lib)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    for f in (x11.XDefaultScreen, x11.XCloseDisplay):
        f.argtypes = [ctypes.c_void_p]
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    dpy = x11.XOpenDisplay(name.encode())
    if not dpy:
        return None
    try:
        screen = x11.XDefaultScreen(dpy)
        return int(x11.XDisplayWidth(dpy, screen)), int(x11.XDisplayHeight(dpy, screen))
    finally:
        x11.XCloseDisplay(dpy)


def _grid(area_w: int, area_h: int, sizes: list[tuple[int, int]]) -> tuple[float, int]:
    """The largest scale (≤ 1) at which `sizes` fit in rows in the area, and the number of rows."""
    best = (0.0, 1)
    n = len(sizes)
    for rows in range(1, n + 1):
        per_row = math.ceil(n / rows)
        lines = [sizes[i : i + per_row] for i in range(0, n, per_row)]
        # the gaps stay GAP px whatever the scale
        fit_w = min((area_w - GAP * (len(line) - 1)) / sum(w for w, _ in line) for line in lines)
        fit_h = (area_h - GAP * (len(lines) - 1)) / sum(max(h for _, h in line) for line in lines)
        scale = min(1.0, fit_w, fit_h)
        if scale > best[0]:
            best = (scale, rows)
    return best


def layout(
    screen: tuple[int, int], windows: list[tuple[int, int]], kiosk: tuple[int, int] | None = None
) -> tuple[list[Place], Place | None]:
    """Places for the evaluator windows (design sizes `windows`) and the kiosk, inside `screen`."""
    sw, sh = screen
    left = GAP
    kiosk_place = None
    if kiosk is not None:
        kw, kh = kiosk
        share = 1.0 if not windows else 0.34  # of the width, at most, with evaluators beside it
        k = min(1.0, (sh - 2 * GAP) / kh, (sw * share - 2 * GAP) / kw)
        kiosk_place = Place(GAP, GAP, int(kw * k), int(kh * k), k)
        left = GAP + kiosk_place.width + GAP
    places: list[Place] = []
    if windows:
        area_w, area_h = sw - left - GAP, sh - 2 * GAP
        scale, rows = _grid(area_w, area_h, windows)
        per_row = math.ceil(len(windows) / rows)
        y = GAP
        for start in range(0, len(windows), per_row):
            line = windows[start : start + per_row]
            x = left
            for w, h in line:
                places.append(Place(x, y, int(w * scale), int(h * scale), scale))
                x += int(w * scale) + GAP
            y += int(max(h for _, h in line) * scale) + GAP
    return places, kiosk_place
