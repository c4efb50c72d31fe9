"""Watching a hall (or every hall) on a broker with the read-only monitor account: retained
statuses, telemetry, events and the county's state, handed to a callback as they come.

`hall-monitor` and `hall-console` both feed `core.hall_view.HallState` through here.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

import paho.mqtt.client as mqtt

from core import topics
from core.config import MqttSettings
from core.mqtt_client import connect_async, make_client

log = logging.getLogger(__name__)


def hall_subscriptions(hall_id: str = "+") -> list[tuple[str, int]]:
    """What a manager's view needs; `hall_id` "+" is every hall the broker carries."""
    return [
        (topics.all_status(hall_id), 1),
        (topics.all_telemetry(hall_id), 0),
        (topics.all_events(hall=hall_id), 1),
        (topics.COUNTY_STATE, 1),
        (topics.UPSTREAM_STATUS, 1),
    ]


def watch(
    mqtt_settings: MqttSettings,
    hall_id: str,
    handle: Callable[[str, bytes], None],
    *,
    extra: Sequence[tuple[str, int]] = (),
    on_connection: Callable[[bool], None] | None = None,
    client_prefix: str = "monitor",
) -> mqtt.Client:
    """A started client calling `handle(topic, payload)` on paho's thread for every message.
    A fresh session on every connect brings the retained statuses again. Raises ConfigError for
    bad settings (TLS files, password file)."""

    def on_connect(c: mqtt.Client, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        if rc.is_failure:
            log.error("broker refused the %s account: %s", mqtt_settings.username, rc)
            return
        c.subscribe([*hall_subscriptions(hall_id), *extra])
        if on_connection is not None:
            on_connection(True)

    def on_disconnect(_c: mqtt.Client, _u: Any, _f: Any, _rc: Any, _p: Any = None) -> None:
        if on_connection is not None:
            on_connection(False)

    def on_message(_c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        handle(msg.topic, bytes(msg.payload))

    client = make_client(mqtt_settings, f"{client_prefix}-{secrets.token_hex(4)}")
    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = on_message
    connect_async(client, mqtt_settings, clean_start=True)
    client.loop_start()
    return client
