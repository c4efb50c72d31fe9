"""`SerialDevice`: the one serial base every driver reuses (keypad, line readers, ID card, printer).

It owns the port: opens it by pyserial URL, runs a reader thread that moves bytes to the driver's
`on_bytes` hook, reopens with backoff when the port vanishes (unplug) or cannot be opened, and
serialises writes with a lock. It reports state changes (`ok` / `missing` / `fault`, the names of
`core.messages.PeripheralState`) and the driver's events to listeners on a separate delivery thread,
so a listener may block (e.g. send a command and wait for its ack) without stalling the reader.

Threads:
- reader: open/reopen loop; `on_open`, `on_bytes`, `on_tick`, `on_close` run here and must not
  block (decode, ack, signal waiters, `emit`);
- delivery: calls listeners in order, events and state changes interleaved as they happened;
- callers: `write` (and driver commands built on it) from any thread.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import serial

from core.clock import Clock, SystemClock
from core.messages import PeripheralState
from drivers.errors import PortUnavailable
from drivers.transport import Port, one_line, open_port

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StateChange:
    """A device's state moved (`previous` is None for the first state a device reports)."""

    device: str
    state: PeripheralState
    previous: PeripheralState | None
    detail: str


@dataclass(frozen=True)
class Backoff:
    """Reopen delays: `initial`, then times `factor`, capped at `maximum` (seconds)."""

    initial: float = 0.2
    maximum: float = 5.0
    factor: float = 2.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(self.maximum, delay * self.factor)


EventListener = Callable[[Any], None]
StateListener = Callable[[StateChange], None]
PortOpener = Callable[..., Port]

_STOP = object()


