"""The console's live side: the shared manager's model (`core.hall_view`) fed from the county
broker, and the Server-Sent Events subscribers told about every change, each only of the halls
it may see.

MQTT messages arrive on paho's thread; subscribers live on the web server's event loop, so every
change crosses over with `call_soon_threadsafe`. A subscriber that stops reading (its queue fills)
is dropped rather than let memory grow; its browser reconnects and reloads the current state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import paho.mqtt.client as mqtt

from console.i18n import LANGS, level_text, reason_text
from console.users import Principal
from core import hall_watch, topics
from core.clock import CHINA_TZ, Clock, epoch_ms
from core.config import MqttSettings
from core.events import RatingEvent
from core.hall_view import DeviceView, HallState

log = logging.getLogger(__name__)

QUEUE_MAX = 1000


def _rfc3339_ms(ms: int) -> str | None:
    return datetime.fromtimestamp(ms / 1000, CHINA_TZ).isoformat(timespec="seconds") if ms else None


def device_json(dev: DeviceView, now_ms: int) -> dict[str, Any]:
    """A device as `/api/v1/devices` and the `device` event give it (docs/console.md)."""
    st = dev.status
    last = dev.last_rating
    return {
        "hall_id": dev.hall,
        "device_id": dev.device,
        "health": dev.health(now_ms),
        "window_id": st.window_id if st else None,
        "backlog": st.backlog.unacked if st and st.backlog else 0,
        "peripherals": dict(sorted(st.peripherals.items())) if st else {},
        "last_seen": _rfc3339_ms(dev.last_seen_ms),
        "kind": st.kind if st else None,
        "detail": st.detail if st else "",
        "clerk": dev.clerk.name if dev.clerk else None,
        "last_rating": {"level": int(last.level), "rated_at": last.rated_at.isoformat()} if last else None,
    }


def rating_json(ev: RatingEvent) -> dict[str, Any]:
    """A rating for the live feed: words, not codes, in both languages; never the comment (a
    citizen may write anything there, a name included)."""
    return {
        "event_id": ev.event_id,
        "hall_id": ev.hall_id,
        "device_id": ev.device_id,
        "window_id": ev.window_id,
        "level": int(ev.level),
        "level_text": {lang: level_text(ev.level, lang) for lang in LANGS},
        "reasons": list(ev.reasons),
        "reasons_text": {lang: [reason_text(r, lang) for r in ev.reasons] for lang in LANGS},
        "staff": [s.name for s in ev.staff],
        "item_name": ev.item_name,
        "channel": ev.channel,
        "rated_at": ev.rated_at.isoformat(),
    }


@dataclass(eq=False)
class Subscriber:
    principal: Principal
    hall: str | None = None  # one hall, or every hall the principal may see
    queue: asyncio.Queue[tuple[str, str]] = field(default_factory=lambda: asyncio.Queue(QUEUE_MAX))
    dropped: bool = False


class Live:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.state = HallState(clock)
        self.lock = threading.Lock()
        self.broker_connected = False
        self.feed: list[dict[str, Any]] = []  # today's ratings, newest last (what a new page shows)
        self._subs: set[Subscriber] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: mqtt.Client | None = None
        # other messages (county alerts) go to these: (topic, payload) on paho's thread
        self.extra_handlers: list[tuple[str, Callable[[str, bytes], None]]] = []

    # --- MQTT side ---
    def start(
        self, loop: asyncio.AbstractEventLoop, settings: MqttSettings, extra: Sequence[tuple[str, int]] = ()
    ) -> None:
        self._loop = loop
        self._client = hall_watch.watch(
            settings,
            "+",
            self.on_message,
            extra=extra,
            on_connection=self._on_connection,
            client_prefix="console",
        )

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve subscribers from `loop` without a broker (messages come through `on_message`)."""
        self._loop = loop

    def stop(self) -> None:
        if self._client is not None:
            self._client.loop_stop()
            self._client.disconnect()
            self._client = None

    def _on_connection(self, up: bool) -> None:
        self.broker_connected = up

    def on_message(self, topic: str, payload: bytes) -> None:
        for prefix, handler in self.extra_handlers:
            if topic.startswith(prefix):
                handler(topic, payload)
                return
        with self.lock:
            change = self.state.on_message(topic, payload)
            now_ms = epoch_ms(self.clock)
            dev = device_json(change.device, now_ms) if change.device else None
            rating = rating_json(change.rating) if change.rating else None
            if rating is not None:
                self._remember(rating)
        if dev is not None:
            self.post(dev["hall_id"], "device", dev)
        if rating is not None:
            self.post(rating["hall_id"], "rating", rating)

    def preload(self, ratings: list[RatingEvent]) -> None:
        """Today's ratings from the county store, oldest first: a console started mid-day shows
        the feed so far, not an empty one. Devices' resends are told apart by event id."""
        with self.lock:
            for ev in ratings:
                self.state.on_message(topics.event(ev.hall_id, ev.device_id, "rating"), ev.to_json())
                self._remember(rating_json(ev))

    def _remember(self, rating: dict[str, Any]) -> None:
        today = datetime.fromtimestamp(self.clock.time(), CHINA_TZ).date().isoformat()
        self.feed = [r for r in self.feed if r["rated_at"][:10] >= today][-499:]
        if rating["rated_at"][:10] >= today:
            self.feed.append(rating)

    def sweep(self) -> None:
        """Tell subscribers about devices that fell silent (no message says so)."""
        with self.lock:
            now_ms = epoch_ms(self.clock)
            changed = [device_json(d, now_ms) for d in self.state.sweep()]
        for dev in changed:
            self.post(dev["hall_id"], "device", dev)

    async def sweep_forever(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            self.sweep()

    # --- what pages read ---
    def devices(self, who: Principal, hall: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            now_ms = epoch_ms(self.clock)
            return [
                device_json(d, now_ms)
                for (h, _), d in sorted(self.state.devices.items())
                if who.sees(h) and (hall is None or h == hall)
            ]

    def ratings(self, who: Principal, hall: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        with self.lock:
            mine = [r for r in self.feed if who.sees(r["hall_id"]) and (hall is None or r["hall_id"] == hall)]
        return mine[-limit:][::-1]

    def device(self, hall: str, device: str) -> DeviceView | None:
        with self.lock:
            return self.state.devices.get((hall, device))

    # --- SSE side ---
    def subscribe(self, who: Principal, hall: str | None = None) -> Subscriber:
        sub = Subscriber(who, hall)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def post(self, hall: str, event: str, data: dict[str, Any]) -> None:
        """From any thread: send `event` to every subscriber that may see `hall`."""
        if self._loop is None:
            return
        text = json.dumps(data, ensure_ascii=False)
        with contextlib.suppress(RuntimeError):  # the loop has closed: the server is stopping
            self._loop.call_soon_threadsafe(self._fanout, hall, event, text)

    def _fanout(self, hall: str, event: str, text: str) -> None:
        for sub in list(self._subs):
            if not sub.principal.sees(hall) or sub.hall not in (None, hall):
                continue
            try:
                sub.queue.put_nowait((event, text))
            except asyncio.QueueFull:
                sub.dropped = True
                self._subs.discard(sub)
                log.warning(
                    "console: dropped a live-update client that stopped reading (%s)", sub.principal.name
                )
