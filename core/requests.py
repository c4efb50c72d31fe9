"""MQTT 5 request/response, the one way it is written (docs/contracts.md): a request carries a
response topic and fresh correlation data; the answer is matched back by its correlation data;
whoever answers copies the request's correlation data onto the answer.

Used by the device link (its queries to the county), the command sender (`ops.commander`) and
the county's query service (answering).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


class RequestTimeout(Exception):
    """No answer to a request in time, or the link is down; `str()` is one line."""


def request_properties(response_topic: str, correlation: bytes) -> Properties:
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.ResponseTopic = response_topic
    props.CorrelationData = correlation
    return props


def response_topic(props: Properties | None) -> str | None:
    """Where the requester wants the answer (None: it wants none)."""
    if props is None:
        return None
    return getattr(props, "ResponseTopic", None) or None


def correlation(props: Properties | None) -> bytes | None:
    value = getattr(props, "CorrelationData", None) if props is not None else None
    return bytes(value) if value is not None else None


def answer_properties(request: Properties | None) -> Properties:
    """Properties of an answer: the request's correlation data, when it had any."""
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    corr = correlation(request)
    if corr is not None:
        props.CorrelationData = corr
    return props


@dataclass
class Waiter:
    """One request waiting for its answer."""

    correlation: bytes = field(default_factory=lambda: uuid.uuid4().bytes)
    _done: threading.Event = field(default_factory=threading.Event)
    _payload: bytes = b""

    def wait(self, timeout: float) -> bytes | None:
        """The answer's payload, or None when none came within `timeout` seconds."""
        return self._payload if self._done.wait(timeout) else None


class Correlator:
    """The requests waiting for answers, by correlation data. Thread-safe: `deliver` runs on
    paho's network thread, `expect` on the requester's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[bytes, Waiter] = {}

    @contextmanager
    def expect(self) -> Iterator[Waiter]:
        """A waiter registered for as long as the block runs (publish the request inside it)."""
        w = Waiter()
        with self._lock:
            self._waiting[w.correlation] = w
        try:
            yield w
        finally:
            with self._lock:
                self._waiting.pop(w.correlation, None)

    def deliver(self, msg: mqtt.MQTTMessage) -> bool:
        """Hand an answer to its waiter; False when nobody waits for it (late, or not ours)."""
        corr = correlation(msg.properties)
        with self._lock:
            w = self._waiting.get(corr) if corr is not None else None
        if w is None:
            return False
        w._payload = bytes(msg.payload)
        w._done.set()
        return True
