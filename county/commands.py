"""`hall-county` maintenance commands for the query side (the receiver itself is `hall-county` alone).

hall-county import-cases FILE      cases exported by the business system (JSON or CSV)
hall-county demo-cases FILE        write realistic demo cases (JSON) to import
hall-county export-catalogue FILE  write the catalogue in use (demo or catalogue_file) as JSON
hall-county upstream list|retry   reports the province refused (county/upstream/cli.py)
hall-county export-gbt39046 --from D --to D --out FILE.csv|.xlsx
hall-county publish-config --device HALL/DEVICE FILE
                                   a device's configuration (window, staff roster, reasons, ...),
                                   checked, then published retained to its `config` topic
hall-county apply-defaults [--as-of YYYY-MM-DD] [--since YYYY-MM-DD]
                                   store the system default ratings due as at the first moment
                                   of that day (China time), as the service does on its own
hall-county report --month YYYY-MM [--hall HALL] --out FILE.xlsx
                                   the monthly 通报 workbook
hall-county check-summary [--rebuild]
                                   compare the statistics' daily summary with a recount of the
                                   ratings (exit 1 if they differ); --rebuild recounts it
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from core import topics
from core.clock import CHINA_TZ
from core.config import ConfigError
from core.device_config import DeviceConfig
from core.mqtt_client import make_client
from core.payload import PayloadError
from county.cases import CaseImportError, CaseStore, load_or_create_key, read_export
from county.catalogue import CatalogueError, load_catalogue
from county.demo_cases import demo_export
from county.settings import CountySettings
from county.store import StoreError, open_store
from county.upstream import cli as upstream_cli
from county.workdays import WorkCalendar, WorkCalendarError

COMMANDS = (
    "import-cases",
    "demo-cases",
    "export-catalogue",
    "publish-config",
    "apply-defaults",
    "report",
    "check-summary",
    *upstream_cli.COMMANDS,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "command", nargs="?", choices=COMMANDS, help="a maintenance command instead of running the service"
    )
    p.add_argument("file", nargs="?", type=Path, help="the file the command reads or writes")
    p.add_argument("--device", metavar="HALL/DEVICE", help="publish-config: the device it is for")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="apply-defaults: as at the first moment of this day")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="apply-defaults: only cases finished from this day")
    p.add_argument("--month", metavar="YYYY-MM", help="report: the month")
    p.add_argument("--hall", metavar="HALL", help="report: one hall (default: the whole county)")
    p.add_argument("--out", metavar="FILE.xlsx", type=Path, help="report: the workbook to write")
    p.add_argument(
        "--rebuild", action="store_true", help="check-summary: recount the summary from the ratings"
    )
    upstream_cli.add_arguments(p)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} {value!r}: not a date (YYYY-MM-DD)") from None


class CommandError(Exception):
    """A command line that cannot be run as given (exit 2); `str()` is the one line."""


def run(
    settings: CountySettings,
    command: str,
    file: Path | None,
    device: str | None = None,
    args: argparse.Namespace | None = None,
) -> int:
    if command in ("apply-defaults", "report", "check-summary"):
        try:
            if command == "check-summary":
                return run_check_summary(settings, bool(getattr(args, "rebuild", False)))
            if command == "apply-defaults":
                return run_apply_defaults(
                    settings,
                    _day(getattr(args, "as_of", None), "--as-of"),
                    _day(getattr(args, "since", None), "--since"),
                )
            return run_report(
                settings,
                getattr(args, "month", None),
                getattr(args, "hall", None),
                getattr(args, "out", None),
            )
        except (CommandError, WorkCalendarError) as e:  # the command line or the configuration
            print(f"hall-county {command}: {e}", file=sys.stderr)
            return 2
        except (StoreError, CaseImportError) as e:
            print(f"hall-county {command}: {e}", file=sys.stderr)
            return 1
        except OSError as e:
            print(f"hall-county {command}: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
            return 1
    if file is None:
        print(f"hall-county {command}: needs a FILE", file=sys.stderr)
        return 2
    try:
        if command == "publish-config":
            return publish_config(settings, file, device)
        if command == "import-cases":
            records = read_export(file)
            store = CaseStore(settings.cases_url, load_or_create_key(settings.id_key_path))
            try:
                n = store.upsert(records, datetime.now(CHINA_TZ))
                total = store.count()
            finally:
                store.close()
            print(f"imported {n} cases from {file} into {settings.cases_url} ({total} in the store)")
        elif command == "demo-cases":
            file.write_text(
                json.dumps({"cases": demo_export(datetime.now(CHINA_TZ))}, ensure_ascii=False, indent=1),
                encoding="utf-8",
            )
            print(f"wrote demo cases to {file}")
        elif command == "export-catalogue":
            cat = load_catalogue(settings.catalogue_file)
            file.write_text(json.dumps(cat.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"wrote catalogue {cat.version} ({len(cat.items)} items) to {file}")
    except (CaseImportError, CatalogueError, PayloadError, ConfigError) as e:
        print(f"hall-county {command}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"hall-county {command}: {e.filename or file}: {e.strerror}", file=sys.stderr)
        return 1
    return 0


def run_apply_defaults(settings: CountySettings, as_of: date | None, since: date | None) -> int:
    from county.defaults import apply_defaults
    from county.loop import open_cases

    calendar = WorkCalendar(settings.workday_overrides)
    day = as_of or datetime.now(CHINA_TZ).date()
    store = open_store(settings.database)
    store.calendar = calendar
    cases = open_cases(settings)
    try:
        result = apply_defaults(
            store,
            cases,
            calendar,
            day,
            window_days=settings.rating_window_days,
            hall_id=settings.default_hall_id,
            region_code=settings.region_code,
            since=since,
        )
    finally:
        cases.close()
        store.close()
    print(result.line())
    return 0


def run_check_summary(settings: CountySettings, rebuild: bool) -> int:
    """The daily summary (county/summary.py) against a recount of the ratings: exact after every
    write by this program; a rating written by a program that does not know it (one left running
    through the upgrade to migration 4, or a hand-made row) shows here, and --rebuild mends it."""
    from county import summary

    store = open_store(settings.database)
    try:
        if rebuild:
            summary.rebuild(store)
        wrong = summary.differences(store)
        rows = store.count("rating_days")
    finally:
        store.close()
    for line in wrong[:20]:
        print(line)
    if wrong:
        more = " (the first 20 above)" if len(wrong) > 20 else ""
        print(f"the daily summary differs from the ratings in {len(wrong)} rows{more}: run with --rebuild")
        return 1
    print(
        f"the daily summary ({rows} rows) equals a recount of the ratings" + (" (rebuilt)" if rebuild else "")
    )
    return 0


def _month(value: str | None) -> tuple[date, date]:
    if not value:
        raise CommandError("needs --month YYYY-MM")
    try:
        first = date.fromisoformat(f"{value}-01")
    except ValueError:
        raise CommandError(f"--month {value!r}: not a month (YYYY-MM)") from None
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def run_report(settings: CountySettings, month: str | None, hall: str | None, out: Path | None) -> int:
    from county.loop import open_cases
    from county.report import write_report

    first, last = _month(month)
    if out is None:
        raise CommandError("needs --out FILE.xlsx")
    calendar = WorkCalendar(settings.workday_overrides)
    store = open_store(settings.database)
    store.calendar = calendar
    cases = open_cases(settings)
    try:
        summary = write_report(store, cases, calendar, first, last, out, hall=hall)
    finally:
        cases.close()
        store.close()
    print(summary)
    return 0


def publish_config(settings: CountySettings, file: Path, device: str | None) -> int:
    """Retained, so the device gets it whenever it connects (and keeps it on disk for offline
    starts); through the bridge when published at the county broker."""
    hall, _, dev = (device or "").partition("/")
    try:
        topic = topics.config(topics.check_id(hall, "hall"), topics.check_id(dev, "device"))
    except ValueError as e:
        print(f"hall-county publish-config: --device HALL/DEVICE: {e}", file=sys.stderr)
        return 2
    config = DeviceConfig.from_json(file.read_bytes())
    client = make_client(settings.mqtt, f"county-config-{secrets.token_hex(4)}")
    connected: list[ReasonCode] = []
    answered = threading.Event()

    def on_connect(_c: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object = None) -> None:
        connected.append(rc)
        answered.set()

    acked: dict[int, ReasonCode] = {}

    def on_publish(_c: mqtt.Client, _u: object, mid: int, rc: ReasonCode, _p: object) -> None:
        acked[mid] = rc

    client.on_connect = on_connect
    client.on_publish = on_publish
    where = settings.mqtt.url
    try:
        client.connect(settings.mqtt.host, settings.mqtt.port, keepalive=30)
    except OSError as e:
        print(f"hall-county publish-config: cannot reach {where}: {e.strerror or e}", file=sys.stderr)
        return 1
    client.loop_start()
    try:
        if not answered.wait(10) or connected[0].is_failure:
            why = connected[0] if connected else "no answer"
            print(f"hall-county publish-config: {where} refused the connection: {why}", file=sys.stderr)
            return 1
        info = client.publish(topic, config.to_json(), qos=1, retain=True)
        info.wait_for_publish(timeout=10)
        rc = acked.get(info.mid)
        if not info.is_published() or rc is None or rc.is_failure:  # 135: this account may not
            why = rc or "no answer"
            print(f"hall-county publish-config: {where} did not take it: {why}", file=sys.stderr)
            return 1
    finally:
        client.disconnect()
        client.loop_stop()
    print(f"published config for {hall}/{dev}: {config.window_name or '-'}, {len(config.staff)} staff")
    return 0
