"""systemd readiness and watchdog (`Type=notify`, `WatchdogSec=`), without a dependency.

The protocol is one datagram of `KEY=value` lines to the Unix socket named in `$NOTIFY_SOCKET`
(a leading `@` is Linux's abstract namespace): sd_notify(3). It is small and stable, so it is
written here rather than pulled in (the `sdnotify` package is these same lines, unmaintained since
2017; python-systemd needs libsystemd's C headers to build). Outside systemd nothing is sent.

A device runs for years unattended: the watchdog is fed from the program's main loop (Kivy's
clock for the screens, the tick loop when headless, the county's run loop), and only while the
parts it cannot live without still run (`healthy`). A hung loop or a dead link thread stops the
feeding, and systemd restarts the program after `WatchdogSec`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send `message` (e.g. "READY=1") to systemd; False when not run by systemd or not delivered."""
    address = (env if env is not None else os.environ).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.connect(address)
            s.sendall(message.encode())
    except OSError as e:
        log.warning("cannot notify systemd at %s: %s", address.lstrip("\0"), e)
        return False
    return True


class Watchdog:
    """Feeds systemd's watchdog at half its period when `tick()` is called and `healthy()` holds.

    Call `tick()` from the main loop; `ready()` once the program serves; `stopping()` at the end.
    """

    def __init__(
        self,
        healthy: Callable[[], str | None] = lambda: None,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`healthy()` returns None when all is well, or one line saying what is broken."""
        self.env = dict(env if env is not None else os.environ)
        self.healthy = healthy
        self.clock = clock
        self.interval_s = self._interval()
        self._next = 0.0
        self._said: str | None = None

    def _interval(self) -> float | None:
        usec = self.env.get("WATCHDOG_USEC", "")
        pid = self.env.get("WATCHDOG_PID", "")
        if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
            return None
        return int(usec) / 1e6 / 2

    def ready(self, status: str = "") -> None:
        notify("READY=1" + (f"\nSTATUS={status}" if status else ""), self.env)

    def stopping(self) -> None:
        notify("STOPPING=1", self.env)

    def tick(self) -> None:
        if self.interval_s is None:
            return
        now = self.clock()
        if now < self._next:
            return
        problem = self.healthy()
        if problem is not None:
            if problem != self._said:  # once: systemd restarts us when the watchdog runs out
                log.error("not feeding the watchdog (systemd restarts this program): %s", problem)
                notify(f"STATUS={problem}", self.env)
                self._said = problem
            return
        self._next = now + self.interval_s
        notify("WATCHDOG=1", self.env)
