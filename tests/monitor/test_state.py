from core import topics
from core.clock import FakeClock, epoch_ms
from core.hall_view import SILENT_AFTER_MS, HallState
from core.levels import Level
from core.messages import Backlog
from monitor.render import render
from tests.support.hall_messages import rating_now, status_payload


def test_late_last_will_of_an_older_session_is_ignored() -> None:
    clock = FakeClock()
    st = HallState(clock)
    t = topics.status("h1", "ev-01")
    st.on_message(t, status_payload(clock, "online", 7))
    st.on_message(t, status_payload(clock, "offline", 6))  # the will of the connection before
    assert st.devices[("h1", "ev-01")].online
    st.on_message(t, status_payload(clock, "offline", 7))  # the will of the live session: really gone
    assert st.devices[("h1", "ev-01")].health(epoch_ms(clock)) == "offline"


def test_silent_and_degraded_devices() -> None:
    clock = FakeClock()
    st = HallState(clock)
    t = topics.status("h1", "ev-01")
    st.on_message(
        t,
        status_payload(
            clock,
            "online",
            1,
            peripherals={"keypad": "missing"},
            backlog=Backlog(unacked=12, oldest_age_s=40.0),
        ),
    )
    dev = st.devices[("h1", "ev-01")]
    assert dev.health(epoch_ms(clock)) == "degraded"
    clock.advance(SILENT_AFTER_MS / 1000 + 1)
    assert dev.health(epoch_ms(clock)) == "silent"
    assert "keypad=missing" in render(st)


def test_tally_counts_each_event_once_and_alerts_bad_ratings() -> None:
    clock = FakeClock()
    st = HallState(clock)
    t = topics.event("h1", "ev-01", "rating")
    good = rating_now(clock, 5)
    bad = rating_now(clock, 1, reasons=["R01"], case_id="C-1")
    for ev in (good, good, bad, bad):  # resent before the county's ack: still once each
        st.on_message(t, ev.to_json())
    assert st.tally[Level.VERY_SATISFIED] == 1 and st.tally[Level.VERY_DISSATISFIED] == 1
    assert [a.case_id for a in st.alerts] == ["C-1"]
    assert st.satisfaction == 0.5
    screen = render(st)
    assert "差评待回访 bad ratings to follow up: 1" in screen and "C-1" in screen


def test_malformed_messages_are_counted_not_raised() -> None:
    st = HallState(FakeClock())
    st.on_message(topics.status("h1", "ev-01"), b"{not json")
    st.on_message(topics.event("h1", "ev-01", "rating"), b'{"schema": "hall.rating/1"}')
    st.on_message("hall/v1/BAD/x/status", b"{}")
    assert st.rejected_messages == 3 and not st.devices


def test_county_goes_offline_when_its_beats_stop_and_a_replay_does_not_revive_it() -> None:
    from core.messages import COUNTY_HEARTBEAT_S, CountyState

    clock = FakeClock()
    st = HallState(clock)
    beat = CountyState(online=True, timestamp=epoch_ms(clock)).to_json()
    st.on_message(topics.COUNTY_STATE, beat)
    assert st.county_online is True
    clock.advance(2 * COUNTY_HEARTBEAT_S + 1)
    assert st.county_online is False
    assert "OFFLINE" in render(st)
    st.on_message(topics.COUNTY_STATE, beat)  # a restarted county broker's retained copy
    assert st.county_online is False


def test_follow_up_list_says_the_reason_and_the_clerk() -> None:
    from core.events import StaffRef

    clock = FakeClock()
    st = HallState(clock)
    t = topics.event("h1", "ev-01", "rating")
    at_keypad = rating_now(clock, 2, reasons=["R00"], case_id="C-7", staff=[StaffRef(id="S1", name="王芳")])
    on_screen = rating_now(
        clock, 1, reasons=["R01", "R05"], case_id="C-8", staff=[StaffRef(id="S2", name="李强")]
    )
    for ev in (at_keypad, on_screen):
        st.on_message(t, ev.to_json())
    screen = render(st)
    assert "原因 R0" not in screen, screen
    assert "键盘评价，未说明原因 — 请回访" in screen and "王芳" in screen
    assert "服务态度不好；等候时间过长" in screen and "李强" in screen


def test_upstream_status_line() -> None:
    from core.upstream import UpstreamStatus

    clock = FakeClock()
    st = HallState(clock)
    assert "upstream" not in render(st)  # no county reporting upstream: no line
    t = epoch_ms(clock)
    st.on_message(
        topics.UPSTREAM_STATUS,
        UpstreamStatus(
            timestamp=t,
            province="province.example:443",
            waiting=1204,
            oldest_age_s=7300,
            refused=2,
            unreachable_since=t - 2 * 3600 * 1000,
            last_error="ConnectError: [Errno 111] Connection refused",
        ).to_json(),
    )
    line = render(st).splitlines()[1]
    assert line.startswith("上报省平台 upstream: 1,204 待上报 waiting, oldest 2 h")
    assert "province unreachable for 2 h" in line and "2 被拒待处理 refused" in line
    assert "Connection refused" in line
    st.on_message(topics.UPSTREAM_STATUS, b"{not json")
    assert st.rejected_messages == 1 and st.upstream is not None
