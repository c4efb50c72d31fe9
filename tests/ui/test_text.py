"""Chinese line breaking (ui.text.wrap_cjk): lines filled, numbers kept with their measure word,
no line starting with closing punctuation or ending with opening punctuation."""

from __future__ import annotations

import re
from itertools import pairwise

from ui.text import visual_len, wrap_cjk


def piece(line: str) -> str:
    """The first unbreakable piece of a line: a character, or a number with its measure word, with
    any opening punctuation before it and closing punctuation after it."""
    opening = len(line) - len(line.lstrip("（"))
    m = re.match(r"\d+.|.", line[opening:])
    p = line[:opening] + (m.group(0) if m else "")
    while len(p) < len(line) and line[len(p)] in "，。）、":
        p += line[len(p)]
    return p


def test_lines_are_filled_and_punctuation_rules_hold() -> None:
    text = "•\u00a0近期半身免冠合影照片（2寸，3份，必需）"
    for width in range(8, 24):
        lines = wrap_cjk(text, width, visual_len).split("\n")
        assert "".join(lines) == text
        for line, nxt in pairwise(lines):
            assert visual_len(line) <= width
            assert nxt[0] not in "，。）、" and line[-1] not in "（"
            assert not (line[-1].isdigit() and nxt[0] == "份")
            assert visual_len(line) + visual_len(piece(nxt)) > width  # the next piece did not fit


def test_latin_words_stay_whole() -> None:
    lines = wrap_cjk("办件编号 1501022026112300001 受理时间", 12, visual_len).split("\n")
    assert "1501022026112300001" in lines
