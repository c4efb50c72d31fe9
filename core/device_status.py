"""What a device says about itself: the retained status (online/offline, peripherals, backlog,
disk), telemetry, and the session counter that orders them (docs/contracts.md, MQTT topics).

The session counter rises at every connect and is on disk before the connection that uses it,
so a monitor can tell an old connection's last will from the live status. Status publications
leave in the order their snapshots were taken: the snapshot and the hand-over to the client
happen under one lock, so a later, newer status can never be overtaken by an older one.
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path

from core.clock import Clock, epoch_ms
from core.config import DeviceSettings
from core.messages import Backlog, DeviceStatus, DiskState, PeripheralState, Telemetry
from core.outbox import Outbox, OutboxError

log = logging.getLogger(__name__)


class SessionCounter:
    """A number that only rises, kept in a file (written and fsynced before it is used)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.value = self._read()

    def next(self) -> int:
        self.value += 1
        self._write(self.value)
        return self.value

    def _read(self) -> int:
        try:
            return int(self.path.read_text().strip() or 0)
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as e:
            log.warning("session counter %s unreadable (%s); starting from the clock", self.path, e)
            return int(time.time())  # still rises past any earlier session

    def _write(self, value: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w") as f:
                f.write(f"{value}\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            log.warning("cannot save session counter %s: %s", self.path, e)


class DeviceReport:
    """Status and telemetry of one device, built from its peripherals, detail line and outbox."""

    def __init__(
        self,
        settings: DeviceSettings,
        *,
        kind: str,
        version: str,
        outbox: Outbox | None,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.kind = kind
        self.version = version
        self.outbox = outbox
        self._clock = clock
        self.session = SessionCounter(Path(settings.state_dir) / f"{settings.device_id}.session")
        self._lock = threading.Lock()  # the peripherals and the detail line
        self._order = threading.Lock()  # one status publication at a time, snapshot to hand-over
        self._peripherals: dict[str, PeripheralState] = {}
        self._detail = ""
        self._last_published: Hashable | None = None
        self._closed = False  # `offline` went out: no `online` may follow it
        self._cpu_mark = (time.monotonic(), _cpu_seconds())
        self._started = time.monotonic()

    def set_peripheral(self, name: str, state: PeripheralState) -> bool:
        """True when this changed what the status says."""
        with self._lock:
            if self._peripherals.get(name) == state:
                return False
            self._peripherals[name] = state
            return True

    def set_detail(self, text: str) -> bool:
        with self._lock:
            if self._detail == text:
                return False
            self._detail = text
            return True

    def status(self, state: str, session: int | None = None) -> DeviceStatus:
        with self._lock:
            peripherals, detail = dict(self._peripherals), self._detail
        backlog = disk = None
        if self.outbox is not None:
            try:
                backlog, disk = self.outbox.backlog(), self.outbox.disk()
            except OutboxError as e:
                detail = detail or str(e)
        return DeviceStatus(
            hall_id=self.settings.hall_id,
            device_id=self.settings.device_id,
            kind=self.kind,
            state=state,
            session=self.session.value if session is None else session,
            timestamp=epoch_ms(self._clock),
            version=self.version,
            window_id=getattr(self.settings, "window_id", None),
            peripherals=peripherals,
            backlog=backlog,
            disk=disk,
            detail=detail,
        )

    def publish_online(self, send: Callable[[bytes], None], *, force: bool = False) -> bool:
        """Hand the `online` status to `send` (the client's publish) when it says something new
        (or `force`). Snapshot, comparison and hand-over happen under one lock, so publications
        leave in snapshot order. `send` must not call back into this report."""
        with self._order:
            if self._closed:
                return False
            st = self.status("online")
            key = (
                st.session,
                tuple(sorted(st.peripherals.items())),
                st.detail,
                st.backlog.unacked if st.backlog else None,
                st.disk.low if st.disk else None,
            )
            if key == self._last_published and not force:
                return False
            self._last_published = key
            send(st.to_json())
            return True

    def publish_offline(self, send: Callable[[bytes], None]) -> None:
        """The last word of a clean stop: after any `online` being handed over, none after it."""
        with self._order:
            self._closed = True
            send(self.status("offline").to_json())

    def telemetry(self, *, published: int, acked: int, reconnects: int) -> Telemetry:
        now = time.monotonic()
        cpu = _cpu_seconds()
        t0, c0 = self._cpu_mark
        self._cpu_mark = (now, cpu)
        cpu_percent = 100.0 * (cpu - c0) / (now - t0) if now > t0 else 0.0
        if self.outbox is not None:
            backlog, disk = self.outbox.backlog(), self.outbox.disk()
        else:
            backlog, disk = Backlog(unacked=0), DiskState(free_bytes=0, low=False)
        return Telemetry(
            hall_id=self.settings.hall_id,
            device_id=self.settings.device_id,
            timestamp=epoch_ms(self._clock),
            uptime_s=round(now - self._started, 3),
            cpu_percent=round(cpu_percent, 2),
            rss_bytes=_rss_bytes(),
            backlog=backlog,
            disk=disk,
            published=published,
            acked=acked,
            reconnects=reconnects,
        )


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
