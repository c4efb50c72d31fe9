"""Broker account names: part of the access contract, like the topics (docs/brokers.md).

The ACL (`broker_config/acl.in`) grants by username: a device's account is its device id; service
accounts carry a dot, which no device id can (`topics.ID_PATTERN`), so the two never collide.
"""

from __future__ import annotations

from core.topics import check_id

COUNTY_SERVICE = "svc.county"  # the county receiver, query service and publishers
MONITOR = "svc.monitor"  # read-only: statuses, telemetry, events, the county's state
MANAGER = "svc.manager"  # the hall manager: sends commands, reads its own responses
SERVICE_ACCOUNTS = (COUNTY_SERVICE, MONITOR, MANAGER)


def bridge_account(hall_id: str) -> str:
    """The county-broker account (and bridge client id) of a hall's bridge."""
    return f"bridge.{check_id(hall_id, 'hall')}"
