"""Many device links on one thread: the light simulated devices of the scale model.

Each device is a real `core.link.Link` over its real `core.outbox.Outbox`, so on the wire it is an
evaluator: QoS 1 events in `seq` order, the county's acks, resends (held while the county is
offline), retained status with its will, telemetry. Only the threads are gone. A link started with
`start()` runs three (paho's network loop, its sender, its dispatcher): 2,500 devices were 7,500
threads, and on 2 cores they starved past their keepalive (docs/scale.md). Here one `selectors`
loop (epoll) does the work of all of them in a process:

- reads: `client.loop_read()` when a device's socket is readable (paho's callbacks run inside);
- writes: `publish()` writes straight to the socket (paho does that when no loop thread runs); what
  the socket would not take waits for writability (`loop_write()`);
- the sender: `link.step(wait=False)` when the link was woken (a press, an ack, the county's
  return) and for every link once per `poll_s` (resends, telemetry); then `run_callbacks()`;
- keepalive: `client.loop_misc()` for every link once per `misc_s`;
- a lost connection is tried again every `retry_s`.

paho's own loop uses `select()`, which cannot watch a descriptor numbered 1024 or more (a device has
~4: its socket and its outbox's database, journal and shared memory); epoll has no such limit.
"""

from __future__ import annotations

import contextlib
import logging
import resource
import selectors
import time
from collections.abc import Callable, Sequence
from typing import Any

import paho.mqtt.client as mqtt

from core.link import Link
from core.mqtt_client import connect_async

log = logging.getLogger(__name__)

Reader = Callable[[], None]


def raise_open_files_limit() -> int:
    """Lift the soft limit on open files to the hard one (600 devices need ~2,500); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class LinkLoop:
    def __init__(
        self, links: Sequence[Link], *, poll_s: float = 5.0, misc_s: float = 1.0, retry_s: float = 2.0
    ) -> None:
        self.links = list(links)
        self.poll_s = poll_s
        self.misc_s = misc_s
        self.retry_s = retry_s
        self.sel = selectors.DefaultSelector()
        self._retry_at: dict[int, float] = {}  # index of a link without a socket -> next attempt
        self._writing: set[int] = set()  # links whose socket is watched for writability too
        self._poll_next = 0  # round-robin cursors over the links, and how many are owed a turn
        self._poll_owed = 0.0
        self._misc_next = 0
        self._misc_owed = 0.0
        self._last = time.monotonic()
        self.kicked: set[int] = set()  # links to step in this round (a press)
        self._index = {id(link): i for i, link in enumerate(self.links)}
        for i, link in enumerate(self.links):
            client = link.client
            client.on_socket_open = self._opened(i)
            client.on_socket_close = self._closed(i)
            connect_async(client, link.settings.mqtt, clean_start=True)
            self._retry_at[i] = 0.0

    # --- sockets ---------------------------------------------------------------------------

    def _opened(self, i: int) -> Callable[[mqtt.Client, Any, Any], None]:
        def opened(_c: mqtt.Client, _u: Any, sock: Any) -> None:
            self.sel.register(sock, selectors.EVENT_READ, i)

        return opened

    def _closed(self, i: int) -> Callable[[mqtt.Client, Any, Any], None]:
        def closed(_c: mqtt.Client, _u: Any, sock: Any) -> None:
            with contextlib.suppress(KeyError, ValueError):
                self.sel.unregister(sock)
            self._writing.discard(i)
            self._retry_at[i] = time.monotonic() + self.retry_s

        return closed

    def add_reader(self, fileobj: Any, callback: Reader) -> None:
        """Something else to watch on this thread (the worker's command pipe)."""
        self.sel.register(fileobj, selectors.EVENT_READ, callback)

    def _connect(self, i: int) -> None:
        self._retry_at.pop(i, None)
        try:
            self.links[i].client.reconnect()  # blocking TCP connect: a loopback or LAN broker
        except (OSError, mqtt.WebsocketConnectionError) as e:
            log.debug("device %s: cannot connect: %s", self.links[i].device_id, e)
            self._retry_at[i] = time.monotonic() + self.retry_s

    def _flush(self, i: int) -> None:
        """Write what waits; watch for writability while the socket will not take it all."""
        client = self.links[i].client
        sock = client.socket()
        if sock is None:
            return
        if client.want_write():
            client.loop_write()
            sock = client.socket()
        wants = sock is not None and client.want_write()
        if wants == (i in self._writing) or sock is None:
            return
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if wants else 0)
        self.sel.modify(sock, events, i)
        (self._writing.add if wants else self._writing.discard)(i)

    # --- the loop --------------------------------------------------------------------------

    def kick(self, link: Link) -> None:
        """Step this link in the coming round (call after `outbox.put` and `link.wake()`)."""
        self.kicked.add(self._index[id(link)])

    def _step(self, i: int) -> None:
        link = self.links[i]
        link.step(wait=False)
        link.run_callbacks()
        self._flush(i)

    def run_once(self, timeout: float) -> None:
        """Wait up to `timeout` for sockets, then do each link's due work once."""
        now = time.monotonic()
        for i, at in list(self._retry_at.items()):
            if at <= now:
                self._connect(i)
        touched = self.kicked
        self.kicked = set()
        for key, mask in self.sel.select(0 if touched else timeout):
            if callable(key.data):
                key.data()
                continue
            i = key.data
            client = self.links[i].client
            if mask & selectors.EVENT_WRITE:
                self._flush(i)
            if mask & selectors.EVENT_READ and client.socket() is not None:
                client.loop_read()
                touched.add(i)
        for i in touched:
            if self.links[i].woken:
                self._step(i)
            else:
                self.links[i].run_callbacks()
        self._sweep()

    def _sweep(self) -> None:
        """Every link's poll (step) once per `poll_s` and keepalive once per `misc_s`, spread out."""
        now = time.monotonic()
        dt, self._last = now - self._last, now
        n = len(self.links)
        if not n:
            return
        self._poll_owed = min(n, self._poll_owed + n * dt / self.poll_s)
        while self._poll_owed >= 1:
            self._poll_owed -= 1
            self._step(self._poll_next)
            self._poll_next = (self._poll_next + 1) % n
        self._misc_owed = min(n, self._misc_owed + n * dt / self.misc_s)
        while self._misc_owed >= 1:
            self._misc_owed -= 1
            client = self.links[self._misc_next].client
            if client.socket() is not None:
                client.loop_misc()
            self._misc_next = (self._misc_next + 1) % n

    def connected(self) -> int:
        return sum(link.connected for link in self.links)

    def run_until(self, done: Callable[[], bool], timeout: float, tick: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            self.run_once(tick)
        return True

    def close(self) -> None:
        """Each link says `offline` (retained) and disconnects, as a device shut down cleanly."""
        for i, link in enumerate(self.links):
            with contextlib.suppress(OSError, ValueError, RuntimeError):
                link.stop(
                    timeout=0
                )  # no PUBACK can come on this thread: the status is written, then DISCONNECT
            self._retry_at.pop(i, None)
        with contextlib.suppress(OSError):
            self.sel.close()
