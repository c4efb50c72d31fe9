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

from core.catalogue import BASE_LANGUAGE, Catalogue, Item
from kiosk.pinyin_index import Spellings, full_pinyin, initials

_ASCII = re.compile(r"^[a-z0-9 ]+$")


def _subsequence(needle: str, hay: str) -> bool:
    """`needle` in order within `hay`, starting at the same letter (so "sbk" ≠ "…s…b…k…")."""
    if not hay or needle[0] != hay[0]:
        return False
    it = iter(hay)
    return all(ch in it for ch in needle)


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
    """`spellings` (item code → initials, full pinyin) come from `kiosk.pinyin_index`; None makes
    them here with pypinyin (tests, tools); an item missing from them is found by Chinese only."""

    def __init__(self, catalogue: Catalogue, spellings: Spellings | None = None) -> None:
        self.catalogue = catalogue
        entries = []
        for it in catalogue.items:
            zh_name = it.text(BASE_LANGUAGE).name
            ini, full = (
                (initials(zh_name), full_pinyin(zh_name))
                if spellings is None
                else spellings.get(it.code, ("", ""))
            )
            zh = it.text(BASE_LANGUAGE)
            dep = catalogue.department(it.department)
            cat = catalogue.category(it.category)
            names = [n for x in (dep, cat) if x is not None for n in x.names.values()]
            entries.append(
                _Entry(
                    item=it,
                    name=zh.name,
                    name_en=it.texts["en"].name.lower() if "en" in it.texts else "",
                    initials=ini,
                    pinyin=full,
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
        if compact and e.initials and compact in e.initials:
            return 2
        if len(compact) >= 2 and e.pinyin and compact in e.pinyin:
            return 3
        if len(compact) >= 3 and e.initials and _subsequence(compact, e.initials):
            return 3  # abbreviations skip characters: "sbk" for 社(会)保(障)卡
        if len(q) >= 3 and (q in e.name_en or q in e.context):
            return 4
        return None

    def by_department(self, code: str) -> list[Item]:
        return [i for i in self.catalogue.items if i.department == code]

    def by_category(self, code: str) -> list[Item]:
        return [i for i in self.catalogue.items if i.category == code]
