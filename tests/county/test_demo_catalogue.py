"""The demo catalogue is data (county/demo_catalogue.json), checked by the catalogue model."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from core.catalogue import Catalogue
from core.payload import PayloadError
from county.demo_catalogue import DATA, REGION, demo_catalogue


def test_the_shipped_file_is_a_valid_catalogue() -> None:
    cat = demo_catalogue()
    assert cat.region_code == REGION and cat.languages == ["zh_CN", "en", "mn"]
    assert len(cat.items) >= 15 and all(cat.department(i.department) for i in cat.items)
    assert demo_catalogue() == cat  # a fresh copy each time, same content


def test_the_model_refuses_a_broken_copy() -> None:
    raw = json.loads(resources.files("county").joinpath(DATA).read_bytes())
    raw["items"][0]["department"] = "NOPE"
    with pytest.raises(PayloadError, match="unknown department NOPE"):
        Catalogue.from_json(json.dumps(raw).encode())
    raw = json.loads(resources.files("county").joinpath(DATA).read_bytes())
    raw["items"][1]["surprise"] = 1  # a field the contract does not have
    with pytest.raises(PayloadError, match="surprise"):
        Catalogue.from_json(json.dumps(raw).encode())
