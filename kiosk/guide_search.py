"""Finding service guides: by Chinese text, by pinyin initials ("sfz" → 身份证…) or full pinyin,
and by English words. Pure; the index is built once per catalogue.

Ranking (best first): the name starts with the query, the name contains it, the name's pinyin
initials contain it, the full pinyin contains it or the initials abbreviate the name (sbk →
社会保障卡…), the department or theme matches, a material
matches. Ties keep catalogue order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from core.catalogue import BASE_LANGUAGE, Catalogue, Item

_ASCII = re.compile(r"^[a-z0-9 ]+$")


def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters in `text` (letters and digits kept, lower case)."""
    out = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: "".join(c for c in s if c.isalnum()))
    return "".join(out).lower()


def _subsequence(needle: str, hay: str) -> bool:
    """`needle` in order within `hay`, starting at the same letter (so "sbk" ≠ "…s…b…k…")."""
    if not hay or needle[0] != hay[0]:
        return False
    it = iter(hay)
    return all(ch in it for ch in needle)


def full_pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, errors=lambda s: "".join(c for c in s if c.isalnum()))).lower()


@dataclass(frozen=True)
class _Entry:
    item: Item
    name: str
    name_en: str
    initials: str
    pinyin: str
    context: str  # department and theme names
    materials: str


class GuideIndex:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        entries = []
        for it in catalogue.items:
            zh = it.text(BASE_LANGUAGE)
            dep = catalogue.department(it.department)
            cat = catalogue.category(it.category)
            names = [n for x in (dep, cat) if x is not None for n in x.names.values()]
            entries.append(
                _Entry(
                    item=it,
                    name=zh.name,
                    name_en=it.texts["en"].name.lower() if "en" in it.texts else "",
                    initials=initials(zh.name),
                    pinyin=full_pinyin(zh.name),
                    context=" ".join(names).lower(),
                    materials=" ".join(m.name for m in zh.materials),
                )
            )
        self._entries = entries

    def search(self, query: str) -> list[Item]:
        q = query.strip().lower()
        if not q:
            return []
        ascii_q = bool(_ASCII.match(q))
        compact = q.replace(" ", "")
        scored: list[tuple[int, int, Item]] = []
        for pos, e in enumerate(self._entries):
            rank = self._rank(e, q, compact, ascii_q)
            if rank is not None:
                scored.append((rank, pos, e.item))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [it for _, _, it in scored]

    @staticmethod
    def _rank(e: _Entry, q: str, compact: str, ascii_q: bool) -> int | None:
        if not ascii_q:
            if e.name.startswith(q):
                return 0
            if q in e.name:
                return 1
            if q in e.context:
                return 4
            if q in e.materials:
                return 5
            return None
        if compact and e.initials.startswith(compact):
            return 2
        if compact and compact in e.initials:
            return 2
        if len(compact) >= 2 and compact in e.pinyin:
            return 3
        if len(compact) >= 3 and _subsequence(compact, e.initials):
            return 3  # abbreviations skip characters: "sbk" for 社(会)保(障)卡
        if len(q) >= 3 and (q in e.name_en or q in e.context):
            return 4
        return None

    def by_department(self, code: str) -> list[Item]:
        return [i for i in self.catalogue.items if i.department == code]

    def by_category(self, code: str) -> list[Item]:
        return [i for i in self.catalogue.items if i.category == code]
