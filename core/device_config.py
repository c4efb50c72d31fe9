"""Device configuration sent by the county on the retained `.../config` topic
(docs/county.md, "Device configuration")."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import ConfigDict, Field

from core.payload import Part, Payload

# Reason code a 差评 carries when it was given at a keypad, which cannot name a reason:
# the county follows up by phone (回访).
KEYPAD_REASON_DEFAULT = "R00"
KEYPAD_REASON_TEXT = "键盘评价，未说明原因 — 请回访"
KEYPAD_REASON_TEXT_EN = "Rated at a keypad, no reason given: call back"


class StaffMember(Part):
    id: str
    name: str
    card: str  # what the staff-card reader sends for this clerk
    title: str = ""
    photo: str = ""  # path or URL of the clerk's photo


class Reason(Part):
    code: Annotated[str, Field(min_length=1, max_length=32)]
    text: str
    text_en: str = ""


DEFAULT_REASONS: tuple[Reason, ...] = (
    Reason(code="R01", text="服务态度不好", text_en="Unfriendly service"),
    Reason(code="R02", text="办事效率低", text_en="Slow service"),
    Reason(code="R03", text="多次跑腿", text_en="Had to come back several times"),
    Reason(code="R04", text="材料要求不清楚", text_en="Unclear requirements"),
    Reason(code="R05", text="等候时间过长", text_en="Waited too long"),
    Reason(code="R06", text="业务不熟练", text_en="Clerk not familiar with the matter"),
    Reason(code="R07", text="系统故障", text_en="System failure"),
    Reason(code="R99", text="其他", text_en="Other"),
)


def reason_text(
    code: str,
    reasons: tuple[Reason, ...] | list[Reason] = DEFAULT_REASONS,
    keypad_reason: str = KEYPAD_REASON_DEFAULT,
) -> str:
    """What a reason code means to the person who follows the 差评 up (the code itself if unknown)."""
    if code == keypad_reason:
        return KEYPAD_REASON_TEXT
    return next((r.text for r in reasons if r.code == code), code)


class DeviceConfig(Payload):
    """The county may add fields: unknown ones are kept, not refused, so old devices keep working."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)
    SCHEMA: ClassVar[str] = "hall.config/1"

    window_name: str = ""
    window_name_en: str = ""
    staff: list[StaffMember] = Field(default_factory=list)
    reasons: list[Reason] = Field(default_factory=lambda: list(DEFAULT_REASONS))
    keypad_reason: str = KEYPAD_REASON_DEFAULT
    allow_free_rating: bool = True
    language: str = "zh_CN"
    rating_url: str = ""  # e.g. "https://hcp.example.gov.cn/rate?case={case_id}&n={assess_number}"
    invite_ttl_s: Annotated[float, Field(gt=0, le=3600)] = 120.0
    free_rating_window_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    free_rating_min_interval_s: Annotated[float, Field(ge=0, le=600)] = 5.0
    thanks_s: Annotated[float, Field(gt=0, le=60)] = 3.0
    channel: Annotated[int, Field(ge=1, le=9)] | None = None  # overrides the app's default pf code

    def staff_by_card(self, card: str) -> StaffMember | None:
        return next((s for s in self.staff if s.card == card), None)
