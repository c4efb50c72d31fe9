"""The county's liveness from its state beats (core/county_liveness.py), on a fake clock."""

from core.clock import FakeClock, epoch_ms
from core.county_liveness import CountyLiveness
from core.messages import COUNTY_HEARTBEAT_S, CountyState


def _beat(clock: FakeClock, online: bool = True, ts_ms: int | None = None) -> CountyState:
    return CountyState(online=online, timestamp=epoch_ms(clock) if ts_ms is None else ts_ms)


def test_unknown_until_heard_then_online_while_beats_come() -> None:
    clock = FakeClock()
    live = CountyLiveness(clock)
    assert live.online() is None
    for _ in range(10):
        live.on_state(_beat(clock))
        clock.advance(COUNTY_HEARTBEAT_S)
        assert live.online() is True


def test_offline_two_heartbeats_after_the_last_beat() -> None:
    clock = FakeClock()
    live = CountyLiveness(clock, heartbeat_s=5)
    live.on_state(_beat(clock))
    clock.advance(9.9)
    assert live.online() is True
    clock.advance(0.2)
    assert live.online() is False


def test_a_replayed_retained_beat_refreshes_nothing() -> None:
    """A county broker killed with the service re-sends its persisted `online: true` on restart."""
    clock = FakeClock()
    live = CountyLiveness(clock, heartbeat_s=5)
    last = _beat(clock)
    live.on_state(last)
    clock.advance(8)
    live.on_state(last)  # the restarted broker's retained copy, same timestamp
    clock.advance(3)
    assert live.online() is False


def test_a_first_beat_already_old_by_the_wall_clock_is_stale() -> None:
    """A reader that starts after the county died sees only the retained copy."""
    clock = FakeClock()
    live = CountyLiveness(clock, heartbeat_s=5)
    live.on_state(_beat(clock, ts_ms=epoch_ms(clock) - 60_000))
    assert live.online() is False
    clock.advance(1)
    live.on_state(_beat(clock))  # the county is back
    assert live.online() is True


def test_clock_skew_does_not_matter_once_beats_come() -> None:
    clock = FakeClock()
    live = CountyLiveness(clock, heartbeat_s=5)
    skew_ms = -7_000  # the county's clock runs 7 s behind the reader's
    live.on_state(_beat(clock, ts_ms=epoch_ms(clock) + skew_ms))  # first: judged by the wall clock
    for _ in range(5):
        clock.advance(5)
        live.on_state(_beat(clock, ts_ms=epoch_ms(clock) + skew_ms))
        assert live.online() is True


def test_offline_counts_at_once_even_with_an_old_timestamp() -> None:
    """The last will carries the timestamp of the connect it was set at."""
    clock = FakeClock()
    live = CountyLiveness(clock, heartbeat_s=5)
    will = _beat(clock, online=False)
    clock.advance(100)
    live.on_state(_beat(clock))
    live.on_state(will)
    assert live.online() is False
    clock.advance(1)
    live.on_state(_beat(clock))
    assert live.online() is True


def test_on_state_says_when_the_county_is_back() -> None:
    """Back: first heard, online after offline, or beats resuming after a gap (its broker was away
    and may have lost what it held); not on every regular beat, nor on a replay."""
    clock = FakeClock()
    live = CountyLiveness(clock, heartbeat_s=10)
    assert live.on_state(_beat(clock)) is True  # first heard
    clock.advance(10)
    assert live.on_state(_beat(clock)) is False  # a regular beat
    last = _beat(clock)
    clock.advance(10)
    assert live.on_state(_beat(clock)) is False
    assert live.on_state(last) is False  # a replay
    clock.advance(16)  # more than 1.5 heartbeats without a beat, still online (< 2 heartbeats)
    assert live.online() is True
    assert live.on_state(_beat(clock)) is True
    live.on_state(_beat(clock, online=False))
    clock.advance(1)
    assert live.on_state(_beat(clock)) is True  # online after offline
