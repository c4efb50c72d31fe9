"""A realistic demo service catalogue (事项目录 with 办事指南) for a county in Inner Mongolia, kept
as data: `demo_catalogue.json` beside this file (shipped as package data), in the very format a
county publishes (`hall.catalogue/1`, docs/county-queries.md), validated by the catalogue model
each time it is loaded.

Used by the demo and the tests when no `catalogue_file` is configured. A real county exports its
catalogue from the provincial 政务服务事项管理系统 into the same JSON (`hall-county
export-catalogue` writes this one as a starting point).

The Mongolian (`mn`, traditional script) texts are a draft for the demo only: a real hall must
take them from its 民族语文 translation office.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from core.catalogue import Catalogue

REGION = "150102"  # the demo county (its region_code)
DATA = "demo_catalogue.json"


@cache
def _raw() -> bytes:
    return resources.files("county").joinpath(DATA).read_bytes()


def demo_catalogue() -> Catalogue:
    """The demo catalogue, validated (a `PayloadError` names what is wrong with the file)."""
    return Catalogue.from_json(_raw())
