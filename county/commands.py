"""`hall-county` maintenance commands for the query side (the receiver itself is `hall-county` alone).

hall-county import-cases FILE      cases exported by the business system (JSON or CSV)
hall-county demo-cases FILE        write realistic demo cases (JSON) to import
hall-county export-catalogue FILE  write the catalogue in use (demo or catalogue_file) as JSON
hall-county upstream list|retry   reports the province refused (county/upstream/cli.py)
hall-county export-gbt39046 --from D --to D --out FILE.csv|.xlsx
hall-county publish-config --device HALL/DEVICE FILE
                                   a device's configuration (window, staff roster, reasons, ...),
                                   checked, then published retained to its `config` topic
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
from datetime import datetime
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
from county.upstream import cli as upstream_cli

COMMANDS = ("import-cases", "demo-cases", "export-catalogue", "publish-config", *upstream_cli.COMMANDS)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "command", nargs="?", choices=COMMANDS, help="a maintenance command instead of running the service"
    )
    p.add_argument("file", nargs="?", type=Path, help="the file the command reads or writes")
    p.add_argument("--device", metavar="HALL/DEVICE", help="publish-config: the device it is for")
    upstream_cli.add_arguments(p)


def run(settings: CountySettings, command: str, file: Path | None, device: str | None = None) -> int:
    if file is None:
        print(f"hall-county {command}: needs a FILE", file=sys.stderr)
        return 2
    try:
        if command == "publish-config":
            return publish_config(settings, file, device)
        if command == "import-cases":
            records = read_export(file)
            store = CaseStore(settings.cases_path, load_or_create_key(settings.id_key_path))
            try:
                n = store.upsert(records, datetime.now(CHINA_TZ))
                total = store.count()
            finally:
                store.close()
            print(f"imported {n} cases from {file} into {settings.cases_path} ({total} in the store)")
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
