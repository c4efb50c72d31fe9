"""Chinese first, English beneath: one helper so every screen says it the same way."""

from __future__ import annotations

from kivy.utils import escape_markup

# Font sizes snap to this ladder. Kivy's SDL2 text provider keeps a small cache of opened fonts
# keyed by size; sizes computed freely from widget sizes overflow it, and every re-render then
# re-opens the (5 MB) CJK font: measured 0.2-0.4 s per label on a 2-core box.
FONT_LADDER: tuple[int, ...] = (
    10, 12, 14, 16, 18, 20, 22, 24, 28, 32, 36, 40, 44, 48, 56, 64, 72, 80, 96, 112
)


def font_step(size: float) -> int:
    """The largest ladder size not above `size` (the smallest one for tiny sizes)."""
    best = FONT_LADDER[0]
    for step in FONT_LADDER:
        if step <= size:
            best = step
    return best


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
