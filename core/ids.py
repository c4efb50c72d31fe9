"""Identifiers: UUIDv7 event ids (time-ordered, so the county's index stays append-friendly)."""

from __future__ import annotations

import re

import uuid6

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_event_id() -> str:
    return str(uuid6.uuid7())
