"""ops.supervisor on a fake clock: a dead unit is restarted after the delay, and given up when
it keeps dying (systemd's Restart=always, RestartSec and start limit)."""

from __future__ import annotations

import pytest

from core.clock import FakeClock
from ops.supervisor import GaveUp, Supervisor


class FakeUnit:
    def __init__(self, name: str) -> None:
        self.name = name
        self.alive = True
        self.starts = 0

    def how_it_ended(self) -> str:
        return "killed by SIGKILL"

    def start(self) -> None:
        self.starts += 1
        self.alive = True


def test_a_dead_unit_is_restarted_after_the_delay_and_it_is_said() -> None:
    clock, said = FakeClock(), list[str]()
    sup = Supervisor(said.append, clock, restart_sec=2)
    a, b = FakeUnit("eval-07"), FakeUnit("hall-county")
    sup.check([a, b])
    a.alive = False
    sup.check([a, b])
    assert said == [
        "supervisor: eval-07 killed by SIGKILL; restarting it in 2 s, as systemd would (Restart=always)"
    ]
    clock.advance(1.9)
    sup.check([a, b])
    assert a.starts == 0
    clock.advance(0.1)
    sup.check([a, b])
    assert (a.starts, a.alive, b.starts) == (1, True, 0)
    assert said[-1] == "supervisor: restarted eval-07"


def test_a_unit_that_keeps_dying_is_given_up() -> None:
    clock = FakeClock()
    sup = Supervisor(lambda _s: None, clock, restart_sec=1, burst=3, interval_s=60)
    u = FakeUnit("hall-broker")
    for _ in range(3):
        u.alive = False
        sup.check([u])
        clock.advance(1)
        sup.check([u])
        assert u.alive
    u.alive = False
    with pytest.raises(GaveUp, match="hall-broker killed by SIGKILL and was restarted 3 times in 60 s"):
        sup.check([u])
    # a unit that dies rarely is restarted for ever
    clock.advance(61)
    sup2 = Supervisor(lambda _s: None, clock, restart_sec=1, burst=3, interval_s=60)
    for _ in range(10):
        u.alive = False
        sup2.check([u])
        clock.advance(30)
        sup2.check([u])
        assert u.alive
