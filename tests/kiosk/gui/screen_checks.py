"""Checks of what a kiosk screen shows, run on every screenshot the GUI tests take (any mode):
each returns a list of problems, one line each (empty: fine)."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from kiosk import texts
from tests.support.contrast import line_widths

MESSAGE_SCREENS = {
    "querying", "not_found", "unavailable", "card_error", "rate_thanks", "rate_refused", "printing",
    "print_done", "print_error",
}  # fmt: skip
MESSAGE_MIN_PX = 44  # words on a message screen, standard mode (×1.5 in elderly mode)


def header_title_whole(root: Any) -> list[str]:
    from kivy.uix.label import Label

    want = texts.zh("app_title") if root.c.language == "mn" else texts.text("app_title", root.c.language)
    t = next(w for w in root.header.walk() if isinstance(w, Label) and w.bold and w.text[:4] == want[:4])
    t.texture_update()
    widths = line_widths(t)
    cut = bool(getattr(t._label, "is_shortened", False))
    if cut or t.text != want or len(widths) != 1 or widths[0] > t.width + 0.5:
        return [f"header title {t.text!r} in {len(widths)} line(s) of {widths} px, box {t.width:.0f} px"]
    return []


HAN = re.compile(r"[\u4e00-\u9fff]")
CLOSING = set("，。、；：？！）》」』】”’…·")


def first_piece(text: str) -> str:
    """What a line of Chinese may not be cut inside of at its start: a character with the closing
    punctuation after it, or a number with its measure word (3份), or a Latin word."""
    m = re.match(r"\d+[\u4e00-\u9fff]|[A-Za-z0-9.\-]+|.", text)
    piece = m.group(0) if m else ""
    rest = text[len(piece) :]
    while rest and rest[0] in CLOSING:
        piece, rest = piece + rest[0], rest[1:]
    return piece


def chinese_lines_filled(root: Any) -> list[str]:
    """No line of Chinese ends while the next line's first piece would still have fitted."""
    from kivy.core.text import Label as CoreLabel

    from kiosk.view.widgets import Txt

    problems = []
    for w in root.walk():
        if not isinstance(w, Txt) or not HAN.search(w.text) or w.get_root_window() is None:
            continue
        measure = CoreLabel(font_size=w.font_size, bold=w.bold, font_name=w.font_name)
        w.texture_update()
        lines = w._label._cached_lines
        for line, nxt in pairwise(lines):
            if line.is_last_line:
                continue  # the paragraph ends here (a newline in the text)
            nxt_text = "".join(word.text for word in nxt.words)
            first = first_piece(nxt_text)
            if first and not first.isspace() and line.w + measure.get_extents(first)[0] <= w.width - 4:
                said = "".join(word.text for word in line.words)
                problems.append(f"{said!r} broke early before {first!r} ({line.w:.0f}/{w.width:.0f} px)")
    return problems


def message_words_large(root: Any) -> list[str]:
    from kiosk.view.widgets import Txt

    name = root.c.screen
    if name not in MESSAGE_SCREENS:
        return []
    floor = MESSAGE_MIN_PX * root.theme.scale
    small = [
        f"{w.text[:30]!r} at {w.font_size:.0f} px"
        for w in root.screens[name].ids.body.walk()
        if isinstance(w, Txt) and w.text and w.font_size < floor
    ]
    return [f"{name}: words below {floor:.0f} px: {small}"] if small else []


def rating_in_reading_language(root: Any) -> list[str]:
    """In English mode the rating screen speaks English first (and larger), Chinese beneath."""
    from core.levels import Level

    if root.c.screen != "rate":
        return []
    s = root.screens["rate"]
    english = root.c.language == "en"
    problems = []
    for lvl, b in s.ids.levels.buttons.items():
        want = Level(lvl).en if english else Level(lvl).zh
        first, second = b.children[-2], b.children[-3]  # face, first line, second line
        if first.text != want or first.font_size < second.font_size:
            problems.append(f"level {lvl} shows {first.text!r} first ({first.font_size} px)")
    for tile in [s.ids.submit, s.ids.public.yes, s.ids.public.no, *s.ids.reasons._tiles.values()]:
        first_line = tile.text.split("\n")[0].lstrip("✓ ")
        if english and not first_line.isascii():
            problems.append(f"{first_line!r} first on an English screen")
    return problems


def keyboard_rows(root: Any) -> list[str]:
    if root.c.screen != "guide_home":
        return []
    from kiosk.view.widgets import LetterPad

    pads = [w for w in root.walk() if isinstance(w, LetterPad)]
    if not pads:
        return ["no keyboard on guide_home"]
    keys = {k.key: k for k in pads[0].walk() if getattr(k, "key", "")}
    problems = []
    for row in LetterPad.ROWS:
        ys = {round(keys[ch].to_window(*keys[ch].center)[1]) for ch in row}
        if len(ys) != 1:
            problems.append(f"row {row} is not one row: {sorted(ys)}")
    tops = [keys[row[0]].to_window(*keys[row[0]].center)[1] for row in LetterPad.ROWS]
    if not tops[0] > tops[1] > tops[2]:
        problems.append(f"rows out of order: {tops}")
    return problems


def mongolian_on_every_group(root: Any) -> list[str]:
    """In 蒙文 mode every department and theme tile carries its Mongolian name."""
    if root.c.screen != "guide_home" or root.c.language != "mn" or root.c.catalogue is None:
        return []
    from kiosk.view.widgets import Tile
    from ui.shaped_text import ShapedLabel

    bare = [
        t.title.text
        for t in root.screens["guide_home"].ids.body.walk()
        if isinstance(t, Tile) and not any(isinstance(x, ShapedLabel) for x in t.children)
    ]
    return [f"no Mongolian on {bare}"] if bare else []


def tile_titles_whole(root: Any) -> list[str]:
    """Every touch tile's title fits in its tile (no words pushed out or over the next line)."""
    from kiosk.view.widgets import Tile

    problems = []
    for t in root.walk():
        if not isinstance(t, Tile) or t.get_root_window() is None or not t.title.text:
            continue
        t.title.texture_update()
        lines = t.title._label._cached_lines
        need = sum(line.h for line in lines)
        if need > t.title.height + 1 or any(line.w > t.title.width + 1 for line in lines):
            problems.append(f"tile {t.title.text!r} needs {need:.0f} px, has {t.title.height:.0f}")
    return problems


CHECKS = (
    header_title_whole,
    chinese_lines_filled,
    message_words_large,
    rating_in_reading_language,
    keyboard_rows,
    mongolian_on_every_group,
    tile_titles_whole,
)


def problems(root: Any) -> list[str]:
    return [p for check in CHECKS for p in check(root)]
