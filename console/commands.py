"""identify / restart from the device grid: MQTT 5 request/response (core/requests.py) with
the manager account.

The command goes to `hall/v1/{hall}/{device}/cmd/{name}` with a response topic addressed to this
account and fresh correlation data; the device answers there (`hall.cmd-reply/1`). One client,
connected in the background (the console starts even while the broker is down), serves every
request of the console.
"""

from __future__ import annotations

import logging
import secrets
import threading
from typing import Any

import paho.mqtt.client as mqtt

from core import topics
from core.commands import CommandReply, IdentifyCommand, RestartCommand
from core.config import MqttSettings
from core.mqtt_client import connect_async, make_client
from core.payload import Payload, PayloadError
from core.requests import Correlator, request_properties

log = logging.getLogger(__name__)


class DeviceCommands:
    def __init__(self, settings: MqttSettings, timeout_s: float = 5.0) -> None:
        self.account = settings.username or "anonymous"
        self.timeout_s = timeout_s
        self._answers = Correlator()
        self._ready = threading.Event()
        self.client = make_client(settings, f"console-cmd-{secrets.token_hex(4)}")
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_a: self._ready.set()
        self.client.on_disconnect = lambda *_a: self._ready.clear()
        self.client.on_message = self._on_message
        connect_async(self.client, settings, clean_start=True)
        self.client.loop_start()

    def _on_connect(self, c: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        if rc.is_failure:
            log.error("console: the broker refused the command account %s: %s", self.account, rc)
            return
        c.subscribe(topics.responses(self.account), qos=1)

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self._answers.deliver(msg)

    def send(self, hall: str, device: str, name: str, actor: str) -> dict[str, Any]:
        """The device's answer as `{"result", "reason"}`; `result` "timeout" when none came."""
        payload: Payload = (
            IdentifyCommand() if name == "identify" else RestartCommand(reason=f"console: {actor}")
        )
        if not self._ready.wait(self.timeout_s):
            return {"result": "timeout", "reason": "命令通道未连接 command channel not connected"}
        log.info("console: %s sends %s to %s/%s", actor, name, hall, device)
        with self._answers.expect() as waiter:
            props = request_properties(topics.responses(self.account, device), waiter.correlation)
            info = self.client.publish(
                topics.cmd(hall, device, name), payload.to_json(), qos=1, properties=props
            )
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                return {"result": "timeout", "reason": f"publish failed ({info.rc})"}
            answer = waiter.wait(self.timeout_s)
        if answer is None:
            secs = f"{self.timeout_s:.0f}"
            return {"result": "timeout", "reason": f"{device} 未在 {secs} 秒内应答 no answer in {secs} s"}
        try:
            reply = CommandReply.from_json(answer)
        except PayloadError as e:
            return {"result": "refused", "reason": f"bad answer: {e}"}
        return {"result": reply.result, "reason": reply.reason}

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
