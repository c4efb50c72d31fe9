"""`hall-county`: the county rating service's receiver (县级好差评接收服务)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from core import topics
from core.config import ConfigError
from core.sdnotify import Watchdog
from core.startup import load_settings
from core.upstream import UpstreamStatus
from county import commands
from county.cases import CaseImportError
from county.catalogue import CatalogueError
from county.loop import LoopService
from county.partition import PartitionLock
from county.query_service import QueryResponder
from county.receiver import Receiver
from county.settings import CountySettings
from county.store import StoreError, open_store
from county.upstream import cli as upstream_cli
from county.upstream.sender import UpstreamSender
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
    settings = load_settings(CountySettings, args.config, "hall-county")
    if settings is None:
        return 2
    if args.command in upstream_cli.COMMANDS:
        return upstream_cli.run(settings, args)
    if args.command:
        return commands.run(settings, args.command, args.file, args.device, args)
    try:
        calendar = WorkCalendar(settings.workday_overrides)  # a bad override file: stop, one line
        store = open_store(settings.database)
        store.calendar = calendar
        receiver = Receiver(settings, store)
        queries = QueryResponder(settings, calendar=calendar) if settings.answer_queries else None
        loop = LoopService(settings, receiver.publish_alert, calendar) if settings.run_loop else None
        upstream = None
        if settings.upstream.url is not None:
            # its own connection: the receiver's transactions and the sender's must not interleave
            upstream = UpstreamSender(
                settings.upstream,
                open_store(settings.database),
                owner=settings.client_id,
                on_status=lambda st: publish_upstream(receiver, st),
            )
    except (StoreError, ConfigError, CatalogueError, CaseImportError, WorkCalendarError, OSError) as e:
        print(f"hall-county: {e}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)  # a closed terminal: the same clean stop
    if queries is not None:
        queries.start()
    if loop is not None:
        loop.start()
    # PostgreSQL: one receiver at a time per client id; a second one with the same settings waits
    # (county/partition.py), and so does its upstream sender, whose claims carry the client id
    lock = (
        PartitionLock(settings.database, settings.client_id)
        if settings.database.startswith(("postgresql://", "postgres://"))
        else None
    )
    kept, serving = True, False
    try:
        standby, told = Watchdog(), [False]  # a standby is up and well while it waits: say so

        def waiting() -> None:
            if not told[0]:
                standby.ready(f"standby: another receiver serves {settings.client_id}")
                told[0] = True
            standby.tick()

        if lock is None or lock.acquire(stop, waiting):
            serving = True
            if upstream is not None:
                upstream.start()
            kept = receiver.run(stop, still_ours=lock.held if lock is not None else None)
    finally:
        if upstream is not None:
            if serving:
                upstream.stop()
            upstream.store.close()
        if loop is not None:
            loop.stop()
        if queries is not None:
            queries.stop()
        if lock is not None:
            lock.release()
        store.close()
    return 0 if kept else 1


def publish_upstream(receiver: Receiver, status: UpstreamStatus) -> None:
    """Retained, so a monitor or console that starts later sees the queue at once."""
    receiver.client.publish(topics.UPSTREAM_STATUS, status.to_json(), qos=1, retain=True)


if __name__ == "__main__":
    sys.exit(main())