class SerialDevice:
    """Base of every serial driver. Subclasses implement `on_bytes` and call `emit`/`set_state`.

    `start()` never fails because the port is missing (the device reports `missing` and keeps
    retrying) unless `require_port=True`, which opens on the calling thread and raises
    `PortUnavailable` (what a one-shot tool like `hall-probe` wants).
    """

    kind: ClassVar[str] = "serial"
    default_baudrate: ClassVar[int] = 9600

    def __init__(
        self,
        url: str,
        *,
        name: str | None = None,
        baudrate: int | None = None,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        read_timeout_s: float = 0.02,
        port_options: Mapping[str, Any] | None = None,
        opener: PortOpener = open_port,
    ) -> None:
        self.url = url
        self.name = name or self.kind
        self.baudrate = baudrate or self.default_baudrate
        self.clock: Clock = clock or SystemClock()
        self.backoff = backoff or Backoff()
        self._read_timeout_s = read_timeout_s
        self._port_options = dict(port_options or {})
        self._opener = opener

        self._port: Port | None = None
        self._write_lock = threading.Lock()
        self._broken: str | None = None  # set by a failed write; the reader thread reopens
        self._state_lock = threading.Condition()
        self._state: PeripheralState = "missing"
        self._detail = "not started"
        self._announced = False
        self._event_listeners: list[EventListener] = []
        self._state_listeners: list[StateListener] = []
        self._deliveries: queue.Queue[object] = queue.Queue()
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None
        self._delivery: threading.Thread | None = None

    # -- public API -----------------------------------------------------------------------------

    @property
    def state(self) -> PeripheralState:
        return self._state

    @property
    def detail(self) -> str:
        """One line on the current state (why it is missing, which port is open)."""
        return self._detail

    @property
    def connected(self) -> bool:
        """The port is open (the device itself may still be silent)."""
        return self._port is not None

    def add_listener(
        self, on_event: EventListener | None = None, on_state: StateListener | None = None
    ) -> None:
        """Register callbacks; they run on the delivery thread. Add them before `start()`."""
        if on_event is not None:
            self._event_listeners.append(on_event)
        if on_state is not None:
            self._state_listeners.append(on_state)

    def start(self, *, require_port: bool = False) -> None:
        if self._reader is not None:
            raise RuntimeError(f"{self.name} already started")
        self._stopping.clear()
        if require_port:
            port = self._open()  # raises PortUnavailable before any thread exists
        self._delivery = threading.Thread(target=self._deliver, name=f"{self.name}-deliver", daemon=True)
        self._delivery.start()
        if require_port:
            self._attach(port)
        self._reader = threading.Thread(target=self._run, name=f"{self.name}-reader", daemon=True)
        self._reader.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(timeout)
        self._detach(None)
        if self._delivery is not None:
            self._deliveries.put(_STOP)
            if self._delivery is not threading.current_thread():  # stop() called by a listener
                self._delivery.join(timeout)
        self._reader = self._delivery = None

    def __enter__(self) -> SerialDevice:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write(self, data: bytes) -> None:
        """Write all of `data`; raise `PortUnavailable` if the port is not open or the write fails."""
        with self._write_lock:
            port = self._port
            if port is None or self._broken is not None:
                raise PortUnavailable(f"{self.name} on {self.url} is not connected ({self._detail})")
            try:
                port.write(data)
            except serial.SerialTimeoutException as err:
                self._broken = f"write to {self.url} timed out"
                raise PortUnavailable(f"{self.name}: {self._broken}") from err
            except (serial.SerialException, OSError) as err:
                self._broken = f"write to {self.url} failed: {one_line(err)}"
                raise PortUnavailable(f"{self.name}: {self._broken}") from err

    def wait_state(self, state: PeripheralState, timeout: float) -> bool:
        """Block until the device is in `state` (True) or `timeout` seconds pass (False)."""
        with self._state_lock:
            return self._state_lock.wait_for(lambda: self._state == state, timeout)

    # -- hooks for drivers (reader thread; must not block) ----------------------------------------

    def on_open(self) -> None:
        """The port was (re)opened: reset decoders and per-connection state here."""

    def on_bytes(self, data: bytes, now: float) -> None:
        """Bytes arrived (`now` is the clock's monotonic time)."""
        raise NotImplementedError

    def on_tick(self, now: float) -> None:
        """Called after every read, data or not (about every `read_timeout_s`): timers go here."""

    def on_close(self) -> None:
        """The port was closed (unplugged, failed, or stopping)."""

    # -- for drivers ------------------------------------------------------------------------------

    def emit(self, event: object) -> None:
        """Hand a decoded event to the listeners (delivered on the delivery thread, in order)."""
        self._post(event)

    def set_state(self, state: PeripheralState, detail: str = "") -> None:
        """Record the device's state; listeners hear about changes (and the first state)."""
        with self._state_lock:
            previous = self._state if self._announced else None
            self._detail = detail
            if self._announced and state == self._state:
                return
            self._state = state
            self._announced = True
            self._state_lock.notify_all()
        log.info("%s: %s -> %s (%s)", self.name, previous, state, detail)
        self._post(StateChange(self.name, state, previous, detail))

    def attach(self, port: Port) -> None:
        """Use a port that is already open, without threads: the caller drives the hooks
        (`on_bytes`, `on_tick`) and listeners are called inline. For unit tests and tools."""
        self._attach(port)

    # -- internals --------------------------------------------------------------------------------

    def _post(self, item: object) -> None:
        if self._delivery is None:
            self._call_listeners(item)  # not started: nobody else would deliver it
        else:
            self._deliveries.put(item)

    def _open(self) -> Port:
        return self._opener(self.url, self.baudrate, timeout=self._read_timeout_s, **self._port_options)

    def _attach(self, port: Port) -> None:
        with self._write_lock:
            self._port = port
            self._broken = None
        self.set_state("ok", f"{self.url} open")
        self._guard(self.on_open)

    def _detach(self, reason: str | None) -> None:
        with self._write_lock:
            port, self._port = self._port, None
            self._broken = None
        if port is None:
            return
        with contextlib.suppress(serial.SerialException, OSError):
            port.close()  # it may be gone already; closing is best effort
        self._guard(self.on_close)
        if reason is not None:
            self.set_state("missing", reason)

    def _run(self) -> None:
        delays: Iterator[float] | None = None
        while not self._stopping.is_set():
            port = self._port
            if port is None:
                try:
                    port = self._open()
                except PortUnavailable as err:
                    self.set_state("missing", str(err))
                    delays = delays or self.backoff.delays()
                    self._stopping.wait(next(delays))
                    continue
                delays = None
                self._attach(port)
            try:
                data = port.read(max(1, _in_waiting(port)))
            except (serial.SerialException, OSError, TypeError, AttributeError) as err:
                # TypeError/AttributeError: pyserial's posix port read on an fd closed under it.
                self._detach(f"{self.url} vanished: {one_line(err)}")
                continue
            now = self.clock.monotonic()
            if data:
                self._guard(self.on_bytes, data, now)
            self._guard(self.on_tick, now)
            broken = self._broken
            if broken is not None:
                self._detach(broken)

    def _guard(self, hook: Callable[..., None], *args: Any) -> None:
        """A bug in a driver hook is logged, not allowed to kill the reader thread."""
        try:
            hook(*args)
        except Exception:
            log.exception("%s: %s failed", self.name, getattr(hook, "__name__", hook))

    def _deliver(self) -> None:
        while True:
            item = self._deliveries.get()
            if item is _STOP:
                return
            self._call_listeners(item)

    def _call_listeners(self, item: object) -> None:
        listeners: list[Callable[[Any], None]]
        if isinstance(item, StateChange):
            listeners = list(self._state_listeners)
        else:
            listeners = list(self._event_listeners)
        for listener in listeners:
            try:
                listener(item)
            except Exception:
                log.exception("%s: listener %r failed on %r", self.name, listener, item)


def _in_waiting(port: Port) -> int:
    waiting = getattr(port, "in_waiting", 0)
    return waiting if isinstance(waiting, int) else 0
