"""Kiosk queries to the county and their answers (MQTT 5 request/response, docs/county-queries.md).

A progress query may carry an ID number: it travels only on ACL-protected topics and is never
stored or logged, on the device or at the county.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field, model_validator

from core.events import DeviceId, StaffRef
from core.gb11643 import ID_NUMBER_PATTERN
from core.ids import WindowId
from core.payload import Part, Payload, Text50


class ProgressQuery(Payload):
    SCHEMA: ClassVar[str] = "hall.query.progress/1"
    hall_id: DeviceId
    device_id: DeviceId
    id_number: Annotated[str, Field(pattern=ID_NUMBER_PATTERN)] | None = None
    case_id: Text50 | None = None

    @model_validator(mode="after")
    def _one_key(self) -> ProgressQuery:
        if (self.id_number is None) == (self.case_id is None):
            raise ValueError("give exactly one of id_number and case_id")
        return self

    def __repr__(self) -> str:  # keep the ID number out of tracebacks and logs
        return f"ProgressQuery(device_id={self.device_id!r}, by={'id' if self.id_number else 'case'})"

    __str__ = __repr__


class Step(Part):
    name: str
    handler_masked: str = ""
    started_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    status: Literal[1, 2]  # 1 待办, 2 已办


class CaseProgress(Part):
    case_id: Text50
    item_code: str
    item_name: str
    case_type: Literal[1, 2]  # 1 即办件, 2 承诺件
    applicant_masked: str
    accepted_at: AwareDatetime
    promised_at: AwareDatetime | None = None
    state: Literal[1, 2, 3]  # 1 待办, 2 办理中, 3 已完结
    rateable: bool
    assess_number: Literal[1, 2] = 1  # the rating round a rating now would be
    window_id: WindowId | None = None
    staff: list[StaffRef] = Field(default_factory=list)  # who handled it: [{"id", "name"}]
    steps: list[Step] = Field(default_factory=list)


class ProgressReply(Payload):
    SCHEMA: ClassVar[str] = "hall.progress/1"
    result: Literal["ok", "not_found", "error"]
    reason: str | None = None
    cases: list[CaseProgress] = Field(default_factory=list)
