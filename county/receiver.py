"""The county receiver: every hall's events in, stored exactly once, acked after the commit.

- Subscribes `hall/v1/<hall>/+/event/+` for its halls (`halls`; default every hall, `+`) with a
  fixed client id and a persistent session (clean start off, session expiry), and acknowledges each
  MQTT message (PUBACK) only after its batch is committed (`manual_ack`): a receiver killed
  mid-batch gets the batch again. Plain subscriptions, not shared ones: Mosquitto 2.0.11 does not
  restore a `$share/...` subscription from its persistence file, so after a county broker crash
  everything the bridges forwarded before the receiver subscribed again was dropped
  (docs/delivery.md, "County broker restarts"). Several receivers split the halls between them.
- Validates the topic and the payload (`core.events.parse_event`; unknown fields refused); the
  device and hall in the topic must be the ones in the payload.
- Stores a batch in one transaction, then sends one `Ack` per device with an item per event:
  `stored`, `duplicate` (event_id seen before, or a second rating of a case round), `rejected`.
- Keeps `county/v1/state` retained: online after every connect and again every `heartbeat_s`
  (a fresh timestamp: readers judge liveness by beats, core/county_liveness.py), `online: false`
  as last will and on a clean stop.
- Says at WARNING when it loses the broker (and every minute while it cannot reach it), at INFO
  when it is back; paho retries every <= 2 s (core/mqtt_client.py).

Payloads are never logged (only event ids, devices and reasons).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from core import topics
from core.events import Event, RatingEvent, parse_event
from core.ids import UUID_RE
from core.messages import Ack, AckItem, CountyState
from core.mqtt_client import RECONNECT_MAX_S, Will, make_client
from core.payload import PayloadError
from core.sdnotify import Watchdog
from county.alerts import AlertPublisher
from county.settings import CountySettings
from county.store import EventStore

log = logging.getLogger("county.receiver")

DeviceKey = tuple[str, str]  # (hall, device)


@dataclass(slots=True)
class Incoming:
    topic: str
    payload: bytes
    mid: int = 0
    qos: int = 1


@dataclass(slots=True)
class Checked:
    """A message after validation: where to ack, and the event or why it was refused."""

    device: DeviceKey | None
    event: Event | None
    event_id: str | None
    reason: str | None = None


def _event_id_of(raw: bytes) -> str | None:
    """The event id of a payload that failed validation, if it has a usable one (to ack it)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    eid = data.get("event_id") if isinstance(data, dict) else None
    return eid if isinstance(eid, str) and UUID_RE.match(eid) else None


# Topics repeat (one per device and event type): parse each once.
_parse_topic = functools.lru_cache(maxsize=65536)(topics.parse)


def check(msg: Incoming) -> Checked:
    try:
        where = _parse_topic(msg.topic)
    except topics.TopicError as e:
        return Checked(None, None, None, str(e))
    device = (where.hall, where.device)
    if where.kind != "event" or where.name is None:
        return Checked(None, None, None, f"not an event topic: {msg.topic}")
    try:
        event = parse_event(where.name, msg.payload)
    except PayloadError as e:
        return Checked(device, None, _event_id_of(msg.payload), str(e))
    if event.device_id != where.device or event.hall_id != where.hall:
        return Checked(
            device,
            None,
            event.event_id,
            f"payload names {event.hall_id}/{event.device_id}, topic {where.hall}/{where.device}",
        )
    if isinstance(event, RatingEvent) and event.claims_system_default:
        return Checked(
            device,
            None,
            event.event_id,
            "a system default rating (channel 7, input"
            " 'default', system_default) is made by the county only, never sent by a device",
        )
    return Checked(device, event, event.event_id)


def process_batch(
    store: EventStore, batch: Sequence[Incoming], counts: Counter[str] | None = None
) -> dict[DeviceKey, list[AckItem]]:
    """Validate and store a batch (one commit); the ack items to send, grouped per device.

    Raises whatever the store raises: then nothing is acked and the batch comes again.
    """
    checked = [check(m) for m in batch]
    valid = [c for c in checked if c.event is not None]
    results = store.store_batch(
        [c.event for c in valid if c.event is not None],
        payloads=[m.payload for m, c in zip(batch, checked, strict=True) if c.event],
    )
    by_event = iter(results)
    acks: dict[DeviceKey, list[AckItem]] = defaultdict(list)
    for msg, c in zip(batch, checked, strict=True):
        if c.event is not None:
            result = next(by_event)
            assert c.device is not None
            # built from validated values: skip re-validating 5000 items a second
            acks[c.device].append(AckItem.model_construct(event_id=c.event.event_id, result=result))
            if counts is not None:
                counts[result] += 1
            continue
        if counts is not None:
            counts["rejected"] += 1
        if c.device is None or c.event_id is None:
            log.warning("dropped a message on %s that cannot be acked: %s", msg.topic, c.reason)
            continue
        log.warning("rejected event %s from %s/%s: %s", c.event_id, c.device[0], c.device[1], c.reason)
        acks[c.device].append(AckItem(event_id=c.event_id, result="rejected", reason=c.reason))
    return dict(acks)


