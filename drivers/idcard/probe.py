"""`hall-probe idcard`: one JSON line per card read (field diagnostics, docs/drivers.md), masked unless
`--show-pii`; failures to read a card and removals get their own lines."""

from __future__ import annotations

import argparse
from typing import Any

from drivers.device import SerialDevice
from drivers.idcard.reader import CardRead, CardReadFailed, CardRemoved, IdCardReader
from drivers.probe import ProbeSpec


def _build(args: argparse.Namespace) -> SerialDevice:
    return IdCardReader(args.url, baudrate=args.baud)


def _to_json(event: object, args: argparse.Namespace) -> dict[str, Any] | None:
    if isinstance(event, CardRead):
        return {"event": "card", **event.card.fields(show_pii=args.show_pii)}
    if isinstance(event, CardRemoved):
        return {"event": "removed"}
    if isinstance(event, CardReadFailed):
        return {"event": "read_failed", "detail": event.detail}
    return None


PROBE = ProbeSpec(build=_build, to_json=_to_json, default_baud=IdCardReader.default_baudrate)
