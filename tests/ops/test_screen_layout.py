"""The demo's windows on a display without a window manager: side by side, inside the screen,
never on top of each other; the kiosk scaled to the screen's height."""

from __future__ import annotations

import itertools

import pytest

from ops.screen_layout import Place, layout

EVALUATORS = [(1280, 800), (800, 1280), (1280, 800), (800, 1280)]


def _overlap(a: Place, b: Place) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


@pytest.mark.parametrize("screen", [(1920, 1080), (1280, 1024), (3840, 2160), (1366, 768)])
@pytest.mark.parametrize("n", [1, 2, 4])
@pytest.mark.parametrize("with_kiosk", [True, False])
def test_windows_fit_the_screen_without_overlapping(
    screen: tuple[int, int], n: int, with_kiosk: bool
) -> None:
    places, kiosk = layout(screen, EVALUATORS[:n], (1080, 1920) if with_kiosk else None)
    every = places + ([kiosk] if kiosk else [])
    assert len(places) == n
    for p in every:
        assert p.x >= 0 and p.y >= 0 and p.x + p.width <= screen[0] and p.y + p.height <= screen[1], p
        assert 0 < p.scale <= 1
    for a, b in itertools.combinations(every, 2):
        assert not _overlap(a, b), (a, b)


def test_the_kiosk_keeps_its_proportions_and_fills_the_height() -> None:
    _places, kiosk = layout((1920, 1080), EVALUATORS[:2], (1080, 1920))
    assert kiosk is not None
    assert abs(kiosk.width / kiosk.height - 1080 / 1920) < 0.01
    assert kiosk.height >= 1080 - 2 * 8 - 1
    # evaluators keep theirs too, and are not shrunk more than they must be
    places, _ = layout((3840, 2160), EVALUATORS[:2], None)
    assert [p.scale for p in places] == [1.0, 1.0]


def test_with_a_display_the_demo_plays_a_bad_rating_sometimes() -> None:
    """A 差评 on a screen asks for the reason: the demo must show that screen too."""
    import random

    from ops.demo import citizen_level

    rnd = random.Random(7)
    with_screen = [citizen_level(rnd, gui=True) for _ in range(500)]
    keypad_only = [citizen_level(rnd, gui=False) for _ in range(500)]
    assert any(level <= 2 for level in with_screen) and any(level <= 2 for level in keypad_only)
    assert sum(level <= 2 for level in with_screen) < sum(level <= 2 for level in keypad_only)
