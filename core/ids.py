"""Identifiers: UUIDv7 event ids (time-ordered, so the county's index stays append-friendly), and
the window id, which is whatever a hall calls its window."""

from __future__ import annotations

import re
from typing import Annotated

import uuid6
from pydantic import AfterValidator, Field

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_event_id() -> str:
    return str(uuid6.uuid7())


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be printable characters (no control characters, tabs or line breaks)")
    return value


# A window id is the hall's own name for a window (`A03`, `W01`, `综合窗口3`). It is never part of a
# topic, so it does not follow the hall/device id pattern: 1-32 printable characters (docs/contracts.md).
WindowId = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(_printable)]
