"""Chinese first, English beneath: one helper so every screen says it the same way."""

from __future__ import annotations

from collections.abc import Callable

from kivy.utils import escape_markup

# Font sizes snap to this ladder. Kivy's SDL2 text provider keeps a small cache of opened fonts
# keyed by size; sizes computed freely from widget sizes overflow it, and every re-render then
# re-opens the (5 MB) CJK font: measured 0.2-0.4 s per label on a 2-core box.
FONT_LADDER: tuple[int, ...] = (
    10,
    12,
    14,
    16,
    18,
    20,
    22,
    24,
    28,
    32,
    36,
    40,
    44,
    48,
    56,
    64,
    72,
    80,
    96,
    112,
)


def font_step(size: float) -> int:
    """The largest ladder size not above `size` (the smallest one for tiny sizes)."""
    best = FONT_LADDER[0]
    for step in FONT_LADDER:
        if step <= size:
            best = step
    return best


def visual_len(text: str) -> float:
    """Width of `text` in ems, roughly: a Chinese character is one em, Latin about half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)


def bilingual(zh: str, en: str = "", base_size: float | None = None, en_scale: float = 0.55) -> str:
    """Markup for a Label with `markup=True`: the Chinese line, then a smaller English line."""
    if not en:
        return str(escape_markup(zh))
    if base_size is None:  # Kivy markup has no relative sizes
        return f"{escape_markup(zh)}\n{escape_markup(en)}"
    return f"{escape_markup(zh)}\n[size={font_step(base_size * en_scale)}]{escape_markup(en)}[/size]"


def split_bilingual(text: str) -> tuple[str, str]:
    """Split a controller message "中文 / English" into its two halves."""
    zh, sep, en = text.partition(" / ")
    return (zh, en) if sep else (text, "")


# Line breaking for Chinese (Kivy breaks lines only at spaces, and a long "word" anywhere): any
# two Han characters may part, Latin words and numbers stay whole, and the usual 禁则 hold: no line
# starts with closing punctuation, none ends with opening punctuation.
_NO_START = set("，。、；：？！）》」』】〕〉”’…·%℃,.;:?!)]}")
_NO_END = set("（《「『【〔〈“‘([{")


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80 or ch in _NO_START or ch in _NO_END


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _units(line: str) -> list[str]:
    """Unbreakable pieces: a CJK character (glued to closing / opening punctuation), a Latin word
    or number, a space."""
    units: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == " ":
            units.append(" ")
            i += 1
            continue
        if _is_cjk(ch):
            unit = ch
            i += 1
        else:
            j = i
            while j < len(line) and line[j] != " " and not _is_cjk(line[j]):
                j += 1
            unit, i = line[i:j], j
        glue = unit[0] in _NO_START or units[-1][-1] in _NO_END if units else False
        if units and units[-1][-1].isdigit() and _is_cjk(unit[0]):
            glue = True  # a number stays with its measure word: 3份, 20个
        if units and units[-1] != " " and glue:
            units[-1] += unit
        else:
            units.append(unit)
    return units


def wrap_cjk(text: str, width: float, measure: Callable[[str], float]) -> str:
    """`text` with newlines where its lines must break to fit `width` (`measure` gives a string's
    width in the same unit). Each line is filled as far as it goes."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for unit in _units(para):
            if unit == " " and not line:
                continue
            candidate = line + unit
            if line and measure(candidate.rstrip()) > width:
                out.append(line.rstrip())
                line = "" if unit == " " else unit
            else:
                line = candidate
        out.append(line.rstrip())
    return "\n".join(out)
