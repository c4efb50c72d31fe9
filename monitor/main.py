"""`hall-monitor`: a live text view of every device of a hall for hall managers.

Connects with the read-only monitor account; everything it shows comes from retained status,
telemetry and events, so it can start at any time and see the whole hall at once.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from pydantic import Field

from core import hall_watch
from core.accounts import MONITOR
from core.clock import SystemClock
from core.config import AppSettings, ConfigError, MqttSettings
from core.hall_view import HallState
from core.startup import load_settings
from monitor.render import render

log = logging.getLogger("hall-monitor")


class MonitorSettings(AppSettings):
    mqtt: MqttSettings = Field(default_factory=lambda: MqttSettings(username=MONITOR))
    hall_id: str = "+"  # one hall, or every hall the broker carries
    refresh_s: float = Field(default=2.0, gt=0)


def watch(mqtt_settings: MqttSettings, hall_id: str, state: HallState, lock: threading.Lock) -> mqtt.Client:
    """A started client feeding `state` (under `lock`) from retained status, telemetry, events and
    the county's state; `hall_id` "+" watches every hall. Raises ConfigError for bad settings."""

    def handle(topic: str, payload: bytes) -> None:
        with lock:
            state.on_message(topic, payload)

    return hall_watch.watch(mqtt_settings, hall_id, handle)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="hall-monitor", description="大厅设备监控 Live view of a hall's devices"
    )
    ap.add_argument("--config", type=Path, help="TOML file (default: embedded defaults + HALL_ variables)")
    ap.add_argument("--once", type=float, metavar="SECONDS", help="collect for SECONDS, print once, exit")
    args = ap.parse_args(argv)
    settings = load_settings(MonitorSettings, args.config, "hall-monitor")
    if settings is None:
        return 2

    state = HallState(SystemClock())
    lock = threading.Lock()
    try:
        client = watch(settings.mqtt, settings.hall_id, state, lock)
    except ConfigError as e:
        print(f"hall-monitor: config error: {e}", file=sys.stderr)
        return 2
    try:
        if args.once is not None:
            time.sleep(args.once)
            with lock:
                print(render(state))
            if not client.is_connected():
                print(f"hall-monitor: not connected to {settings.mqtt.url}", file=sys.stderr)
                return 1
            return 0
        while True:
            with lock:
                screen = render(state)
            if not client.is_connected():
                screen += f"\n\n未连接代理 not connected to {settings.mqtt.url}, retrying"
            clear = "\x1b[H\x1b[2J" if sys.stdout.isatty() else "\n"
            print(clear + screen, flush=True)
            time.sleep(settings.refresh_s)
    except KeyboardInterrupt:
        return 0
    finally:
        client.loop_stop()
        client.disconnect()


if __name__ == "__main__":
    sys.exit(main())
