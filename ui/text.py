"""Chinese first, English beneath: one helper so every screen says it the same way."""

from __future__ import annotations

from kivy.utils import escape_markup


def bilingual(zh: str, en: str = "", base_size: float | None = None, en_scale: float = 0.55) -> str:
    """Markup for a Label with `markup=True`: the Chinese line, then a smaller English line."""
    if not en:
        return str(escape_markup(zh))
    if base_size is None:  # Kivy markup has no relative sizes
        return f"{escape_markup(zh)}\n{escape_markup(en)}"
    return f"{escape_markup(zh)}\n[size={int(base_size * en_scale)}]{escape_markup(en)}[/size]"


def split_bilingual(text: str) -> tuple[str, str]:
    """Split a controller message "中文 / English" into its two halves."""
    zh, sep, en = text.partition(" / ")
    return (zh, en) if sep else (text, "")