class Receiver:
    """Runs the MQTT client and the batch worker; `start()`, then `stop()` (or `run()` until stopped)."""

    def __init__(
        self,
        settings: CountySettings,
        store: EventStore,
        now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.settings = settings
        self.store = store
        self.now_ms = now_ms
        self.counts: Counter[str] = Counter()
        self._inbox: queue.Queue[Incoming] = queue.Queue()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._worker = threading.Thread(target=self._work, name="county-store", daemon=True)
        self._beater = threading.Thread(target=self._beat, name="county-heartbeat", daemon=True)
        self._filters = [topics.all_events(hall=h) for h in settings.halls or ["+"]]
        self._halls = frozenset(settings.halls or ())
        self._dropped_filters: set[str] = set()
        self._lost_at: float | None = None  # monotonic time the broker was lost (or first tried)
        self._last_warned = 0.0
        self.client = make_client(
            settings.mqtt,
            settings.client_id,
            manual_ack=True,
            will=Will(topics.COUNTY_STATE, CountyState(online=False, timestamp=now_ms()).to_json()),
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_message = self._on_message
        # 差评 work orders opened by a batch: their `new` alerts go out right after its commit
        self.alerts = AlertPublisher(store, self.publish_alert)

    def publish_alert(self, topic: str, payload: bytes) -> bool:
        """Hand an alert to the client (QoS 1, not retained); False while the broker is away."""
        if not self._connected.is_set():
            return False
        return self.client.publish(topic, payload, qos=1).rc == mqtt.MQTT_ERR_SUCCESS

    # --- MQTT callbacks (paho's thread) ---
    def _on_connect(
        self, client: mqtt.Client, _u: object, flags: mqtt.ConnectFlags, rc: ReasonCode, _p: object
    ) -> None:
        if rc.is_failure:
            log.error("county broker refused the connection: %s", rc)
            return
        away = "" if self._lost_at is None else f" after {time.monotonic() - self._lost_at:.1f} s away"
        self._lost_at = None
        log.info(
            "connected to %s (session %s)%s",
            self.settings.mqtt.url,
            "resumed" if flags.session_present else "new",
            away,
        )
        stale = self._stale_filters()
        if stale:  # a resumed session may hold what an earlier version or configuration subscribed
            client.unsubscribe(stale)
        client.subscribe([(f, 1) for f in self._filters])
        self._publish_state(online=True)
        self._connected.set()

    def _stale_filters(self) -> list[str]:
        """Subscriptions this receiver must not keep: the old shared one, all halls when it has a list."""
        stale = []
        if self.settings.share_group:
            stale.append(topics.all_events(self.settings.share_group))
        if self._halls:
            stale.append(topics.all_events())
        return [f for f in stale if f not in self._filters]

    def _publish_state(self, online: bool) -> mqtt.MQTTMessageInfo:
        state = CountyState(online=online, timestamp=self.now_ms())
        return self.client.publish(topics.COUNTY_STATE, state.to_json(), qos=1, retain=True)

    def _on_disconnect(self, _c: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            self._lost_at = self._last_warned = time.monotonic()
            log.warning(
                "lost the county broker %s (%s); retrying every %d s",
                self.settings.mqtt.url,
                rc,
                RECONNECT_MAX_S,
            )

    def _on_connect_fail(self, _c: mqtt.Client, _u: object) -> None:
        # paho retries on its own (reconnect_on_failure): without this the service waits silently
        if self._stop.is_set():
            return
        now = time.monotonic()
        if self._lost_at is None:  # never connected yet
            self._lost_at = self._last_warned = now
            log.warning(
                "cannot reach the county broker %s; retrying every %d s",
                self.settings.mqtt.url,
                RECONNECT_MAX_S,
            )
        elif now - self._last_warned >= 60:
            self._last_warned = now
            log.warning(
                "still cannot reach the county broker %s (%.0f s); retrying",
                self.settings.mqtt.url,
                now - self._lost_at,
            )

    def _beat(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_s):
            if self._connected.is_set():
                self._publish_state(online=True)

    def _on_message(self, client: mqtt.Client, _u: object, m: mqtt.MQTTMessage) -> None:
        if self._halls:
            self._drop_foreign_hall(client, m.topic)
        self._inbox.put(Incoming(m.topic, bytes(m.payload), m.mid, m.qos))

    def _drop_foreign_hall(self, client: mqtt.Client, topic: str) -> None:
        """A hall not in `halls` still subscribed in a resumed session (the halls were moved to
        another receiver): unsubscribe it once. What it already delivered is stored as usual."""
        parts = topic.split("/", 3)
        if len(parts) < 4 or parts[2] in self._halls:
            return
        try:
            stale = topics.all_events(hall=topics.check_id(parts[2], "hall"))
        except topics.TopicError:
            return  # not a hall: check() refuses the message
        if stale not in self._dropped_filters:
            self._dropped_filters.add(stale)
            log.info("unsubscribed hall %s: not among this receiver's halls", parts[2])
            client.unsubscribe(stale)

    # --- the batch worker ---
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            batch = [first]
            # group commit: take what is waiting (up to batch_max), never wait for more
            while len(batch) < self.settings.batch_max:
                try:
                    batch.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            self._handle(batch)

    def _handle(self, batch: list[Incoming]) -> None:
        while not self._stop.is_set():
            try:
                acks = process_batch(self.store, batch, self.counts)
                break
            except Exception as e:  # the database: keep the batch (nothing acked), say why, retry
                log.error("cannot store a batch of %d events: %s; retrying", len(batch), e)
                self._stop.wait(1.0)
        else:
            return  # stopping: unacked messages are redelivered to the next receiver
        for (hall, device), items in acks.items():
            self.client.publish(topics.ack(hall, device), Ack(acks=items).to_json(), qos=1)
        for m in batch:
            if m.qos:
                self.client.ack(m.mid, m.qos)
        try:
            self.alerts.flush()
        except Exception as e:  # stored alerts wait in the database: the loop job sends them later
            log.error("cannot send work-order alerts now: %s", e)

    # --- life cycle ---
    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.settings.session_expiry_s
        props.ReceiveMaximum = max(20, 2 * self.settings.batch_max)  # bounds what waits in memory
        s = self.settings.mqtt
        self.client.connect_async(
            s.host, s.port, keepalive=s.keepalive_s, clean_start=False, properties=props
        )
        self.client.loop_start()
        self._worker.start()
        self._beater.start()
        log.info(
            "receiving events as %s (halls: %s) into %s",
            self.settings.client_id,
            ", ".join(self.settings.halls or ["all"]),
            self.store.url,
        )

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Clean stop: finish the batch in hand, say `online: false`, disconnect."""
        self._stop.set()
        self._worker.join(10)
        self._beater.join(2)
        if self._connected.is_set():
            info = self._publish_state(online=False)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()
        log.info("stopped: %s", dict(self.counts))

    def problem(self) -> str | None:
        """None while the store worker and the MQTT loop run; else what died (for the watchdog)."""
        dead = [] if self._worker.is_alive() else ["store worker"]
        network = getattr(self.client, "_thread", None)  # paho's loop: a callback's exception ends it
        if network is not None and not network.is_alive():
            dead.append("paho network loop")
        return f"thread(s) died: {', '.join(dead)}" if dead else None

    def run(
        self,
        stop: threading.Event,
        report_every_s: float = 60.0,
        still_ours: Callable[[], bool] | None = None,
    ) -> bool:
        """Until `stop`: the watchdog fed from this loop (systemd restarts a hung or broken service).
        False when `still_ours` (the partition lock, county/partition.py) said the partition was
        lost, so another receiver may serve it now."""
        watchdog = Watchdog(self.problem)
        self.start()
        watchdog.ready(f"receiving events into {self.store.url}")
        step = min(report_every_s, watchdog.interval_s or report_every_s)
        if still_ours is not None:
            step = min(step, 1.0)
        last, next_report = Counter(self.counts), time.monotonic() + report_every_s
        kept = True
        while not stop.wait(step):
            watchdog.tick()
            if still_ours is not None and not still_ours():
                log.error(
                    "lost the partition lock (PostgreSQL restarted or unreachable): stopping, so that"
                    " no two receivers serve %s",
                    self.settings.client_id,
                )
                kept = False
                break
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + report_every_s
                if self.counts != last:
                    log.info("events so far: %s", dict(self.counts))
                    last = Counter(self.counts)
        watchdog.stopping()
        self.stop()
        return kept
