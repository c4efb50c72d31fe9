"""A stand-in for the county service in link tests: takes events off a broker and acks them.

Only for tests of the device side; the real receiver is `county/` (used by tests/e2e).
"""

from __future__ import annotations

import json
import threading

import paho.mqtt.client as mqtt

from core import topics
from core.config import MqttSettings
from core.messages import Ack, AckItem
from tests.support.mqtt_helpers import Connected, connect


class Acker:
    def __init__(self, settings: MqttSettings, client_id: str = "test-acker", *, ack: bool = True) -> None:
        self.ack = ack
        self.arrivals: list[tuple[str, int]] = []  # (event_id, seq) in arrival order, repeats included
        self.lock = threading.Lock()
        self.got = threading.Condition(self.lock)
        self.conn: Connected = connect(settings, client_id)
        self.conn.client.on_message = self._on_message
        self.conn.subscribe([topics.all_events()])

    def _on_message(self, client: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        body = json.loads(msg.payload)
        with self.got:
            self.arrivals.append((body["event_id"], body["seq"]))
            self.got.notify_all()
        if self.ack:
            t = topics.parse(msg.topic)
            ack = Ack(acks=[AckItem(event_id=body["event_id"], result="stored")])
            client.publish(topics.ack(t.hall, t.device), ack.to_json(), qos=1)

    def unique(self) -> set[str]:
        with self.lock:
            return {e for e, _ in self.arrivals}

    def wait_for(self, n_unique: int, timeout: float = 20.0) -> bool:
        with self.got:
            return self.got.wait_for(lambda: len({e for e, _ in self.arrivals}) >= n_unique, timeout)

    def close(self) -> None:
        self.conn.close()
