"""The manager's model says what each message changed (the console's live updates) and which
devices fell silent with no message at all; clerks and last ratings per device."""

from core import topics
from core.clock import FakeClock, epoch_ms, now
from core.events import SignoutEvent, StaffRef
from core.hall_view import SILENT_AFTER_MS, HallState
from core.messages import Backlog, DiskState, Telemetry
from tests.support.events import signin
from tests.support.hall_messages import rating_now, status_payload


def test_each_message_says_which_device_changed_and_which_rating_is_new() -> None:
    clock = FakeClock()
    st = HallState(clock)
    ch = st.on_message(topics.status("h1", "ev-01"), status_payload(clock, "online", 1))
    assert ch.device is not None and ch.device.device == "ev-01" and ch.rating is None
    ev = rating_now(clock, 1, reasons=["R01"])
    ch = st.on_message(topics.event("h1", "ev-01", "rating"), ev.to_json())
    assert ch.rating is not None and ch.rating.event_id == ev.event_id
    assert ch.device is not None and ch.device.last_rating == ev
    again = st.on_message(topics.event("h1", "ev-01", "rating"), ev.to_json())  # resent: not new
    assert again.rating is None
    assert st.on_message(topics.status("h1", "ev-01"), b"{bad").device is None
    stale = st.on_message(topics.status("h1", "ev-01"), status_payload(clock, "offline", 0))  # an old will
    assert stale.device is None and st.devices[("h1", "ev-01")].online


def test_sweep_reports_a_device_once_when_it_falls_silent_and_again_when_it_speaks() -> None:
    clock = FakeClock()
    st = HallState(clock)
    st.on_message(topics.status("h1", "ev-01"), status_payload(clock, "online", 1))
    assert st.sweep() == []  # nothing changed since the message said so
    clock.advance(SILENT_AFTER_MS / 1000 + 1)
    [dev] = st.sweep()
    assert dev.health(epoch_ms(clock)) == "silent"
    assert st.sweep() == []  # told once
    tm = Telemetry(
        hall_id="h1",
        device_id="ev-01",
        timestamp=epoch_ms(clock),
        uptime_s=1,
        cpu_percent=1,
        rss_bytes=1,
        backlog=Backlog(unacked=0),
        disk=DiskState(free_bytes=10**9, low=False),
    )
    ch = st.on_message(topics.telemetry("h1", "ev-01"), tm.to_json())
    assert ch.device is not None and ch.device.health(epoch_ms(clock)) == "online"
    assert st.sweep() == []


def test_the_signed_in_clerk_follows_signin_and_signout() -> None:
    clock = FakeClock()
    st = HallState(clock)
    st.on_message(
        topics.event("h1", "ev-01", "signin"),
        signin("h1", "ev-01", staff=StaffRef(id="s-1", name="王芳")).to_json(),
    )
    assert st.devices[("h1", "ev-01")].clerk == StaffRef(id="s-1", name="王芳")
    out = SignoutEvent(
        hall_id="h1", device_id="ev-01", window_id="w1", staff=StaffRef(id="s-1", name="王芳"), at=now(clock)
    )
    ch = st.on_message(topics.event("h1", "ev-01", "signout"), out.to_json())
    assert ch.device is not None and ch.device.clerk is None
