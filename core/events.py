"""Events a device sends to the county (docs/contracts.md, Payloads). Each is stored once, by `event_id`."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from core.ids import UUID_RE, WindowId, new_event_id
from core.levels import Level
from core.payload import Part, Payload, PayloadError, Text50, Text200
from core.topics import ID_PATTERN

DeviceId = Annotated[str, Field(pattern=f"^{ID_PATTERN}$")]
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{6,12}$")]
ReasonCode = Annotated[str, Field(min_length=1, max_length=32)]


class StaffRef(Part):
    """A clerk as named in an event or invitation. No schema tag: it is only ever nested."""

    id: Text50
    name: Annotated[str, Field(min_length=1, max_length=50)]


class Event(Payload):
    """Common head of every event. `seq` is 0 until the outbox assigns it."""

    TYPE: ClassVar[str] = ""
    event_id: Annotated[str, Field(pattern=UUID_RE.pattern)] = Field(default_factory=new_event_id)
    seq: Annotated[int, Field(ge=0)] = 0
    hall_id: DeviceId
    device_id: DeviceId


# Provincial `pf` channel codes (the mapping is configurable per province, these are the defaults).
CHANNEL_PC = 1
CHANNEL_MOBILE = 2
CHANNEL_QR = 3
CHANNEL_HALL_TABLET = 4
CHANNEL_HALL_TERMINAL = 5
CHANNEL_SMS = 6
CHANNEL_SYSTEM_DEFAULT = 7


class RatingEvent(Event):
    SCHEMA: ClassVar[str] = "hall.rating/1"
    TYPE: ClassVar[str] = "rating"

    window_id: WindowId | None
    region_code: RegionCode
    channel: Annotated[int, Field(ge=1, le=9)]
    # "default": the county's system default (基本满意 after the rating window), never a device's
    input: Literal["touch", "keypad", "qr", "default"]
    case_id: Text50 | None = None
    assess_number: Literal[1, 2] = 1
    item_code: Annotated[str, Field(max_length=50)] | None = None
    item_name: Text200 | None = None
    staff: list[StaffRef] = Field(default_factory=list, max_length=10)
    level: Level
    reasons: list[ReasonCode] = Field(default_factory=list, max_length=20)
    comment: Annotated[str, Field(max_length=500)] = ""
    public: bool = True
    invited_at: AwareDatetime
    rated_at: AwareDatetime
    # made by the county (docs/county.md "System default ratings"); devices may not send true
    system_default: bool = False

    @model_serializer(mode="wrap")
    def _omit_false_default(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        # a device's rating stays exactly as before on the wire: the flag appears only when true
        data: dict[str, object] = handler(self)
        if not self.system_default:
            data.pop("system_default", None)
        return data

    @property
    def claims_system_default(self) -> bool:
        """Whether any field says "system default" (the county refuses that from a device)."""
        return self.system_default or self.input == "default" or self.channel == CHANNEL_SYSTEM_DEFAULT

    @model_validator(mode="after")
    def _bad_needs_reason(self) -> RatingEvent:
        if self.system_default != (self.input == "default"):
            raise ValueError('system_default true goes with input "default" and only with it')
        if self.system_default and self.channel != CHANNEL_SYSTEM_DEFAULT:
            raise ValueError(f"a system default rating has channel {CHANNEL_SYSTEM_DEFAULT}")
        if self.level.is_bad and not self.reasons and not self.comment.strip():
            raise ValueError("a rating of 1 or 2 (差评) needs at least one reason or a comment")
        if self.rated_at < self.invited_at:
            raise ValueError("rated_at is before invited_at")
        return self

    @property
    def gbt_code(self) -> int:
        return self.level.gbt_code


class ExpiredEvent(Event):
    """An invitation nobody rated before it ran out."""

    SCHEMA: ClassVar[str] = "hall.expired/1"
    TYPE: ClassVar[str] = "expired"

    window_id: WindowId | None
    region_code: RegionCode
    case_id: Text50
    assess_number: Literal[1, 2] = 1
    item_code: Annotated[str, Field(max_length=50)] | None = None
    item_name: Text200 | None = None
    staff: list[StaffRef] = Field(default_factory=list, max_length=10)
    invited_at: AwareDatetime
    expired_at: AwareDatetime


class SigninEvent(Event):
    SCHEMA: ClassVar[str] = "hall.signin/1"
    TYPE: ClassVar[str] = "signin"

    window_id: WindowId | None
    staff: StaffRef
    at: AwareDatetime


class SignoutEvent(Event):
    SCHEMA: ClassVar[str] = "hall.signout/1"
    TYPE: ClassVar[str] = "signout"

    window_id: WindowId | None
    staff: StaffRef
    at: AwareDatetime
    cause: Literal["card", "another_card", "idle", "shutdown", "manual"] = "card"


EVENT_MODELS: dict[str, type[Event]] = {
    m.TYPE: m for m in (RatingEvent, ExpiredEvent, SigninEvent, SignoutEvent)
}


def parse_event(event_type: str, raw: bytes | str) -> Event:
    """Validate an event received on `.../event/{event_type}`."""
    model = EVENT_MODELS.get(event_type)
    if model is None:
        raise PayloadError(f"unknown event type {event_type!r}")
    return model.from_json(raw)
