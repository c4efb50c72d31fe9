"""A CJK font for every label: found on the system, registered as Kivy's default font.

Kivy's bundled Roboto has no Chinese; registering the CJK font under Kivy's default name makes
every Label, Button and TextInput render Chinese without naming a font anywhere else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

FONT_NAME = "HallCJK"

# Debian/Ubuntu paths first (fonts-wqy-microhei is what scripts/setup installs), then other distros.
CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


class FontError(RuntimeError):
    """No usable CJK font; `str()` is the one line to show."""


def find_cjk_font(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The font to use: `explicit` (or $HALL_CJK_FONT), a known path, or what fontconfig offers for zh."""
    wanted = explicit or os.environ.get("HALL_CJK_FONT")
    if wanted:
        p = Path(wanted)
        if not p.is_file():
            raise FontError(f"CJK font {p} not found")
        return p
    for c in CANDIDATES:
        if Path(c).is_file():
            return Path(c)
    fc = shutil.which("fc-match")
    if fc:
        try:
            out = subprocess.run(
                [fc, "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=5, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and Path(out).suffix.lower() in (".ttf", ".ttc", ".otf"):
            return Path(out)
    raise FontError(
        "no CJK font found: install fonts-wqy-microhei (Debian) or set HALL_CJK_FONT to a .ttf/.ttc file"
    )


def register_cjk_font(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Register the CJK font as `FONT_NAME` and as Kivy's default font; returns its path."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = str(find_cjk_font(explicit))
    LabelBase.register(FONT_NAME, fn_regular=path, fn_bold=path)
    LabelBase.register(DEFAULT_FONT, fn_regular=path, fn_bold=path)
    return Path(path)
