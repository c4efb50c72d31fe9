"""Small synchronous helpers around paho clients for broker tests."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from core.config import MqttSettings
from core.mqtt_client import connect_properties, make_client


@dataclass
class Connected:
    """A connected client with every received message in `messages` (a queue)."""

    client: mqtt.Client
    messages: queue.Queue[mqtt.MQTTMessage] = field(default_factory=queue.Queue)
    puback: dict[int, int] = field(default_factory=dict)  # mid -> reason code value

    def get(self, timeout: float = 5.0) -> mqtt.MQTTMessage:
        return self.messages.get(timeout=timeout)

    def get_none(self, wait: float = 0.5) -> list[mqtt.MQTTMessage]:
        """Whatever arrives within `wait` seconds (used to show that nothing does)."""
        time.sleep(wait)
        out = []
        while not self.messages.empty():
            out.append(self.messages.get_nowait())
        return out

    def collect(self, n: int, timeout: float = 30.0) -> list[mqtt.MQTTMessage]:
        deadline = time.monotonic() + timeout
        out: list[mqtt.MQTTMessage] = []
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                out.append(self.messages.get(timeout=left))
            except queue.Empty:
                break
        return out

    def subscribe(self, topics: Iterable[str], qos: int = 1, timeout: float = 5.0) -> list[int]:
        done = threading.Event()
        granted: list[int] = []

        def on_subscribe(_c: mqtt.Client, _u: object, _mid: int, rcs: list[ReasonCode], _p: object) -> None:
            granted.extend(rc.value for rc in rcs)
            done.set()

        self.client.on_subscribe = on_subscribe
        self.client.subscribe([(t, qos) for t in topics])
        assert done.wait(timeout), "no SUBACK"
        return granted

    def publish(
        self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False, timeout: float = 5.0
    ) -> int:
        """Publish and wait for the PUBACK; returns its reason code (135 = not authorised; 0 for
        success, including 16 "no matching subscribers", which is success too)."""
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if qos:
            info.wait_for_publish(timeout)
            deadline = time.monotonic() + timeout
            while info.mid not in self.puback and time.monotonic() < deadline:
                time.sleep(0.005)
            rc = self.puback.pop(info.mid, -1)
            return 0 if rc == 16 else rc
        return 0

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect(
    settings: MqttSettings,
    client_id: str,
    *,
    clean_start: bool = True,
    session_expiry_s: int = 0,
    timeout: float = 5.0,
    max_inflight: int = 20,
    on_message: Callable[[mqtt.Client, Any, mqtt.MQTTMessage], None] | None = None,
) -> Connected:
    """Connect and wait for CONNACK; raises ConnectionRefusedError with the reason code.

    Messages go to `.messages`, or to `on_message` if given (set before connecting, so nothing a
    resumed session delivers at once is missed)."""
    client = make_client(settings, client_id)
    client.max_inflight_messages_set(max_inflight)
    conn = Connected(client)
    done = threading.Event()
    result: list[ReasonCode] = []

    def on_connect(_c: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        result.append(rc)
        done.set()

    def on_publish(_c: mqtt.Client, _u: object, mid: int, rc: ReasonCode, _p: object) -> None:
        conn.puback[mid] = rc.value

    client.on_connect = on_connect
    client.on_message = on_message or (lambda _c, _u, m: conn.messages.put(m))
    client.on_publish = on_publish
    client.connect(
        settings.host,
        settings.port,
        keepalive=30,
        clean_start=clean_start,
        properties=connect_properties(session_expiry_s),
    )
    client.loop_start()
    if not done.wait(timeout):
        client.loop_stop()
        raise TimeoutError("no CONNACK")
    if result[0].is_failure:
        client.loop_stop()
        raise ConnectionRefusedError(result[0].value, str(result[0]))
    return conn
