"""Colours and sizes of the kiosk: the standard look, and the elderly mode (长者模式): text 1.5×
larger and high contrast (white and yellow on black, WCAG AAA), with fewer items per screen.
Every text of every screen is checked against WCAG AA in the GUI tests (tests/support/contrast.py).
"""

from __future__ import annotations

from dataclasses import dataclass

RGBA = tuple[float, float, float, float]


@dataclass(frozen=True)
class Theme:
    scale: float
    bg: RGBA
    ink: RGBA
    muted: RGBA
    card: RGBA
    card_line: RGBA
    accent: RGBA  # primary buttons
    accent_ink: RGBA
    header: RGBA
    header_ink: RGBA
    ok: RGBA
    warn: RGBA
    bad: RGBA
    pending: RGBA
    badge_ink: RGBA  # words on a status badge (ok / warn / bad / pending)

    def fs(self, base: float) -> float:
        """A font size: `base` (px at 1080 px wide) times the mode's scale."""
        return base * self.scale


STANDARD = Theme(
    scale=1.0,
    bg=(0.95, 0.96, 0.98, 1),
    ink=(0.10, 0.12, 0.16, 1),
    muted=(0.38, 0.42, 0.48, 1),
    card=(1, 1, 1, 1),
    card_line=(0.82, 0.85, 0.90, 1),
    accent=(0.08, 0.33, 0.66, 1),
    accent_ink=(1, 1, 1, 1),
    header=(0.06, 0.24, 0.50, 1),
    header_ink=(1, 1, 1, 1),
    # status colours dark enough for white words (and as words on white): WCAG AA 4.5:1
    ok=(0.05, 0.47, 0.22, 1),
    warn=(0.70, 0.36, 0.0, 1),
    bad=(0.78, 0.13, 0.13, 1),
    pending=(0.40, 0.43, 0.47, 1),
    badge_ink=(1, 1, 1, 1),
)

ELDERLY = Theme(
    scale=1.5,
    bg=(0, 0, 0, 1),
    ink=(1, 1, 1, 1),
    muted=(1, 0.92, 0.35, 1),
    card=(0.10, 0.10, 0.10, 1),
    card_line=(1, 1, 1, 1),
    accent=(1, 0.84, 0, 1),
    accent_ink=(0, 0, 0, 1),
    header=(0, 0, 0, 1),
    header_ink=(1, 0.92, 0.35, 1),
    ok=(0.35, 0.95, 0.45, 1),
    warn=(1, 0.70, 0.20, 1),
    bad=(1, 0.45, 0.45, 1),
    pending=(0.85, 0.85, 0.85, 1),
    badge_ink=(0, 0, 0, 1),  # black on the bright status colours
)


def theme_for(elderly: bool) -> Theme:
    return ELDERLY if elderly else STANDARD
