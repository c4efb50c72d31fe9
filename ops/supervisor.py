"""Restart dead child processes as systemd would (`Restart=always`, `RestartSec`, a start limit).

`hall-demo --supervise` models production, where every process of a hall runs under a systemd
unit (systemd/*.service: `Restart=always`, `RestartSec=2`): a child that dies is restarted after
the delay and the demo says so; one that dies again and again (more than `burst` restarts within
`interval_s`) is given up, as systemd's start limit would, and the demo stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from core.clock import Clock


class Unit(Protocol):
    name: str

    @property
    def alive(self) -> bool: ...

    def how_it_ended(self) -> str: ...

    def start(self) -> None: ...


class GaveUp(RuntimeError):
    """A unit died more often than the start limit allows."""


class Supervisor:
    def __init__(
        self,
        say: Callable[[str], None],
        clock: Clock,
        *,
        restart_sec: float = 2.0,
        burst: int = 5,
        interval_s: float = 60.0,
    ) -> None:
        self.say = say
        self.clock = clock
        self.restart_sec = restart_sec
        self.burst = burst
        self.interval_s = interval_s
        self.restarts: dict[str, list[float]] = {}  # name -> when it was restarted (monotonic)
        self._due: dict[str, float] = {}  # name -> when to restart it

    def check(self, units: Iterable[Unit]) -> None:
        """Call often (every second or so): notices dead units and restarts them when due."""
        now = self.clock.monotonic()
        for unit in units:
            if unit.alive:
                continue
            due = self._due.get(unit.name)
            if due is None:
                recent = [t for t in self.restarts.get(unit.name, []) if now - t < self.interval_s]
                if len(recent) >= self.burst:
                    raise GaveUp(
                        f"{unit.name} {unit.how_it_ended()} and was restarted {len(recent)} times "
                        f"in {self.interval_s:.0f} s: giving up, as systemd's start limit would"
                    )
                self._due[unit.name] = now + self.restart_sec
                self.say(
                    f"supervisor: {unit.name} {unit.how_it_ended()}; restarting it in "
                    f"{self.restart_sec:g} s, as systemd would (Restart=always)"
                )
            elif now >= due:
                del self._due[unit.name]
                unit.start()
                self.restarts.setdefault(unit.name, []).append(now)
                self.say(f"supervisor: restarted {unit.name}")
