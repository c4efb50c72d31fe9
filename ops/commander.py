"""Send a command to a device and wait for its answer (MQTT 5 request/response).

What a window's business system or the hall manager does to invite a citizen to rate a case:
publish `cmd/invite` with a response topic `county/v1/response/<account>/<device>` (the ACL lets
every account read the responses addressed to it) and correlation data, then wait for the reply.
Used by `hall-demo` and the tests.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt

from core import topics
from core.commands import CommandReply
from core.config import MqttSettings
from core.mqtt_client import make_client
from core.payload import Payload
from core.requests import Correlator, request_properties


class CommandTimeout(Exception):
    pass


class Commander:
    def __init__(self, settings: MqttSettings, client_id: str | None = None, timeout: float = 10.0) -> None:
        self.account = settings.username or "anonymous"
        self.client = make_client(settings, client_id or f"cmd-{uuid.uuid4().hex[:10]}")
        self._answers = Correlator()
        connected = threading.Event()
        subscribed = threading.Event()

        def on_connect(client: mqtt.Client, *_a: Any) -> None:
            # at every connect: a clean session forgets the subscription when the broker restarts
            client.subscribe(topics.responses(self.account), qos=1)
            connected.set()

        self.client.on_connect = on_connect
        self.client.on_subscribe = lambda *_a: subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(settings.host, settings.port, keepalive=30, clean_start=True)
        self.client.loop_start()
        if not connected.wait(timeout):
            self.close()
            raise CommandTimeout(f"no connection to {settings.url}")
        if not subscribed.wait(timeout):
            self.close()
            raise CommandTimeout("no SUBACK for the response topic")

    def send(
        self, hall: str, device: str, name: str, payload: Payload, timeout: float = 10.0
    ) -> CommandReply:
        with self._answers.expect() as waiter:
            props = request_properties(topics.responses(self.account, device), waiter.correlation)
            self.client.publish(topics.cmd(hall, device, name), payload.to_json(), qos=1, properties=props)
            answer = waiter.wait(timeout)
        if answer is None:
            raise CommandTimeout(f"{device} did not answer {name} within {timeout:.0f} s")
        return CommandReply.from_json(answer)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self._answers.deliver(msg)
