"""Messages around events: acks, device status, telemetry, the county's state (docs/contracts.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, Field

from core.ids import WindowId
from core.payload import Part, Payload

AckResult = Literal["stored", "duplicate", "rejected"]


class AckItem(Part):
    event_id: str
    result: AckResult
    reason: str | None = None


class Ack(Payload):
    """The county's application-level ack: only this ends an event's life on the device."""

    SCHEMA: ClassVar[str] = "hall.ack/1"
    acks: list[AckItem]


PeripheralState = Literal["ok", "missing", "fault", "paper_out", "offline", "absent"]


class Backlog(Part):
    unacked: Annotated[int, Field(ge=0)]
    oldest_age_s: Annotated[float, Field(ge=0)] | None = None


class DiskState(Part):
    free_bytes: Annotated[int, Field(ge=0)]
    low: bool


class DeviceStatus(Payload):
    """Retained on `.../status`; the last will is the same with `state: offline`.

    `session` rises on every connect, so a late last will (older session) can be told from a live
    device (the Sparkplug bdSeq idea).
    """

    SCHEMA: ClassVar[str] = "hall.status/1"
    hall_id: str
    device_id: str
    kind: str
    state: Literal["online", "offline"]
    session: Annotated[int, Field(ge=0)]
    timestamp: int  # ms since the epoch
    version: str = ""
    window_id: WindowId | None = None
    peripherals: dict[str, PeripheralState] = Field(default_factory=dict)
    backlog: Backlog | None = None
    disk: DiskState | None = None
    detail: str = ""  # one line on what is wrong, shown to hall managers


class Telemetry(Payload):
    SCHEMA: ClassVar[str] = "hall.telemetry/1"
    hall_id: str
    device_id: str
    timestamp: int
    uptime_s: float
    cpu_percent: float
    rss_bytes: int
    backlog: Backlog
    disk: DiskState
    published: int = 0
    acked: int = 0
    reconnects: int = 0


# The county service re-publishes its state at least this often while it is up; a reader takes
# `online: true` as offline once no newer beat came for twice this (core/county_liveness.py).
COUNTY_HEARTBEAT_S = 15


class CountyState(Payload):
    """`county/v1/state`, retained; the county's last will sets `online: false`.

    `online: true` is a heartbeat, re-sent every `COUNTY_HEARTBEAT_S` with a fresh `timestamp`
    (ms since the epoch): a county broker that dies with the service never sends the will and
    re-sends the old `online: true` when it restarts, so readers judge liveness by fresh beats.
    """

    SCHEMA: ClassVar[str] = "county.state/1"
    online: bool
    timestamp: int


class Alert(Payload):
    """`county/v1/alert/{hall}` (QoS 1, not retained): a 差评 work order opened or overdue.

    For duty managers' SMS gateways, the 12345 hotline and the console. Names no citizen.
    """

    SCHEMA: ClassVar[str] = "hall.alert/1"
    kind: Literal["new", "overdue"]
    workorder_id: Annotated[int, Field(ge=1)]
    hall_id: str
    device_id: str
    window_id: str | None
    case_id: str | None
    level: Annotated[int, Field(ge=1, le=5)]
    reasons: list[str]
    rated_at: AwareDatetime
    due: date
