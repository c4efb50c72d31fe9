"""Service guides: pinyin-initial and Chinese search, the on-disk catalogue cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalogue import Catalogue
from core.payload import PayloadError
from county.demo_catalogue import demo_catalogue
from kiosk.catalogue_cache import CatalogueCache
from kiosk.guide_search import GuideIndex
from kiosk.pinyin_index import initials


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    return GuideIndex(demo_catalogue())


def names(items: list) -> list[str]:  # type: ignore[type-arg]
    return [i.text("zh_CN").name for i in items]


def test_initials() -> None:
    assert initials("居民身份证首次申领") == "jmsfzscsl"
    assert initials("不动产转移登记（二手房买卖）") == "bdczydjesfmm"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("sfz", "居民身份证首次申领"),
        ("SFZ", "居民身份证首次申领"),
        ("sbk", "社会保障卡补换"),
        ("bdc", "不动产转移登记（二手房买卖）"),
        ("jhdj", "内地居民结婚登记"),
        ("dibao", None),  # full pinyin of 低保 is not in a name: no false hit on 代办
        ("hukou", "户口迁移（省内迁入）"),
        ("身份证", "居民身份证首次申领"),
        ("户口", "户口迁移（省内迁入）"),
        ("结婚", "内地居民结婚登记"),
        ("marriage", "内地居民结婚登记"),
    ],
)
def test_search_finds_the_right_item_first(index: GuideIndex, query: str, first: str | None) -> None:
    found = names(index.search(query))
    if first is None:
        assert "最低生活保障审核确认" not in found[:1] or found == []
    else:
        assert found and found[0] == first


def test_search_ranks_name_before_materials(index: GuideIndex) -> None:
    found = names(index.search("户口"))
    assert found[0] == "户口迁移（省内迁入）"
    assert "居民身份证首次申领" in found[1:]  # only through its materials (居民户口簿)


def test_nothing_for_nonsense_and_blank(index: GuideIndex) -> None:
    assert index.search("qqqqzzz") == []
    assert index.search("   ") == []


def test_department_and_theme(index: GuideIndex) -> None:
    assert names(index.by_department("MZ")) == ["内地居民结婚登记", "最低生活保障审核确认"]
    assert len(index.by_category("sb")) == 4


def test_cache_survives_restart_and_refuses_bad_messages(tmp_path: Path) -> None:
    path = tmp_path / "state" / "catalogue.json"
    cache = CatalogueCache(path)
    assert cache.catalogue is None
    cat = demo_catalogue()
    assert cache.update(cat.to_json()) == cat
    assert cache.update(cat.to_json()) is None  # unchanged
    assert cache.update(b'{"schema": "hall.catalogue/1"}') is None and "refused" in cache.problem
    assert cache.update(b"") is None
    again = CatalogueCache(path)
    assert again.catalogue == cat
    path.write_bytes(b"{broken")
    assert CatalogueCache(path).catalogue is None


def test_catalogue_model_refuses_inconsistency() -> None:
    raw = demo_catalogue().to_dict()
    raw["items"][0]["department"] = "NOPE"
    with pytest.raises(PayloadError, match="unknown department"):
        Catalogue.from_json(__import__("json").dumps(raw))
    raw = demo_catalogue().to_dict()
    del raw["items"][0]["texts"]["zh_CN"]
    with pytest.raises(PayloadError, match="zh_CN"):
        Catalogue.from_json(__import__("json").dumps(raw))


def test_pinyin_sidecar_is_made_out_of_process_and_used(tmp_path: Path) -> None:
    from kiosk import pinyin_index

    cat = demo_catalogue()
    path = tmp_path / "catalogue.json"
    path.write_bytes(cat.to_json())
    assert pinyin_index.load(path, cat) is None
    assert pinyin_index.build_in_subprocess(path)
    spellings = pinyin_index.load(path, cat)
    assert spellings is not None and spellings["000108001000-150102"] == (
        "jmsfzscsl",
        "juminshenfenzhengshoucishenling",
    )
    index = GuideIndex(cat, spellings)
    assert names(index.search("sfz"))[0] == "居民身份证首次申领"
    # without spellings (not made yet) Chinese and English still find things, pinyin does not
    bare = GuideIndex(cat, {})
    assert bare.search("sfz") == [] and names(bare.search("身份证"))[0] == "居民身份证首次申领"
    assert pinyin_index.load(path, cat.model_copy(update={"version": "other"})) is None
