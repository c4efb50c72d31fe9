"""The MQTT link of a device: the connection to the hall broker and the draining of the outbox;
it takes the county's acks, commands and configuration (docs/delivery.md, docs/contracts.md).
Two pieces it uses: `core.requests` (MQTT 5 request/response: its queries, answers to commands)
and `core.device_status` (status, telemetry, the session counter).

Threads:
- paho's network loop runs the `_on_*` callbacks; they only parse and hand work on;
- the *sender* publishes due outbox entries at QoS 1 in `seq` order with a bounded in-flight
  window, records the county's acks in the outbox, sends telemetry and prunes;
- the *dispatcher* runs the app's callbacks (`on_command`, `on_config`, ...), so a slow app or
  one that calls `request()` from a callback never stalls the network loop.

The outbox is the memory: what paho holds in flight is thrown away at every reconnect, and
everything not acked by the county is simply sent again, oldest first.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from core import topics
from core.clock import Clock, SystemClock
from core.commands import COMMAND_MODELS, CommandReply
from core.config import DeviceSettings
from core.county_liveness import CountyLiveness
from core.device_config import DeviceConfig
from core.device_status import DeviceReport
from core.jobs import Job, run_jobs
from core.messages import Ack, AckItem, CountyState, PeripheralState, Telemetry
from core.mqtt_client import Will, connect_async, make_client
from core.outbox import FIRST_RESEND_S, Outbox, OutboxError
from core.payload import Payload, PayloadError
from core.requests import Correlator, RequestTimeout, answer_properties, request_properties, response_topic

log = logging.getLogger(__name__)

# Events published and not yet PUBACKed. 20-100 is enough on one broker; through the
# bridge and with the county running, 300 drained a 10k backlog ~1.4x faster than 100 (bench/delivery.py).
WINDOW = 300
MAX_UNACKED = 1000  # events sent and not yet acked by the county
POLL_S = 0.5  # the sender looks at the outbox at least this often (resends, telemetry)
# While the county is known offline the link holds its resends: every copy would only join the hall
# broker's queue for the bridge (~6 copies per event after 5 minutes, docs/scale.md). What may be
# lost still goes once: new events, everything unacked after a reconnect (a killed hall broker
# loses its queue), and what waited for its ack when the county went away (a killed county broker
# loses what it had not saved). A full resend round still runs this often, in case the liveness is
# wrong (each round adds a copy of every held event to that queue: hourly, not every minute).
HOLD_RESENDS_MAX_S = 3600.0
PRUNE_EVERY_S = 6 * 3600.0

CommandHandler = Callable[[str, bytes], CommandReply]


class Link:
    def __init__(
        self,
        settings: DeviceSettings,
        *,
        kind: str,
        outbox: Outbox | None,
        clock: Clock | None = None,
        version: str = "",
        window: int = WINDOW,
        max_unacked: int = MAX_UNACKED,
        telemetry_s: float = 30.0,
    ) -> None:
        self.settings = settings
        self.kind = kind
        self.outbox = outbox
        self.version = version
        self.window = max(1, window)
        self.max_unacked = max(1, max_unacked)
        self.telemetry_s = telemetry_s
        self._clock: Clock = clock or SystemClock()
        hall, dev = settings.hall_id, settings.device_id
        self.device_id = dev
        self._t_status = topics.status(hall, dev)
        self._t_telemetry = topics.telemetry(hall, dev)
        self._t_ack = topics.ack(hall, dev)
        self._t_config = topics.config(hall, dev)
        self._t_reply = topics.reply(hall, dev)
        self._t_cmd_prefix = topics.cmd(hall, dev, "x")[:-1]

        # What the app sets (called on the dispatcher thread).
        self.on_command: CommandHandler | None = None
        self.on_config: Callable[[DeviceConfig], None] | None = None
        self.on_county_state: Callable[[bool], None] | None = None
        self.on_connection: Callable[[bool], None] | None = None
        # Further topics the app reads (e.g. the retained catalogue): subscribed at every connect,
        # each payload handed to its callback on the dispatcher thread. Set before `start()`.
        self.extra_topics: dict[str, Callable[[bytes], None]] = {}
        self.on_acked: Callable[[list[AckItem]], None] | None = None  # county acks just recorded

        self.config: DeviceConfig | None = None
        self.county_online: bool | None = None  # judged by `county` (beats), re-checked every POLL_S
        self.county = CountyLiveness(self._clock)
        self._county_lock = threading.Lock()
        self.published = 0  # outbox entries handed to the broker (resends included)
        self.acked = 0  # events the county acked
        self.reconnects = 0

        self.report = DeviceReport(settings, kind=kind, version=version, outbox=outbox, clock=self._clock)
        self._status_due = False  # the sender publishes the status (after a connect)

        # In-flight bookkeeping. Never held across client.publish(): on_publish takes it too.
        self._cond = threading.Condition()
        self._in_flight = 0
        self._mids: dict[int, tuple[str, str | None]] = {}  # mid -> (what, event_id or None)
        self._early: dict[int, int] = {}  # PUBACKs that beat `publish()` returning
        self._generation = 0  # bumped at every (re)connect; older PUBACKs are ignored

        self._answers = Correlator()
        self._acks: queue.SimpleQueue[list[AckItem]] = queue.SimpleQueue()
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._connected = threading.Event()
        self._last_problem = ""
        # a requeue of the backlog for the sender: due in this many seconds (0: now), None: none
        self._requeue_after_s: float | None = None
        self._resend_round_at = 0.0  # monotonic: while holding resends, the next round that runs anyway
        self._next_tick = time.monotonic() + telemetry_s
        self._next_prune = time.monotonic()
        self._threads: list[threading.Thread] = []

        self._client = make_client(
            settings.mqtt,
            dev,
            will=Will(self._t_status, self.report.status("offline", self.session + 1).to_json()),
            username=settings.mqtt.username or dev,
        )
        self._client.max_inflight_messages_set(self.window)
        self._client.on_pre_connect = self._on_pre_connect
        self._client.on_connect = self._on_connect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_publish = self._on_publish

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def client(self) -> mqtt.Client:
        """The paho client, for a driver that runs the network loop itself instead of `start()`."""
        return self._client

    @property
    def woken(self) -> bool:
        """Work waits for `step()`: a press (`wake()`), a county ack, the county's return."""
        return self._wake.is_set()

    @property
    def session(self) -> int:
        """The session number of the current (or last) connection."""
        return self.report.session.value

    def problem(self) -> str | None:
        """None while the link's threads run; else which one died (the watchdog's question)."""
        if self._stopping.is_set():
            return None
        dead = [t.name for t in self._threads if not t.is_alive()]
        network = getattr(self._client, "_thread", None)  # paho's loop: a callback's exception ends it
        if network is not None and not network.is_alive():
            dead.append("paho network loop")
        return f"link thread(s) died: {', '.join(dead)}" if dead else None

    def start(self) -> None:
        """Start connecting (a broker that is down is retried with backoff) and draining."""
        for name, target in (("link-sender", self._sender), ("link-dispatch", self._dispatcher)):
            t = threading.Thread(target=target, name=f"{name}-{self.device_id}", daemon=True)
            t.start()
            self._threads.append(t)
        connect_async(self._client, self.settings.mqtt, clean_start=True)
        self._client.loop_start()

    def stop(self, timeout: float = 5) -> None:
        """Publish status `offline` (retained), disconnect cleanly, stop the threads."""
        self._stopping.set()
        self._wake.set()
        sent: list[mqtt.MQTTMessageInfo] = []
        if self.connected:
            self.report.publish_offline(
                lambda payload: sent.append(self._client.publish(self._t_status, payload, qos=1, retain=True))
            )
        for info in sent:
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout)
        self._client.disconnect()
        self._client.loop_stop()
        self._jobs.put(None)
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
        self._connected.clear()

    def wake(self) -> None:
        """Drain now (call after `outbox.put`), not at the next poll."""
        self._wake.set()

    # --- status and telemetry (core.device_status) ----------------------------------------

    def set_peripheral(self, name: str, state: PeripheralState) -> None:
        if self.report.set_peripheral(name, state):
            self._publish_status()

    def set_detail(self, text: str) -> None:
        if self.report.set_detail(text):
            self._publish_status()

    def _publish_status(self, force: bool = False) -> None:
        if not self.connected:
            return
        self.report.publish_online(
            lambda payload: self._publish(self._t_status, payload, qos=1, retain=True, what="status"),
            force=force,
        )

    def telemetry(self) -> Telemetry:
        return self.report.telemetry(published=self.published, acked=self.acked, reconnects=self.reconnects)

    # --- requests ----------------------------------------------------------------------------

    def request(self, topic: str, payload: Payload, timeout: float) -> bytes:
        """MQTT 5 request/response (core.requests): our `reply` topic, fresh correlation data."""
        if not self.connected:
            raise RequestTimeout(f"no connection to the hall broker: cannot ask {topic}")
        with self._answers.expect() as waiter:
            props = request_properties(self._t_reply, waiter.correlation)
            self._publish(topic, payload.to_json(), qos=1, properties=props, what="request")
            answer = waiter.wait(timeout)
        if answer is None:
            raise RequestTimeout(f"no answer from {topic} within {timeout:g} s")
        return answer

    # --- paho callbacks (network thread) -----------------------------------------------------

    def _on_pre_connect(self, client: mqtt.Client, _userdata: Any) -> None:
        # A new session number for this connection, persisted first, and a will that carries it.
        session = self.report.session.next()
        client.will_set(self._t_status, self.report.status("offline", session).to_json(), qos=1, retain=True)
        # Forget what paho still holds from the last connection. paho resends its unacknowledged
        # QoS 1 messages on a new connection and has no public call to drop them, so this reaches
        # into its queue: a resent old message would settle a new publish's in-flight slot with its
        # stale PUBACK and go out twice; the outbox resends what matters, in order, by itself.
        # tests/core/test_link.py::test_reconnect_sends_each_in_flight_event_once checks it.
        with client._out_message_mutex:
            client._out_messages.clear()
        with self._cond:
            self._generation += 1
            self._in_flight = 0
            self._mids.clear()
            self._early.clear()
            self._cond.notify_all()

    def _on_connect(
        self, client: mqtt.Client, _u: Any, _flags: Any, rc: ReasonCode, _props: Properties | None
    ) -> None:
        if rc.is_failure:
            self._problem(f"hall broker {self._where()} refused the connection: {rc}")
            return
        self._connected.set()
        client.subscribe(
            [(t, 1) for t in topics.device_inbox(self.settings.hall_id, self.device_id)]
            + [(topics.COUNTY_STATE, 1)]
            + [(t, 1) for t in self.extra_topics]
        )
        log.info("connected to hall broker %s (session %d)", self._where(), self.session)
        self._last_problem = ""
        if self.outbox is not None:
            try:
                self.outbox.requeue_all()
            except OutboxError as e:
                log.error("%s", e)
        self._status_due = True  # by the sender: a status publication never runs on paho's thread
        self._wake.set()
        self._dispatch(self.on_connection, True)

    def _on_connect_fail(self, _client: mqtt.Client, _u: Any) -> None:
        self._problem(f"cannot reach hall broker {self._where()}; retrying")

    def _on_disconnect(
        self, _client: mqtt.Client, _u: Any, _flags: Any, rc: ReasonCode, _props: Properties | None
    ) -> None:
        was = self._connected.is_set()
        self._connected.clear()
        with self._cond:
            self._cond.notify_all()
        if self._stopping.is_set():
            return
        if was:
            self.reconnects += 1
            self._problem(f"lost hall broker {self._where()}: {rc}; reconnecting")
            self._dispatch(self.on_connection, False)

    def _on_publish(
        self, _client: mqtt.Client, _u: Any, mid: int, rc: ReasonCode, _props: Properties | None
    ) -> None:
        with self._cond:
            entry = self._mids.pop(mid, None)
            if entry is None:
                self._early[mid] = rc.value
                return
            self._settle(entry, rc.value)

    def _settle(self, entry: tuple[str, str | None], rc: int) -> None:
        """One PUBACK for a publish of ours (called with `_cond` held)."""
        what, event_id = entry
        if event_id is not None:
            self._in_flight -= 1
            self._cond.notify_all()
        if rc >= 0x80:
            name = ReasonCode(PacketTypes.PUBACK, identifier=rc).getName()
            log.warning(
                "hall broker refused %s%s: %s (%d)", what, f" {event_id}" if event_id else "", name, rc
            )

    def _on_message(self, _client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        topic, payload = msg.topic, bytes(msg.payload)
        try:
            if topic == self._t_ack:
                self._acks.put(Ack.from_json(payload).acks)
                self._wake.set()
            elif topic == self._t_reply:
                self._answers.deliver(msg)
            elif topic.startswith(self._t_cmd_prefix):
                name = topic[len(self._t_cmd_prefix) :]
                props = msg.properties
                self._jobs.put(lambda: self._run_command(name, payload, props))
            elif topic == self._t_config:
                if payload:
                    self._jobs.put(lambda: self._apply_config(payload))
            elif topic == topics.COUNTY_STATE and payload:
                state = CountyState.from_json(payload)
                with self._county_lock:
                    back = self.county.on_state(state)
                if back:
                    # The county is back (or its beats after a gap: its broker restarted and may
                    # have lost what it held). What waits out its backoff can go now, not in 60 s;
                    # but after an outage we held resends in, each event's one copy waits in the
                    # hall broker's queue and crosses now: resend only what is not acked by then.
                    self._requeue_after_s = FIRST_RESEND_S if self.county_online is False else 0.0
                    self._wake.set()
                self._check_county()
            elif topic in self.extra_topics:
                self._dispatch(self.extra_topics[topic], payload)
        except PayloadError as e:
            log.warning("ignored a bad message on %s: %s", topic, e)

    # --- dispatcher thread -------------------------------------------------------------------

    def _dispatch(self, callback: Callable[[Any], None] | None, arg: Any) -> None:
        if callback is not None:
            self._jobs.put(lambda: callback(arg))

    def _dispatcher(self) -> None:
        run_jobs(self._jobs, self._callback_failed)

    @staticmethod
    def _callback_failed(_e: Exception) -> None:
        log.exception("a link callback failed")

    def _apply_config(self, raw: bytes) -> None:
        try:
            cfg = DeviceConfig.from_json(raw)
        except PayloadError as e:
            log.warning("ignored an invalid configuration (keeping the old one): %s", e)
            return
        self.config = cfg
        if self.on_config is not None:
            self.on_config(cfg)

    def _run_command(self, name: str, raw: bytes, props: Properties | None) -> None:
        reply = self._command_reply(name, raw)
        to = response_topic(props)
        if to is None:
            if reply.result != "accepted":
                log.info("command %s without a response topic: %s (%s)", name, reply.result, reply.reason)
            return
        out = answer_properties(props)
        self._publish(to, reply.to_json(), qos=1, properties=out, what=f"reply to {name}")

    def _command_reply(self, name: str, raw: bytes) -> CommandReply:
        model = COMMAND_MODELS.get(name)
        if model is None:
            return CommandReply(result="refused", reason=f"unknown command {name!r}")
        try:
            model.from_json(raw)
        except PayloadError as e:
            return CommandReply(result="refused", reason=str(e))
        if self.on_command is None:
            return CommandReply(result="refused", reason=f"this {self.kind} does not take commands")
        try:
            return self.on_command(name, raw)
        except Exception as e:
            log.exception("command %s failed", name)
            return CommandReply(result="refused", reason=f"device error: {e}")

    def _check_county(self) -> None:
        """Tell the app when the county's liveness changed: a state message, or its beats stopped."""
        with self._county_lock:
            online = self.county.online()
            if online == self.county_online:
                return
            self.county_online = online
        if not online:
            log.warning(
                "county offline (said so, or no state beat for %.0f s): holding resends until it is back",
                self.county.stale_after_s,
            )
            self._resend_round_at = time.monotonic() + HOLD_RESENDS_MAX_S
            # what waited for its ack may be lost with the county broker: one more copy now, into
            # the hall broker's queue, where it waits for the bridge with the events to come
            self._requeue_after_s = 0.0
            self._wake.set()
        self._dispatch(self.on_county_state, bool(online))

    # --- sender thread -----------------------------------------------------------------------

    def _sender(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(POLL_S)
            self.step()

    def step(self, *, wait: bool = True) -> None:
        """One round of the sender's work: county liveness, status, acks, due events, telemetry.

        The sender thread runs it when woken and every POLL_S. A driver that runs many links on one
        thread (bench/scale_model.py) calls it itself with `wait=False` (never block on a full
        in-flight window: the PUBACKs that free it come through that same thread).
        """
        self._wake.clear()
        try:
            self._check_county()  # beats that stopped coming say nothing themselves
            if self._status_due and self.connected:  # before a backlog: the monitor waits for it
                self._status_due = False
                self._publish_status(force=True)
            self._take_acks()
            if self.outbox is not None:
                after_s, self._requeue_after_s = self._requeue_after_s, None
                if after_s is not None:
                    self.outbox.requeue_all(after_s)
                self._drain(wait=wait)
            now = time.monotonic()
            if now >= self._next_tick:
                self._next_tick = now + self.telemetry_s
                if self.connected:
                    self._publish(self._t_telemetry, self.telemetry().to_json(), qos=0, what="telemetry")
                    self._publish_status()
            if self.outbox is not None and now >= self._next_prune:
                self._next_prune = now + PRUNE_EVERY_S
                self.outbox.prune()
        except OutboxError as e:
            self._problem(str(e))
        except Exception:
            log.exception("link sender failed; carrying on")

    def run_callbacks(self) -> None:
        """Run the app callbacks waiting for the dispatcher (for a driver without `start()`)."""
        run_jobs(self._jobs, self._callback_failed, wait=False)

    def _take_acks(self) -> None:
        items: list[AckItem] = []
        while True:
            try:
                items.extend(self._acks.get_nowait())
            except queue.Empty:
                break
        if items and self.outbox is not None:
            self.acked += self.outbox.ack_many(items)
            self._dispatch(self.on_acked, items)

    def _holding_resends(self) -> bool:
        """True while the county is known offline and no safety round is due (HOLD_RESENDS_MAX_S)."""
        if self.county_online is not False:
            return False
        if time.monotonic() >= self._resend_round_at:
            self._resend_round_at = time.monotonic() + HOLD_RESENDS_MAX_S
            log.info("county still offline: sending the unacked events once more")
            return False
        return True

    def _drain(self, *, wait: bool = True) -> None:
        assert self.outbox is not None
        budget: int | None = None
        resends = not self._holding_resends()
        while self.connected and not self._stopping.is_set():
            with self._cond:
                free = self.window - self._in_flight
                if free <= 0 and wait:
                    self._cond.wait(0.05)
                    free = self.window - self._in_flight
            self._take_acks()
            if free <= 0:
                if not wait:
                    return
                continue
            # New events only while fewer than `max_unacked` sent ones wait for the county: a slow
            # or absent county then holds the rest in the outbox instead of a resend storm.
            if budget is None or budget <= 0:  # counted once per round, then kept locally
                budget = self.max_unacked - self.outbox.awaiting_ack()
            entries = []
            for e in self.outbox.due(free, resends=resends):
                if e.attempts == 0:
                    if budget <= 0:
                        break
                    budget -= 1
                entries.append(e)
            if not entries:
                return
            with self._cond:
                generation = self._generation
            sent = []
            for e in entries:
                if not self.connected:
                    break
                with self._cond:
                    self._in_flight += 1
                self._publish(e.topic, e.payload, qos=1, what="event", event_id=e.event_id)
                sent.append(e.event_id)
            self.published += len(sent)
            self.outbox.mark_sent(sent)
            with self._cond:
                reconnected = generation != self._generation
            if reconnected:  # some went into the old connection: send them again now, not after backoff
                self.outbox.requeue_all()

    def _publish(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int,
        retain: bool = False,
        properties: Properties | None = None,
        what: str,
        event_id: str | None = None,
    ) -> None:
        """Publish and register the mid for its PUBACK. No lock is held across `publish()`."""
        with self._cond:
            generation = self._generation
        info = self._client.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        with self._cond:
            if generation != self._generation or info.rc != mqtt.MQTT_ERR_SUCCESS:
                # sent into a connection that is gone: nothing will come back for it
                if event_id is not None:
                    self._in_flight = max(0, self._in_flight - 1) if generation == self._generation else 0
                    self._cond.notify_all()
                return
            rc = self._early.pop(info.mid, None)
            if rc is None:
                self._mids[info.mid] = (what, event_id)
            else:
                self._settle((what, event_id), rc)

    # --- helpers -----------------------------------------------------------------------------

    def _where(self) -> str:
        return f"{self.settings.mqtt.host}:{self.settings.mqtt.port}"

    def _problem(self, text: str) -> None:
        """Log a connection problem once, not at every retry."""
        if text != self._last_problem:
            log.warning("%s", text)
            self._last_problem = text
