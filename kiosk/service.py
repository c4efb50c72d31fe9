"""The kiosk's parts wired together, without Kivy: outbox, link, card reader, scanner, printer,
catalogue cache and the controller. The app passes `post`, which runs a function on the UI thread;
every device event and MQTT callback reaches the controller through it (one thread owns the state).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from core import topics
from core.catalogue import Catalogue
from core.clock import Clock, SystemClock
from core.device_config import DeviceConfig
from core.link import Link
from core.outbox import Outbox
from core.sdnotify import Watchdog
from drivers.device import SerialDevice, StateChange
from drivers.idcard.reader import CardRead, CardReadFailed, IdCardReader
from drivers.line_reader import CodeRead, LineReader
from drivers.printer.printer import ReceiptPrinter
from drivers.printer.receipt import case_progress_receipt
from kiosk import pinyin_index
from kiosk.catalogue_cache import CatalogueCache
from kiosk.controller import KioskController, KioskOptions
from kiosk.ports import PrinterError, ThreadWorker
from kiosk.receipt import Receipt
from kiosk.settings import KioskSettings

log = logging.getLogger("hall-kiosk")
VERSION = "0.1.0"
# How long each serial reader sleeps in `read()` when nothing arrives (data wakes it at once): the
# drivers' 20 ms default cost ~1 % CPU per device on an idle kiosk (measured per thread). Timers
# (the card poll every 0.25 s, answer and status deadlines) only need this resolution.
DEVICE_POLL_S = 0.1
Post = Callable[[Callable[[], None]], None]


class EscPosPrinter:
    """`kiosk.ports.ReceiptPrinter` over the ESC/POS driver: layout, print, say why not."""

    def __init__(self, device: ReceiptPrinter, width: int = 32) -> None:
        self.device = device
        self.width = width

    def print_receipt(self, receipt: Receipt) -> None:
        result = self.device.print_bytes(case_progress_receipt(receipt, width=self.width))
        if not result.printed:
            state = result.state if result.state in ("paper_out", "missing") else "fault"
            if result.state == "offline" and not self.device.connected:
                state = "missing"
            raise PrinterError(state, result.detail)


class KioskService:
    def __init__(self, settings: KioskSettings, post: Post, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.post = post
        self.clock: Clock = clock or SystemClock()
        state = settings.state_dir
        self.outbox = Outbox.for_device(settings, self.clock)
        self.link = Link(settings, kind="kiosk", outbox=self.outbox, clock=self.clock, version=VERSION)
        self.watchdog = Watchdog(self.link.problem)  # fed by `tick()`, from Kivy's clock
        self.catalogue = CatalogueCache(state / "catalogue.json")
        ser = settings.serial
        self.devices: list[SerialDevice] = []
        self.card_reader: IdCardReader | None = None
        if ser.idcard:
            self.card_reader = IdCardReader(
                ser.idcard, name="idcard", baudrate=ser.idcard_baud, read_timeout_s=DEVICE_POLL_S
            )
            self.card_reader.add_listener(self._card_event, self._device_state)
            self.devices.append(self.card_reader)
        if ser.scanner:
            scanner = LineReader(
                ser.scanner,
                name="scanner",
                baudrate=ser.baud,
                terminator=settings.scanner_terminator,
                prefix=settings.scanner_prefix,
                suffix=settings.scanner_suffix,
                read_timeout_s=DEVICE_POLL_S,
            )
            scanner.add_listener(self._scan_event, self._device_state)
            self.devices.append(scanner)
        printer = None
        if ser.printer:
            device = ReceiptPrinter(
                ser.printer, name="printer", baudrate=ser.printer_baud, read_timeout_s=DEVICE_POLL_S
            )
            device.add_listener(on_state=self._device_state)
            self.devices.append(device)
            printer = EscPosPrinter(device, settings.printer_width)
        options = KioskOptions(
            hall_id=settings.hall_id,
            device_id=settings.device_id,
            region_code=settings.region_code,
            hall_name=settings.hall_name,
            language=settings.language,
            query_timeout_s=settings.query_timeout_s,
            idle_timeout_s=settings.idle_timeout_s,
            message_s=settings.message_s,
            progress_url=settings.progress_url,
        )
        cat = self.catalogue.catalogue
        spellings = pinyin_index.load(self.catalogue.path, cat) if cat is not None else None
        self.controller = KioskController(
            options,
            self.clock,
            self.link,
            ThreadWorker(post),
            self.outbox,
            printer,
            wake=self.link.wake,
            catalogue=cat,
            spellings=spellings or {},
        )
        if self.card_reader is not None:
            self.controller.read_card_again = self.card_reader.read_again
        if cat is not None and spellings is None:
            threading.Thread(target=self._spell, args=(cat,), name="kiosk-pinyin", daemon=True).start()
        self.link.on_config = self._config
        self.link.extra_topics[topics.CATALOGUE] = self._catalogue

    # -- from other threads: hand over to the UI thread ---------------------------------------------

    def _card_event(self, event: Any) -> None:
        if isinstance(event, CardRead):
            card = event.card
            self.post(lambda: self.controller.card_read(card))
        elif isinstance(event, CardReadFailed):
            log.warning("ID card could not be read: %s", event.detail)
            self.post(self.controller.card_failed)

    def _scan_event(self, event: Any) -> None:
        if isinstance(event, CodeRead):
            code = event.code
            self.post(lambda: self.controller.code_scanned(code))

    def _device_state(self, change: StateChange) -> None:
        log.info("%s: %s%s", change.device, change.state, f" ({change.detail})" if change.detail else "")
        self.link.set_peripheral(change.device, change.state)

    def _config(self, config: DeviceConfig) -> None:
        self.post(lambda: self.controller.set_config(config))

    def _catalogue(self, raw: bytes) -> None:
        cat = self.catalogue.update(raw)  # validated and cached here, off the UI thread
        if cat is not None:
            cached = pinyin_index.load(self.catalogue.path, cat)
            self.post(lambda: self.controller.set_catalogue(cat, cached or {}))  # Chinese search at once
            if cached is None:
                self._spell(cat)  # on the link's dispatcher thread: a few seconds, once per catalogue

    def _spell(self, cat: Catalogue) -> None:
        """Pinyin search for `cat`, spelled by a child process (pypinyin stays out of the kiosk's RSS)."""
        if pinyin_index.build_in_subprocess(self.catalogue.path):
            spellings = pinyin_index.load(self.catalogue.path, cat)
            if spellings is not None:
                self.post(lambda: self.controller.set_catalogue(cat, spellings))

    # -- life cycle --------------------------------------------------------------------------------

    def start(self) -> None:
        self.link.start()
        for d in self.devices:
            d.start()
        log.info(
            "kiosk %s started (%s)",
            self.settings.device_id,
            ", ".join(f"{d.name} {d.url}" for d in self.devices) or "no peripherals",
        )

    def tick(self) -> None:
        self.controller.tick()
        self.watchdog.tick()  # from Kivy's clock: a hung screen stops feeding it

    def stop(self) -> None:
        self.watchdog.stopping()
        for d in self.devices:
            d.stop()
        self.link.stop()
        self.outbox.close()
