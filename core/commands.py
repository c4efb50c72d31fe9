"""Commands to a device on `.../cmd/{name}` and its answer on the MQTT 5 response topic."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from core.events import StaffRef
from core.payload import Payload, Text50, Text200


class InviteCommand(Payload):
    """What a window's business system sends when a case is done (`cmd/invite`)."""

    SCHEMA: ClassVar[str] = "hall.invite/1"
    case_id: Text50
    assess_number: Literal[1, 2] = 1
    item_code: Annotated[str, Field(max_length=50)] | None = None
    item_name: Text200 | None = None
    staff: list[StaffRef] = Field(default_factory=list, max_length=10)
    applicant_masked: Annotated[str, Field(max_length=20)] | None = None
    expires_in_s: Annotated[float, Field(gt=0, le=3600)] | None = None


class CancelCommand(Payload):
    SCHEMA: ClassVar[str] = "hall.cancel/1"
    case_id: Text50


class IdentifyCommand(Payload):
    SCHEMA: ClassVar[str] = "hall.identify/1"
    seconds: Annotated[float, Field(gt=0, le=60)] = 5.0


class RestartCommand(Payload):
    SCHEMA: ClassVar[str] = "hall.restart/1"
    reason: str = ""


COMMAND_MODELS: dict[str, type[Payload]] = {
    "invite": InviteCommand,
    "cancel": CancelCommand,
    "identify": IdentifyCommand,
    "restart": RestartCommand,
}


class CommandReply(Payload):
    SCHEMA: ClassVar[str] = "hall.cmd-reply/1"
    result: Literal["accepted", "busy", "refused"]
    reason: str | None = None
