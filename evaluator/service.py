"""The evaluator without its screen: outbox, MQTT link, serial devices and the controller, wired.

`hall-evaluator --headless` runs only this; the Kivy app runs it too and adds the view.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from core.clock import Clock, SystemClock
from core.device_config import DeviceConfig
from core.link import Link
from core.outbox import Outbox
from core.payload import PayloadError
from core.sdnotify import Watchdog
from drivers.device import SerialDevice, StateChange
from drivers.keypad.events import KeypadHello, KeyPressed
from drivers.keypad.registry import open_keypad
from drivers.line_reader import CodeRead, LineReader, StaffCardReader
from evaluator.config_store import ConfigStore
from evaluator.controller import DeviceIdentity, EvaluatorController
from evaluator.keypad_port import AsyncKeypad
from evaluator.ports import AudioPort
from evaluator.settings import EvaluatorSettings

log = logging.getLogger(__name__)

VERSION = "0.1.0"
# How long a serial reader sleeps in `read()` when nothing arrives (data wakes it at once): the
# drivers' 20 ms default costs ~0.6 % CPU per device on an idle terminal. The keypad's tick also
# flushes a partial frame after a gap, so it stays shorter than the line readers'.
KEYPAD_POLL_S = 0.1
LINE_POLL_S = 0.25
RESTART_EXIT_CODE = 75  # EX_TEMPFAIL: the `restart` command; systemd (Restart=always) starts it again


def initial_config(settings: EvaluatorSettings, store: ConfigStore) -> DeviceConfig:
    saved = store.load()
    if saved is not None:
        return saved
    if settings.initial_config is not None:
        try:
            return DeviceConfig.from_json(settings.initial_config.read_bytes())
        except OSError as e:
            log.error("initial_config %s: %s", settings.initial_config, e.strerror)
        except PayloadError as e:
            log.error("initial_config %s: %s", settings.initial_config, e)
    return DeviceConfig()


class EvaluatorService:
    def __init__(
        self,
        settings: EvaluatorSettings,
        *,
        has_screen: bool,
        audio: AudioPort | None = None,
        clock: Clock | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.restart_requested = False
        self._on_restart = on_restart
        state = settings.state_dir
        self.outbox = Outbox.for_device(settings, self.clock)
        self.link = Link(settings, kind="evaluator", outbox=self.outbox, clock=self.clock, version=VERSION)
        # fed by `tick()`, i.e. from the main loop (Kivy's clock, or the headless loop)
        self.watchdog = Watchdog(self.link.problem)
        store = ConfigStore(state / "config.json")
        self.devices: list[SerialDevice] = []
        self.keypad_port: AsyncKeypad | None = None
        ser = settings.serial
        keypad = None
        if ser.keypad:
            keypad = open_keypad(
                ser.keypad,
                ser.keypad_protocol,
                name="keypad",
                baudrate=ser.baud,
                read_timeout_s=KEYPAD_POLL_S,
            )
            self.keypad_port = AsyncKeypad(keypad)
            self.devices.append(keypad)
        self.controller = EvaluatorController(
            DeviceIdentity(settings.hall_id, settings.device_id, settings.window_id, settings.region_code),
            initial_config(settings, store),
            self.clock,
            self.outbox,
            has_screen=has_screen,
            keypad=self.keypad_port,
            audio=audio,
            voice=not settings.audio_mute,
            config_store=store,
            on_restart=self._restart,
            wake=self.link.wake,
        )
        c = self.controller
        self.link.on_command = c.on_command
        self.link.on_config = c.on_config
        if keypad is not None:
            keypad.add_listener(self._keypad_event, self._peripheral)
        if ser.staff_card:
            reader = StaffCardReader(
                ser.staff_card,
                name="staff_card",
                baudrate=ser.baud,
                read_timeout_s=LINE_POLL_S,
                terminator=settings.staff_card_terminator,
            )
            reader.add_listener(self._code(c.staff_card), self._peripheral)
            self.devices.append(reader)
        if ser.scanner:
            scanner = LineReader(
                ser.scanner,
                name="scanner",
                baudrate=ser.baud,
                read_timeout_s=LINE_POLL_S,
                terminator=settings.scanner_terminator,
                prefix=settings.scanner_prefix,
                suffix=settings.scanner_suffix,
            )
            scanner.add_listener(self._code(c.scan), self._peripheral)
            self.devices.append(scanner)

    def start(self) -> None:
        self.link.start()
        for d in self.devices:
            d.start()  # a missing port is reported as `missing` and retried, never fatal

    def stop(self) -> None:
        self.watchdog.stopping()
        self.controller.shutdown()
        if self.keypad_port is not None:
            self.keypad_port.stop()
        for d in self.devices:
            d.stop()
        self.link.stop()
        self.outbox.close()

    def tick(self) -> None:
        self.controller.tick()
        self.watchdog.tick()

    def run_headless(self, stop: threading.Event) -> int:
        """Tick until `stop` is set (a signal) or a `restart` command; the exit code."""
        self.start()
        self.watchdog.ready(f"evaluator {self.settings.device_id} running headless")
        try:
            while not stop.wait(self.settings.tick_s):
                self.tick()
                if self.restart_requested:
                    break
        finally:
            self.stop()
        return RESTART_EXIT_CODE if self.restart_requested else 0

    # -- device callbacks (drivers' delivery threads) ------------------------------------------------

    def _restart(self) -> None:
        self.restart_requested = True
        if self._on_restart is not None:
            self._on_restart()

    def _keypad_event(self, event: Any) -> None:
        if isinstance(event, KeyPressed):
            self.controller.keypad_key(event)
        elif isinstance(event, KeypadHello):
            self.controller.keypad_restarted()

    def _code(self, handler: Callable[[str], None]) -> Callable[[Any], None]:
        def on_event(event: Any) -> None:
            if isinstance(event, CodeRead):
                handler(event.code)

        return on_event

    def _peripheral(self, change: StateChange) -> None:
        self.link.set_peripheral(change.device, change.state)
