"""`Simulator`: a device model on a `PtyPort`, with a thread that feeds it the host's bytes.

A concrete simulator overrides `on_host_bytes` (answer the host) and `on_tick` (heartbeats,
timers), and adds console commands for `hall-sim`. Everything that touches the model runs under
`self.lock`, so tests may call the simulator's methods from their own thread while the simulator
thread answers the host.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from drivers.sim.pty import PtyPort

log = logging.getLogger(__name__)


class ConsoleError(Exception):
    """A `hall-sim` console command was wrong (its message is shown to the user as one line)."""


@dataclass(frozen=True)
class ConsoleCommand:
    """One `hall-sim` stdin command: `run(args)` returns a reply line or None."""

    run: Callable[[list[str]], str | None]
    usage: str
    help: str


class Simulator:
    name: ClassVar[str] = "device"

    def __init__(self, link: str | os.PathLike[str] | None = None, *, tick_s: float = 0.01) -> None:
        self.port = PtyPort(link)
        self.lock = threading.RLock()
        self.host_bytes = bytearray()  # everything the host ever wrote, for tests to inspect
        self._tick_s = tick_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def path(self) -> str:
        return self.port.path

    @property
    def plugged(self) -> bool:
        return self.port.plugged

    def start(self) -> str:
        """Plug in and start answering; return the path the host should open."""
        path = self.port.plug()
        with self.lock:
            self.on_plug()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"sim-{self.name}", daemon=True)
        self._thread.start()
        return path

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        self.port.close()

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unplug(self) -> None:
        with self.lock:
            self.port.unplug()
            self.on_unplug()

    def replug(self) -> str:
        with self.lock:
            path = self.port.replug()
            self.on_plug()
        return path

    def send(self, data: bytes) -> int:
        """Raw bytes to the host (dropped while unplugged); returns how many went."""
        return self.port.write(data)

    # -- hooks (simulator thread, under self.lock) ----------------------------------------------

    def on_host_bytes(self, data: bytes) -> None:
        """The host wrote `data`; answer it with `self.send(...)`."""

    def on_tick(self, now: float) -> None:
        """Called about every `tick_s` seconds with `time.monotonic()`."""

    def on_plug(self) -> None:
        """Plugged in (at start and at every replug): a real device would say hello here."""

    def on_unplug(self) -> None:
        """Unplugged: forget per-connection state."""

    # -- hall-sim console -----------------------------------------------------------------------

    def console_commands(self) -> dict[str, ConsoleCommand]:
        """Commands every simulator understands; subclasses extend the dict."""
        return {
            "unplug": ConsoleCommand(lambda a: self._console_unplug(), "unplug", "pull the cable"),
            "replug": ConsoleCommand(lambda a: f"replugged {self.replug()}", "replug", "plug back in"),
            "garbage": ConsoleCommand(self._console_garbage, "garbage [N]", "send N random bytes (16)"),
            "send": ConsoleCommand(self._console_send, "send HEX", "send raw bytes, e.g. send 02 03 ff"),
            "sleep": ConsoleCommand(self._console_sleep, "sleep SECONDS", "pause the script"),
        }

    def status(self) -> str:
        return f"{self.name} {'plugged' if self.plugged else 'unplugged'} at {self.port.path}"

    def _console_unplug(self) -> str:
        self.unplug()
        return "unplugged"

    def _console_garbage(self, args: list[str]) -> str:
        n = int_arg(args, 0, 16)
        data = os.urandom(n)
        self.send(data)
        return f"sent {n} random bytes"

    def _console_send(self, args: list[str]) -> str:
        try:
            data = bytes.fromhex("".join(args))
        except ValueError as err:
            raise ConsoleError(f"not hex bytes: {' '.join(args)}") from err
        return f"sent {self.send(data)} bytes"

    def _console_sleep(self, args: list[str]) -> None:
        time.sleep(float_arg(args, 0, 1.0))

    # -- internals --------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            data = self.port.read(self._tick_s)
            with self.lock:
                try:
                    if data:
                        self.host_bytes += data
                        self.on_host_bytes(data)
                    self.on_tick(time.monotonic())
                except Exception:
                    log.exception("simulator %s failed", self.name)


def int_arg(args: list[str], index: int, default: int) -> int:
    if len(args) <= index:
        return default
    try:
        return int(args[index], 0)
    except ValueError as err:
        raise ConsoleError(f"not a number: {args[index]}") from err


def float_arg(args: list[str], index: int, default: float) -> float:
    if len(args) <= index:
        return default
    try:
        return float(args[index])
    except ValueError as err:
        raise ConsoleError(f"not a number: {args[index]}") from err
