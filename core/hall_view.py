"""What hall managers see, built from the MQTT messages alone (pure: fed topic + payload).

One model for every manager's view: `hall-monitor` renders it as text, `hall-console` as web pages
and Server-Sent Events (`on_message` says what changed, `sweep` which devices fell silent).

A device's status is retained and carries `session`, raised on every connect; a last will is the
same topic with `state: offline`. A will delivered late (older session than the live one) must not
mark a live device offline: the Sparkplug bdSeq rule.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from core import topics
from core.clock import CHINA_TZ, Clock, epoch_ms
from core.county_liveness import CountyLiveness
from core.events import RatingEvent, SigninEvent, SignoutEvent, StaffRef, parse_event
from core.levels import Level
from core.messages import COUNTY_HEARTBEAT_S, CountyState, DeviceStatus, Telemetry
from core.payload import PayloadError
from core.upstream import UpstreamStatus

log = logging.getLogger(__name__)

# A device that said it is online but sent no telemetry for this long is shown as silent.
SILENT_AFTER_MS = 90_000


@dataclass
class DeviceView:
    hall: str
    device: str
    status: DeviceStatus | None = None
    telemetry: Telemetry | None = None
    last_seen_ms: int = 0
    clerk: StaffRef | None = None  # signed in at this window (signin/signout events)
    last_rating: RatingEvent | None = None
    shown_health: str = ""  # the health last reported by `HallState.sweep`

    @property
    def online(self) -> bool:
        return self.status is not None and self.status.state == "online"

    def health(self, now_ms: int) -> str:
        """One word for the manager: online, offline, silent, or degraded (a peripheral or disk)."""
        if not self.online:
            return "offline"
        if now_ms - self.last_seen_ms > SILENT_AFTER_MS:
            return "silent"
        st = self.status
        assert st is not None
        if any(s not in ("ok", "absent") for s in st.peripherals.values()) or (st.disk and st.disk.low):
            return "degraded"
        return "online"


@dataclass(frozen=True)
class Change:
    """What one message changed: a device's view, and the rating it carried (new ones only)."""

    device: DeviceView | None = None
    rating: RatingEvent | None = None


@dataclass(frozen=True)
class BadRatingAlert:
    """A 差评 to follow up (the county opens a work order due in 10 working days)."""

    event_id: str
    hall: str
    device: str
    window_id: str | None
    level: Level
    reasons: tuple[str, ...]
    case_id: str | None
    rated_at: datetime
    staff: tuple[str, ...] = ()  # the clerks' names, as the event names them


