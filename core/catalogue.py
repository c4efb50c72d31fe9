"""The service catalogue (事项目录 with 办事指南), retained on `county/v1/catalogue` (docs/county-queries.md).

The county publishes the whole catalogue as one retained message; kiosks cache it on disk so the
service guides still show while the county is away. Texts are per language: `zh_CN` is required
for every item, other languages (`en`, `mn` 蒙文, `ug`, `bo`, ...) are optional and fall back to
`zh_CN` field by field.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from core.payload import Part, Payload

BASE_LANGUAGE = "zh_CN"
Lang = Annotated[str, Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")]
Code = Annotated[str, Field(min_length=1, max_length=50)]


class Named(Part):
    """A department (实施主体) or a theme category (主题分类): a stable code and its names."""

    code: Code
    names: dict[Lang, str]

    @model_validator(mode="after")
    def _has_base(self) -> Named:
        if BASE_LANGUAGE not in self.names:
            raise ValueError(f"{self.code}: names need a {BASE_LANGUAGE} entry")
        return self

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names[BASE_LANGUAGE]


class Material(Part):
    """One application material (申请材料)."""

    name: str
    form: str = ""  # 原件 / 复印件 / 电子证照 ...
    copies: Annotated[int, Field(ge=0, le=99)] = 1
    required: bool = True
    note: str = ""


class ItemText(Part):
    """Everything about an item that is written in one language."""

    name: str
    conditions: list[str] = Field(default_factory=list)  # 受理条件
    materials: list[Material] = Field(default_factory=list)  # 申请材料
    process: list[str] = Field(default_factory=list)  # 办理流程
    time_limit: str = ""  # 办理时限, as said to the citizen
    fees: str = ""  # 收费标准
    locations: list[str] = Field(default_factory=list)  # 办理地点
    hours: str = ""  # 办公时间
    notes: str = ""


class Item(Part):
    """One catalogue item (事项) with its guide (办事指南)."""

    code: Code  # 事项编码 (实施编码)
    department: Code
    category: Code
    item_type: str = ""  # 行政许可 / 公共服务 / 行政确认 / ...
    case_type: Literal[1, 2]  # 1 即办件, 2 承诺件
    legal_days: Annotated[int, Field(ge=0)] | None = None  # 法定办结时限 (working days)
    promised_days: Annotated[int, Field(ge=0)] | None = None  # 承诺办结时限 (working days)
    visits: Annotated[int, Field(ge=0, le=9)] = 1  # 到现场次数
    phone: str = ""  # 咨询电话
    complaint_phone: str = ""  # 监督投诉电话
    online_url: str = ""  # the guide on the online service portal (shown as a QR code)
    texts: dict[Lang, ItemText]

    @model_validator(mode="after")
    def _has_base(self) -> Item:
        if BASE_LANGUAGE not in self.texts:
            raise ValueError(f"{self.code}: texts need a {BASE_LANGUAGE} entry")
        return self

    def text(self, lang: str) -> ItemText:
        """The item in `lang`, or in Chinese where that language has no text."""
        return self.texts.get(lang) or self.texts[BASE_LANGUAGE]

    def has_language(self, lang: str) -> bool:
        return lang in self.texts


class Catalogue(Payload):
    SCHEMA: ClassVar[str] = "hall.catalogue/1"
    version: Annotated[str, Field(min_length=1, max_length=64)]
    published_at: AwareDatetime
    region_code: Annotated[str, Field(pattern=r"^[0-9]{6,12}$")]
    languages: list[Lang] = Field(default_factory=lambda: [BASE_LANGUAGE])
    departments: list[Named]
    categories: list[Named]
    items: list[Item]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        deps = {d.code for d in self.departments}
        cats = {c.code for c in self.categories}
        codes: set[str] = set()
        for it in self.items:
            if it.code in codes:
                raise ValueError(f"item code {it.code} appears twice")
            codes.add(it.code)
            if it.department not in deps:
                raise ValueError(f"item {it.code}: unknown department {it.department}")
            if it.category not in cats:
                raise ValueError(f"item {it.code}: unknown category {it.category}")
        return self

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def department(self, code: str) -> Named | None:
        return next((d for d in self.departments if d.code == code), None)

    def category(self, code: str) -> Named | None:
        return next((c for c in self.categories if c.code == code), None)
