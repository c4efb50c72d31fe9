"""What a service guide (办事指南) says, line by line, in the reader's language (no Kivy).

The view lays these lines out; composing them here keeps them testable: nothing said twice (the
written time limit is what the citizen reads; the catalogue's day counts stand in only when the
guide has no words for it; the case type once, with the time limit), and in English nothing left
in Chinese that the kiosk can say in English.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.catalogue import BASE_LANGUAGE, Catalogue, Item, Material
from kiosk import texts


@dataclass(frozen=True)
class Section:
    key: str  # texts key of the heading
    lines: list[str]
    mn_lines: list[str] = field(default_factory=list)  # 蒙文 column beside it (mn mode)


@dataclass(frozen=True)
class Guide:
    name: str
    mn_name: str
    meta: list[str]
    sections: list[Section]


def shown_language(lang: str) -> str:
    """The language Kivy Labels show: Chinese for scripts drawn apart (蒙文)."""
    return BASE_LANGUAGE if lang in texts.SHAPED_LANGUAGES else lang


def material_line(m: Material, lang: str) -> str:
    shown = shown_language(lang)
    extra = [
        x
        for x in (
            m.form,
            texts.text("copies", shown, n=m.copies) if m.copies else "",
            texts.text("required" if m.required else "optional", shown),
        )
        if x
    ]
    bits = [m.name]
    if extra:
        bits.append(f"（{'，'.join(extra)}）" if shown != "en" else f" ({', '.join(extra)})")
    if m.note:
        bits.append(f" — {m.note}")
    return "•\u00a0" + "".join(bits)  # no break after the bullet


def guide(item: Item, catalogue: Catalogue | None, lang: str) -> Guide:
    shown = shown_language(lang)
    text = item.text(shown)
    mn = item.texts.get("mn") if lang == "mn" else None
    dep = catalogue.department(item.department) if catalogue else None
    meta = [
        f"{texts.text('department', shown)}: {dep.name(shown) if dep else item.department}",
        " · ".join(x for x in (texts.item_type(item.item_type, shown), item.code) if x),
    ]
    # 办理时限: the case type (即办件 / 承诺件) unless the guide's own words already say it, then
    # the guide's words; the catalogue's day counts only stand in when the guide has none.
    kind = texts.text(f"case_type_{item.case_type}", shown)
    if text.time_limit:
        said = text.time_limit
        limit = said if kind in said else f"{kind} · {said}"
    else:
        limits = [kind]
        if item.legal_days is not None:
            limits.append(texts.text("legal_days", shown, n=item.legal_days))
        if item.promised_days:
            limits.append(texts.text("promised_days", shown, n=item.promised_days))
        elif item.promised_days == 0 and item.case_type != 1:
            limits.append(texts.text("promised_now", shown))
        limit = " · ".join(limits)
    complaint = (
        f"    {texts.text('complaint_phone', shown)}: {item.complaint_phone}" if item.complaint_phone else ""
    )
    m = mn
    sections = [
        Section("conditions", list(text.conditions), list(m.conditions) if m else []),
        Section(
            "materials",
            [material_line(x, lang) for x in text.materials],
            [x.name for x in m.materials] if m else [],
        ),
        Section(
            "process", [f"{i}. {p}" for i, p in enumerate(text.process, 1)], list(m.process) if m else []
        ),
        Section(
            "time_limit",
            [limit],
            [m.time_limit] if m and m.time_limit else [],
        ),
        Section("fees", [text.fees] if text.fees else [], [m.fees] if m and m.fees else []),
        Section("locations", list(text.locations)),
        Section("hours", [text.hours] if text.hours else []),
        Section("phone", [f"{item.phone}{complaint}".strip()] if item.phone or complaint else []),
    ]
    return Guide(
        name=text.name,
        mn_name=m.name if m else "",
        meta=meta,
        sections=[s for s in sections if any(s.lines)],
    )
