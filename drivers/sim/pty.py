"""`PtyPort`: the device end of a simulated serial port, on a real pseudo-terminal.

The host (a driver, `hall-probe`) opens `path` with pyserial exactly like a USB serial adapter.
With a `link`, `path` is a stable symlink to the current pty, so unplug/replug happens at the same
path, as with a udev link such as `/dev/hall-keypad`: unplug closes the pty (the host's reads fail
with "device reports readiness to read but returned no data") and removes the link (reopening
fails); replug makes a new pty and points the link at it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
import time
import tty
from pathlib import Path

from drivers.errors import PortUnavailable


class PtyPort:
    def __init__(self, link: str | os.PathLike[str] | None = None) -> None:
        self.link = Path(link) if link is not None else None
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_path: str | None = None
        self.dropped = 0  # bytes the host never got (unplugged, or it stopped reading)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    @property
    def path(self) -> str:
        """What the host opens: the link if there is one, else the current pty slave."""
        if self.link is not None:
            return str(self.link)
        if self._slave_path is None:
            raise PortUnavailable("simulated port was never plugged in")
        return self._slave_path

    @property
    def slave_path(self) -> str | None:
        return self._slave_path

    def plug(self) -> str:
        """Create the pty (and the link); return `path`. Plugging twice is a no-op."""
        with self._lock:
            if self._master is None:
                master, slave = os.openpty()
                tty.setraw(master)
                os.set_blocking(master, False)
                self._master, self._slave = master, slave
                self._slave_path = os.ttyname(slave)
                if self.link is not None:
                    tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
                    with contextlib.suppress(FileNotFoundError):
                        tmp.unlink()
                    tmp.symlink_to(self._slave_path)
                    os.replace(tmp, self.link)  # atomic: the link never points nowhere
        return self.path

    def unplug(self) -> None:
        """Pull the cable: remove the link, close the pty. Unplugging twice is a no-op."""
        with self._lock:
            if self.link is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.link.unlink()
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None

    def replug(self) -> str:
        self.unplug()
        return self.plug()

    close = unplug

    def write(self, data: bytes, timeout: float = 0.5) -> int:
        """Send `data` to the host; return how many bytes went. Unplugged, nothing goes (no error,
        like a device talking into a pulled cable); a host that stops reading gets the rest dropped
        after `timeout` instead of blocking the simulator."""
        deadline = time.monotonic() + timeout
        sent = 0
        with self._lock:
            while sent < len(data) and self._master is not None:
                try:
                    sent += os.write(self._master, data[sent:])
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    select.select([], [self._master], [], min(left, 0.05))
                except OSError:
                    break
        self.dropped += len(data) - sent
        return sent

    def read(self, timeout: float = 0.02) -> bytes:
        """Bytes the host wrote, or b"" after `timeout` (also when unplugged)."""
        with self._lock:
            master = self._master
            if master is None:
                pass
            else:
                try:
                    ready, _, _ = select.select([master], [], [], timeout)
                    if ready:
                        return os.read(master, 4096)
                except BlockingIOError:
                    return b""
                except OSError as err:
                    if err.errno not in (errno.EIO, errno.EBADF):
                        raise
                return b""
        time.sleep(timeout)  # unplugged: pace the caller's loop
        return b""
