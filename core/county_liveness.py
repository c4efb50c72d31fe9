"""Is the county service alive? Judged from `county/v1/state` beats, not from the last word alone.

The county service re-publishes `county/v1/state` (retained) every `COUNTY_HEARTBEAT_S` seconds
with a fresh `timestamp` (docs/contracts.md). Its last will says `online: false` when it dies, but
a county broker killed with it (SIGKILL, power cut) never sends that will, and on restart it
re-sends its persisted retained `online: true`. So a reader believes `online: true` only while
fresh beats keep coming: the county counts as offline once no beat newer than the last one seen
has arrived for 2 x the heartbeat. `online: false` always counts at once.

Freshness is measured on the reader's monotonic clock from when a *new* beat (a timestamp later
than any seen) arrived, so a replayed retained copy refreshes nothing and clock skew between the
county and the reader does not matter. Only a reader that has seen no beat before (just started)
falls back to comparing the beat's timestamp with its own wall clock.
"""

from __future__ import annotations

from core.clock import Clock
from core.messages import COUNTY_HEARTBEAT_S, CountyState


class CountyLiveness:
    """Feed it every `county/v1/state`; ask `online()` at any time (pure; a `Clock` drives it)."""

    def __init__(self, clock: Clock, heartbeat_s: float = COUNTY_HEARTBEAT_S) -> None:
        self.clock = clock
        self.heartbeat_s = heartbeat_s
        self._said_online: bool | None = None
        self._newest_ms: int | None = None  # the latest beat's own timestamp
        self._fresh_at = 0.0  # monotonic time that beat counts from

    @property
    def stale_after_s(self) -> float:
        return 2 * self.heartbeat_s

    def on_state(self, state: CountyState) -> bool:
        """Take one state; True when it says the county is back: online after offline or nothing,
        or beats resuming after more than 1.5 heartbeats without one (its broker or the bridge was
        away, and what was sent meanwhile may be lost with it: worth sending again at once)."""
        if not state.online:
            # Offline needs no freshness: a last will carries the timestamp of its connect.
            self._said_online = False
            return False
        if self._newest_ms is not None and state.timestamp <= self._newest_ms:
            return False  # a replay (a restarted broker's retained copy) or out of order: nothing new
        now = self.clock.monotonic()
        back = not self.online() or now - self._fresh_at > 1.5 * self.heartbeat_s
        if self._newest_ms is None:
            # First beat heard: only the wall clocks can tell how old it already is.
            age_s = max(0.0, self.clock.time() - state.timestamp / 1000)
            self._fresh_at = now - age_s
        else:
            self._fresh_at = now
        self._newest_ms = state.timestamp
        self._said_online = True
        return back

    def online(self) -> bool | None:
        """None: never heard of the county; False: said offline, or its beats stopped."""
        if self._said_online is None:
            return None
        return self._said_online and self.expires_in() > 0

    def expires_in(self) -> float:
        """Seconds until the current online beat goes stale (<= 0: stale already or offline)."""
        if not self._said_online:
            return 0.0
        return self._fresh_at + self.stale_after_s - self.clock.monotonic()
