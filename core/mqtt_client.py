"""One way to make a paho-mqtt 2 client (MQTT 5) from `MqttSettings`: credentials, TLS, will.

Devices (`core.link`), the county service and the monitor all connect through here, so TLS and
password handling live in one place.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core.config import ConfigError, MqttSettings

# paho retries a lost connection after 1 s, then every RECONNECT_MAX_S: a client is back at most
# ~2 s after its broker (paho's own default backs off to 120 s, ours was 30 s: a county service
# came back 19-27 s after its broker, bench/reconnect.py). A refused connect on a LAN costs little.
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 2


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


def make_client(
    settings: MqttSettings,
    client_id: str,
    *,
    will: Will | None = None,
    username: str | None = None,
    manual_ack: bool = False,
) -> mqtt.Client:
    """A configured, not yet connected client. `username` defaults to the settings' one.

    With `manual_ack`, received QoS 1 messages are acknowledged only by `client.ack(mid, qos)`, so a
    consumer can PUBACK after it has stored a message (the broker redelivers it otherwise).
    """
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        reconnect_on_failure=True,
        manual_ack=manual_ack,
    )
    user = username or settings.username
    if user:
        client.username_pw_set(user, settings.password())
    if settings.tls:
        try:
            client.tls_set(
                ca_certs=str(settings.ca_file) if settings.ca_file else None,
                certfile=str(settings.cert_file) if settings.cert_file else None,
                keyfile=str(settings.key_file) if settings.key_file else None,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(f"mqtt: cannot load TLS files: {e}") from None
    if will is not None:
        client.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
    client.reconnect_delay_set(min_delay=RECONNECT_MIN_S, max_delay=RECONNECT_MAX_S)
    return client


def connect_properties(session_expiry_s: int) -> Properties:
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    if session_expiry_s:
        props.SessionExpiryInterval = session_expiry_s
    return props


def connect_async(
    client: mqtt.Client, settings: MqttSettings, *, clean_start: bool, session_expiry_s: int = 0
) -> None:
    """Start connecting in the background (run paho's loop thread to make it happen).

    With `clean_start=False` and a session expiry, the broker keeps the subscriptions and queues
    QoS 1 messages while the client is away (the county receiver needs that to survive a kill).
    """
    client.connect_async(
        settings.host,
        settings.port,
        keepalive=settings.keepalive_s,
        clean_start=clean_start,
        properties=connect_properties(session_expiry_s),
    )
