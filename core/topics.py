"""The one place MQTT topic strings are built and parsed (docs/contracts.md, MQTT topics)."""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "hall/v1"
ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,31}"
_ID_RE = re.compile(rf"^{ID_PATTERN}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")

COUNTY_STATE = "county/v1/state"
CATALOGUE = "county/v1/catalogue"
QUERY_PREFIX = "county/v1/query"
ALERT_PREFIX = "county/v1/alert"
RESPONSE_PREFIX = "county/v1/response"
# the county's reports to the province: queue length, oldest unsent, refusals (retained)
UPSTREAM_STATUS = "county/v1/upstream"

DEVICE_KINDS = frozenset({"event", "ack", "status", "telemetry", "config", "cmd", "reply"})


class TopicError(ValueError):
    """A topic or a topic part that does not fit the contract."""


def check_id(value: str, what: str = "id") -> str:
    if not _ID_RE.match(value):
        raise TopicError(f"{what} {value!r} must match {ID_PATTERN}")
    return value


def _check_name(value: str, what: str) -> str:
    if not _NAME_RE.match(value):
        raise TopicError(f"{what} {value!r} must be lower-case letters, digits, '-' or '_'")
    return value


def _device(hall: str, device: str) -> str:
    return f"{PREFIX}/{check_id(hall, 'hall')}/{check_id(device, 'device')}"


def event(hall: str, device: str, event_type: str) -> str:
    return f"{_device(hall, device)}/event/{_check_name(event_type, 'event type')}"


def ack(hall: str, device: str) -> str:
    return f"{_device(hall, device)}/ack"


def status(hall: str, device: str) -> str:
    return f"{_device(hall, device)}/status"


def telemetry(hall: str, device: str) -> str:
    return f"{_device(hall, device)}/telemetry"


def config(hall: str, device: str) -> str:
    return f"{_device(hall, device)}/config"


def cmd(hall: str, device: str, name: str) -> str:
    return f"{_device(hall, device)}/cmd/{_check_name(name, 'command')}"


def reply(hall: str, device: str) -> str:
    return f"{_device(hall, device)}/reply"


def query(kind: str) -> str:
    return f"{QUERY_PREFIX}/{_check_name(kind, 'query kind')}"


def alert(hall: str) -> str:
    """A hall's 差评 work-order alerts (new, overdue): QoS 1, not retained."""
    return f"{ALERT_PREFIX}/{check_id(hall, 'hall')}"


def all_alerts(hall: str = "+") -> str:
    return f"{ALERT_PREFIX}/{hall}"


def responses(account: str, device: str = "#") -> str:
    """Where a device answers a command sent by `account` (MQTT 5 response topic); the ACL lets
    each account read only the responses addressed to it. `device="#"`: all of them."""
    return f"{RESPONSE_PREFIX}/{account}/{device if device == '#' else check_id(device, 'device')}"


def device_inbox(hall: str, device: str) -> list[str]:
    """What a device subscribes to: its acks, commands, configuration and replies."""
    base = _device(hall, device)
    return [f"{base}/ack", f"{base}/cmd/+", f"{base}/config", f"{base}/reply"]


def all_events(share_group: str | None = None, hall: str = "+") -> str:
    """Every device's events; with a share group, a shared subscription so receivers split the load."""
    t = f"{PREFIX}/{hall}/+/event/+"
    return f"$share/{_check_name(share_group, 'share group')}/{t}" if share_group else t


def all_status(hall: str = "+") -> str:
    return f"{PREFIX}/{hall}/+/status"


def all_telemetry(hall: str = "+") -> str:
    return f"{PREFIX}/{hall}/+/telemetry"


def all_queries(share_group: str | None = None) -> str:
    t = f"{QUERY_PREFIX}/+"
    return f"$share/{_check_name(share_group, 'share group')}/{t}" if share_group else t


@dataclass(frozen=True)
class DeviceTopic:
    """A parsed `hall/v1/{hall}/{device}/{kind}[/{name}]` topic."""

    hall: str
    device: str
    kind: str
    name: str | None = None


def parse(topic: str) -> DeviceTopic:
    parts = topic.split("/")
    if len(parts) < 5 or "/".join(parts[:2]) != PREFIX:
        raise TopicError(f"not a hall topic: {topic!r}")
    hall, device, kind = parts[2], parts[3], parts[4]
    check_id(hall, "hall")
    check_id(device, "device")
    if kind not in DEVICE_KINDS:
        raise TopicError(f"unknown topic kind {kind!r} in {topic!r}")
    if kind in ("event", "cmd"):
        if len(parts) != 6:
            raise TopicError(f"{kind} topic needs a name: {topic!r}")
        return DeviceTopic(hall, device, kind, _check_name(parts[5], kind))
    if len(parts) != 5:
        raise TopicError(f"unexpected levels in {topic!r}")
    return DeviceTopic(hall, device, kind)


def parse_query(topic: str) -> str:
    """The kind of a `county/v1/query/{kind}` topic."""
    prefix = QUERY_PREFIX + "/"
    if not topic.startswith(prefix):
        raise TopicError(f"not a query topic: {topic!r}")
    return _check_name(topic[len(prefix) :], "query kind")