@dataclass
class HallState:
    clock: Clock
    devices: dict[tuple[str, str], DeviceView] = field(default_factory=dict)
    tally: Counter[Level] = field(default_factory=Counter)
    tally_day: date | None = None
    alerts: list[BadRatingAlert] = field(default_factory=list)
    upstream: UpstreamStatus | None = None  # the county's reports to the province
    rejected_messages: int = 0
    _seen_events: set[str] = field(default_factory=set)
    # the county's liveness from its state beats: a restarted broker's stale `online: true` and
    # a county that died with its broker (no last will) both read as offline within 2 heartbeats
    county_heartbeat_s: float = COUNTY_HEARTBEAT_S
    county: CountyLiveness = field(init=False)

    def __post_init__(self) -> None:
        self.county = CountyLiveness(self.clock, self.county_heartbeat_s)

    @property
    def county_online(self) -> bool | None:
        """None until the county's state was seen; False when it said so or its beats stopped."""
        return self.county.online()

    def on_message(self, topic: str, payload: bytes) -> Change:
        """Take one message and say what it changed; a malformed one is counted and logged in one
        line, never raised."""
        try:
            if topic == topics.COUNTY_STATE:
                self.county.on_state(CountyState.from_json(payload))
                return Change()
            if topic == topics.UPSTREAM_STATUS:
                self.upstream = UpstreamStatus.from_json(payload)
                return Change()
            t = topics.parse(topic)
            if t.kind == "status":
                return self._on_status(t, DeviceStatus.from_json(payload))
            if t.kind == "telemetry":
                return self._on_telemetry(t, Telemetry.from_json(payload))
            if t.kind == "event" and t.name:
                return self._on_event(t, parse_event(t.name, payload))
        except (PayloadError, topics.TopicError) as e:
            self.rejected_messages += 1
            log.warning("monitor: ignored a message on %s: %s", topic, e)
        return Change()

    def sweep(self) -> list[DeviceView]:
        """Devices whose health changed since they were last reported (by a message or by an
        earlier sweep): a device falls silent with no message at all, so callers sweep now and then."""
        now_ms = epoch_ms(self.clock)
        changed = []
        for dev in self.devices.values():
            h = dev.health(now_ms)
            if h != dev.shown_health:
                dev.shown_health = h
                changed.append(dev)
        return changed

    def _shown(self, dev: DeviceView) -> Change:
        dev.shown_health = dev.health(epoch_ms(self.clock))
        return Change(device=dev)

    def _device(self, t: topics.DeviceTopic) -> DeviceView:
        key = (t.hall, t.device)
        if key not in self.devices:
            self.devices[key] = DeviceView(t.hall, t.device)
        return self.devices[key]

    def _on_status(self, t: topics.DeviceTopic, st: DeviceStatus) -> Change:
        dev = self._device(t)
        if dev.status is not None and st.session < dev.status.session:
            return Change()  # a late last will (or stale retained status) from an earlier session
        dev.status = st
        dev.last_seen_ms = max(dev.last_seen_ms, epoch_ms(self.clock))
        return self._shown(dev)

    def _on_telemetry(self, t: topics.DeviceTopic, tm: Telemetry) -> Change:
        dev = self._device(t)
        dev.telemetry = tm
        dev.last_seen_ms = epoch_ms(self.clock)
        return self._shown(dev)

    def _on_event(self, t: topics.DeviceTopic, ev: object) -> Change:
        dev = self._device(t)
        dev.last_seen_ms = epoch_ms(self.clock)
        if isinstance(ev, SigninEvent):
            dev.clerk = ev.staff
            return self._shown(dev)
        if isinstance(ev, SignoutEvent):
            if dev.clerk is not None and dev.clerk.id == ev.staff.id:
                dev.clerk = None
            return self._shown(dev)
        if not isinstance(ev, RatingEvent):
            return Change()
        today = datetime.fromtimestamp(self.clock.time(), CHINA_TZ).date()
        if self.tally_day != today:  # a new day starts a new tally
            self.tally_day, self.tally, self._seen_events = today, Counter(), set()
            self.alerts = [a for a in self.alerts if a.rated_at.astimezone(CHINA_TZ).date() == today]
        if ev.event_id in self._seen_events:
            return Change()  # devices resend until the county acks: count each event once
        self._seen_events.add(ev.event_id)
        if dev.last_rating is None or ev.rated_at >= dev.last_rating.rated_at:
            dev.last_rating = ev
        if ev.rated_at.astimezone(CHINA_TZ).date() != today:
            return Change()  # a backlog from an earlier day: not today's feed
        self.tally[ev.level] += 1
        if ev.level.is_bad:
            self.alerts.append(
                BadRatingAlert(
                    ev.event_id,
                    t.hall,
                    t.device,
                    ev.window_id,
                    ev.level,
                    tuple(ev.reasons),
                    ev.case_id,
                    ev.rated_at,
                    tuple(s.name for s in ev.staff),
                )
            )
        return Change(device=self._shown(dev).device, rating=ev)

    @property
    def satisfaction(self) -> float | None:
        """Share of today's ratings that are 满意 or better (the 好评率 halls report)."""
        total = sum(self.tally.values())
        good = self.tally[Level.VERY_SATISFIED] + self.tally[Level.SATISFIED]
        return good / total if total else None
