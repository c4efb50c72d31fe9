"""`hall-county`: the county rating service's receiver (县级好差评接收服务)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from core.config import ConfigError
from county import commands
from county.cases import CaseImportError
from county.catalogue import CatalogueError
from county.loop import LoopService
from county.query_service import QueryResponder
from county.receiver import Receiver
from county.settings import CountySettings
from county.store import StoreError, open_store
from county.workdays import WorkCalendar, WorkCalendarError


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="hall-county",
        description="县级好差评接收服务 · County receiver: stores every hall event exactly once and acks it. "
        "Settings: TOML file plus HALL_... environment variables (e.g. HALL_DATABASE, HALL_MQTT__URL).",
    )
    p.add_argument("--config", type=Path, help="TOML file (default: built-in defaults)")
    commands.add_arguments(p)
    args = p.parse_intermixed_args(argv)  # "publish-config --device H/D FILE" as well as "FILE --device"
    try:
        settings = CountySettings.load(args.config)
    except ConfigError as e:
        print(f"hall-county: {e}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command:
        return commands.run(settings, args.command, args.file, args.device, args)
    try:
        calendar = WorkCalendar(settings.workday_overrides)  # a bad override file: stop, one line
        store = open_store(settings.database)
        store.calendar = calendar
        receiver = Receiver(settings, store)
        queries = QueryResponder(settings, calendar=calendar) if settings.answer_queries else None
        loop = LoopService(settings, receiver.publish_alert, calendar) if settings.run_loop else None
    except (StoreError, ConfigError, CatalogueError, CaseImportError, WorkCalendarError, OSError) as e:
        print(f"hall-county: {e}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if queries is not None:
        queries.start()
    if loop is not None:
        loop.start()
    try:
        receiver.run(stop)
    finally:
        if loop is not None:
            loop.stop()
        if queries is not None:
            queries.stop()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
