"""What a service guide says, for every item of the demo catalogue in every language: nothing said
twice, and nothing left in Chinese in English mode that the kiosk can say in English."""

from __future__ import annotations

import re

import pytest

from county.demo_catalogue import demo_catalogue
from kiosk import texts
from kiosk.guide_text import guide

CATALOGUE = demo_catalogue()
HAN = re.compile(r"[\u4e00-\u9fff]")


def phrases(line: str) -> list[str]:
    return [p.strip() for p in re.split(r"[·，,;；\n]", line) if p.strip()]


@pytest.mark.parametrize("lang", ["zh_CN", "en", "mn"])
def test_no_guide_says_a_thing_twice(lang: str) -> None:
    for item in CATALOGUE.items:
        g = guide(item, CATALOGUE, lang)
        lines = [*g.meta, *(ln for s in g.sections for ln in s.lines)]
        assert len(lines) == len(set(lines)), (item.code, lang, lines)
        # what the head and the time limit say (materials may well repeat "1 份, 必需")
        (limit,) = [s.lines for s in g.sections if s.key == "time_limit"]
        said = [p for line in [*g.meta, *limit] for p in phrases(line)]
        repeated = {p for p in said if said.count(p) > 1 or any(p != q and p in q for q in said)}
        assert not repeated, (item.code, lang, repeated)


def test_marriage_guide_says_done_on_the_spot_once() -> None:
    item = CATALOGUE.item("000113001000-150102")
    assert item is not None
    zh = guide(item, CATALOGUE, "zh_CN")
    en = guide(item, CATALOGUE, "en")
    assert sum(line.count("当场办结") for s in zh.sections for line in s.lines) == 1
    every_en = "\n".join([*en.meta, *(ln for s in en.sections for ln in s.lines)])
    assert every_en.count("Done on the spot") == 1
    assert "行政确认" not in every_en and "Administrative confirmation" in every_en


def test_english_guides_have_no_chinese_where_english_exists() -> None:
    for item in CATALOGUE.items:
        if not item.has_language("en"):
            continue
        g = guide(item, CATALOGUE, "en")
        for line in [*g.meta, *(ln for s in g.sections for ln in s.lines)]:
            assert not HAN.search(line), (item.code, line)


def test_every_item_type_of_the_catalogue_has_english() -> None:
    kinds = {i.item_type for i in CATALOGUE.items}
    assert kinds <= set(texts.ITEM_TYPES_EN)


def test_day_counts_stand_in_when_the_guide_has_no_words_for_the_time_limit() -> None:
    item = CATALOGUE.items[0].model_copy(
        update={
            "legal_days": 20,
            "promised_days": 5,
            "texts": {
                k: t.model_copy(update={"time_limit": ""}) for k, t in CATALOGUE.items[0].texts.items()
            },
        }
    )
    (limit,) = [s for s in guide(item, CATALOGUE, "zh_CN").sections if s.key == "time_limit"]
    kind = texts.text(f"case_type_{item.case_type}", "zh_CN")
    assert limit.lines == [f"{kind} · 法定时限 20 个工作日 · 承诺时限 5 个工作日"]


def test_every_department_and_theme_is_named_in_every_language_of_the_catalogue() -> None:
    for group in (*CATALOGUE.departments, *CATALOGUE.categories):
        assert set(CATALOGUE.languages) <= set(group.names), group.code
