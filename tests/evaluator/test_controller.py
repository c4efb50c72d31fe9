"""Unit tests of the evaluator controller: every transition and timeout, on a FakeClock.

The sink and the keypad are the outer edges here (recorders); the controller is real.
"""

from __future__ import annotations

import json
from typing import TypeVar

import pytest

from core.clock import FakeClock
from core.device_config import DeviceConfig, StaffMember
from core.events import (
    CHANNEL_HALL_TABLET,
    CHANNEL_HALL_TERMINAL,
    Event,
    ExpiredEvent,
    RatingEvent,
    SigninEvent,
    SignoutEvent,
)
from drivers.keypad.events import KeyPressed
from evaluator.config_store import ConfigStore
from evaluator.controller import DeviceIdentity, EvaluatorController
from evaluator.ports import Prompt
from evaluator.viewmodel import State, ViewModel

IDENTITY = DeviceIdentity("demo-hall", "eval-01", "w01", "110101")
E = TypeVar("E", bound=Event)
ROSTER = [
    StaffMember(id="S01", name="李明", card="CARD-0001"),
    StaffMember(id="S02", name="王芳", card="CARD-0002"),
]


class Sink:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.fail = False
        self.seq = 0

    def put(self, event: Event) -> Event:
        if self.fail:
            raise OSError("disk full")
        self.seq += 1
        stored = event.model_copy(update={"seq": self.seq})
        self.events.append(stored)
        return stored

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


class Keypad:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.enabled = False

    def enable_keys(self, seconds: int) -> None:
        self.enabled = True
        self.calls.append(("enable", seconds))

    def disable_keys(self) -> None:
        self.enabled = False
        self.calls.append(("disable",))

    def play(self, prompt: Prompt) -> None:
        self.calls.append(("play", prompt))

    def blink(self, seconds: float) -> None:
        self.calls.append(("blink", seconds))


class Audio:
    def __init__(self) -> None:
        self.played: list[Prompt] = []

    def play(self, prompt: Prompt) -> None:
        self.played.append(prompt)


def make(
    has_screen: bool = True, config: DeviceConfig | None = None, **kw
) -> tuple[EvaluatorController, FakeClock, Sink, Keypad]:
    clock, sink, keypad = FakeClock(), Sink(), Keypad()
    cfg = config or DeviceConfig(
        window_name="1号窗口", staff=ROSTER, rating_url="https://r.example/r?case={case_id}&n={assess_number}"
    )
    c = EvaluatorController(IDENTITY, cfg, clock, sink, has_screen=has_screen, keypad=keypad, **kw)
    return c, clock, sink, keypad


def st(c: EvaluatorController) -> State:
    """The state now (a call, so mypy does not narrow it across actions)."""
    return c.state


def invite(c: EvaluatorController, case_id: str = "C001", **extra) -> str:
    body = {"schema": "hall.invite/1", "case_id": case_id, "item_name": "户籍证明", **extra}
    return c.on_command("invite", json.dumps(body).encode()).result


def signed_in(**kw) -> tuple[EvaluatorController, FakeClock, Sink, Keypad]:
    c, clock, sink, keypad = make(**kw)
    c.staff_card("CARD-0001")
    return c, clock, sink, keypad


# -- sign in / out ---------------------------------------------------------------------------


def test_starts_idle_with_keys_untouched_and_no_level() -> None:
    c, _, sink, _ = make()
    vm = c.view_model()
    assert vm.state is State.IDLE and vm.level is None and vm.window_name == "1号窗口"
    assert sink.events == []


def test_known_card_signs_in_and_same_card_signs_out() -> None:
    c, _, sink, _ = make()
    c.staff_card("CARD-0001\r\n")
    assert st(c) is State.READY
    assert c.view_model().clerk is not None
    (ev,) = sink.of(SigninEvent)
    assert (ev.staff.id, ev.staff.name, ev.window_id) == ("S01", "李明", "w01")
    c.staff_card("CARD-0001")
    assert st(c) is State.IDLE
    (out,) = sink.of(SignoutEvent)
    assert out.cause == "card" and out.staff.id == "S01"


def test_unknown_card_shows_message_and_sends_nothing() -> None:
    c, clock, sink, _ = make()
    c.staff_card("CARD-9999")
    vm = c.view_model()
    assert vm.state is State.IDLE and "未登记" in vm.message and vm.message_is_error
    assert sink.events == []
    clock.advance(6)
    c.tick()
    assert c.view_model().message == ""


def test_second_card_signs_out_first_then_signs_in() -> None:
    c, _, sink, _ = signed_in()
    c.staff_card("CARD-0002")
    kinds = [(type(e).__name__, e.staff.id) for e in sink.events if isinstance(e, SigninEvent | SignoutEvent)]
    assert kinds == [("SigninEvent", "S01"), ("SignoutEvent", "S01"), ("SigninEvent", "S02")]
    assert sink.of(SignoutEvent)[0].cause == "another_card"
    vm = c.view_model()
    assert vm.clerk is not None and vm.clerk.id == "S02"


# -- invitations -----------------------------------------------------------------------------


def test_invite_refused_without_clerk() -> None:
    c, _, _, keypad = make()
    assert invite(c) == "refused"
    assert st(c) is State.IDLE and keypad.calls == []


def test_invite_with_bad_payload_refused() -> None:
    c, *_ = signed_in()
    reply = c.on_command("invite", b'{"schema": "hall.invite/1"}')
    assert reply.result == "refused" and "case_id" in (reply.reason or "")
    assert c.on_command("invite", b"not json").result == "refused"
    assert c.on_command("launch", b"{}").result == "refused"


def test_invite_opens_rating_enables_keys_and_prompts() -> None:
    audio = Audio()
    c, _, _, keypad = signed_in(audio=audio)
    assert invite(c, expires_in_s=30) == "accepted"
    vm = c.view_model()
    assert vm.state is State.INVITED and vm.level is None
    assert vm.case is not None and vm.case.item_name == "户籍证明" and vm.remaining_s == 30
    assert vm.qr_url == "https://r.example/r?case=C001&n=1"
    assert keypad.calls[-1] == ("enable", 30) and keypad.enabled
    assert audio.played == [Prompt.PLEASE_RATE]


def test_busy_when_invited_twice_and_resent_invite_accepted() -> None:
    c, *_ = signed_in()
    assert invite(c, "C001") == "accepted"
    assert invite(c, "C002") == "busy"
    assert invite(c, "C001") == "accepted"  # the same invitation resent (QoS 1 redelivery)
    assert c.view_model().case.case_id == "C001"  # type: ignore[union-attr]


def test_good_keypad_press_stores_rating_then_thanks_then_ready() -> None:
    audio = Audio()
    c, clock, sink, keypad = signed_in(audio=audio)
    invite(c, staff=[{"id": "S07", "name": "赵强"}])
    clock.advance(4)
    c.keypad_key(KeyPressed(5))
    (ev,) = sink.of(RatingEvent)
    assert (ev.level, ev.case_id, ev.input, ev.channel) == (5, "C001", "keypad", CHANNEL_HALL_TABLET)
    assert [s.id for s in ev.staff] == ["S07"] and ev.seq > 0
    assert (ev.rated_at - ev.invited_at).total_seconds() == 4
    vm = c.view_model()
    assert vm.state is State.THANKS and vm.level == 5
    assert not keypad.enabled and audio.played[-1] is Prompt.THANKS
    clock.advance(3)
    c.tick()
    assert st(c) is State.READY


def test_one_rating_per_invitation() -> None:
    c, clock, sink, _ = signed_in()
    invite(c)
    c.touch_level(4)
    c.touch_level(5)
    c.keypad_key(KeyPressed(3))
    clock.advance(5)
    c.tick()
    c.keypad_key(KeyPressed(1))
    assert [e.level for e in sink.of(RatingEvent)] == [4]
    assert invite(c, "C001") == "refused"  # the same case again: 一事一评
    assert invite(c, "C001", assess_number=2) == "accepted"  # the second round is its own rating


def test_no_rating_without_open_window() -> None:
    c, _, sink, _ = signed_in()
    c.touch_level(5)
    c.keypad_key(KeyPressed(1))
    c.touch_submit()
    assert sink.of(RatingEvent) == []
    assert st(c) is State.READY


def test_invite_staff_defaults_to_clerk() -> None:
    c, _, sink, _ = signed_in()
    invite(c)
    c.touch_level(3)
    assert [s.id for s in sink.of(RatingEvent)[0].staff] == ["S01"]


# -- 差评 --------------------------------------------------------------------------------------


def test_bad_rating_without_reason_refused_then_sent_with_reason() -> None:
    c, _, sink, keypad = signed_in()
    invite(c)
    c.touch_level(1)
    vm = c.view_model()
    assert vm.state is State.REASONS and not vm.can_submit
    assert [r.code for r in vm.reasons][:2] == ["R01", "R02"]
    c.touch_submit()
    assert sink.of(RatingEvent) == [] and "原因" in c.view_model().message
    c.touch_reason("R03")
    c.touch_public(False)
    assert c.view_model().can_submit
    c.touch_submit()
    (ev,) = sink.of(RatingEvent)
    assert (ev.level, ev.reasons, ev.public, ev.input) == (1, ["R03"], False, "touch")
    assert st(c) is State.THANKS and not keypad.enabled


def test_bad_rating_other_bad_level_does_not_send_before_confirm() -> None:
    c, _, sink, _ = signed_in()
    invite(c)
    c.keypad_key(KeyPressed(2))
    c.touch_reason("R01")
    c.touch_level(1)  # changes the level on the reasons screen
    assert st(c) is State.REASONS and sink.of(RatingEvent) == []
    c.keypad_key(KeyPressed("confirm"))
    assert sink.of(RatingEvent)[0].level == 1


def test_back_from_reasons_clears_level() -> None:
    c, _, sink, _ = signed_in()
    invite(c)
    c.touch_level(2)
    c.touch_back()
    vm = c.view_model()
    assert vm.state is State.INVITED and vm.level is None
    c.keypad_key(KeyPressed(1))
    c.keypad_key(KeyPressed("cancel"))
    assert c.view_model().level is None and sink.of(RatingEvent) == []


def test_reasons_screen_gets_time_even_near_the_end_of_a_free_window() -> None:
    c, clock, sink, _ = signed_in()
    c.keypad_key(KeyPressed("invite"))
    clock.advance(9)
    c.keypad_key(KeyPressed(1))
    clock.advance(30)
    c.tick()
    assert st(c) is State.REASONS
    clock.advance(31)
    c.tick()
    assert st(c) is State.READY and sink.of(RatingEvent) == []


def test_keypad_only_bad_rating_uses_keypad_reason_and_terminal_channel() -> None:
    c, _, sink, keypad = signed_in(has_screen=False)
    invite(c)
    assert ("play", Prompt.PLEASE_RATE) in keypad.calls
    c.keypad_key(KeyPressed(2))
    (ev,) = sink.of(RatingEvent)
    assert ev.reasons == ["R00"] and ev.channel == CHANNEL_HALL_TERMINAL
    assert ("play", Prompt.THANKS) in keypad.calls


def test_configured_channel_wins() -> None:
    cfg = DeviceConfig(staff=ROSTER, channel=9)
    c, _, sink, _ = make(config=cfg)
    c.staff_card("CARD-0001")
    invite(c)
    c.touch_level(5)
    assert sink.of(RatingEvent)[0].channel == 9


# -- timeouts ----------------------------------------------------------------------------------


def test_invitation_expires_with_expired_event() -> None:
    c, clock, sink, keypad = signed_in()
    invite(c, item_code="11110000")
    clock.advance(119)
    c.tick()
    assert st(c) is State.INVITED and c.view_model().remaining_s == 1
    clock.advance(1)
    c.tick()
    assert st(c) is State.READY and not keypad.enabled
    (ev,) = sink.of(ExpiredEvent)
    assert (ev.case_id, ev.item_code) == ("C001", "11110000")
    assert (ev.expired_at - ev.invited_at).total_seconds() == 120
    c.keypad_key(KeyPressed(5))
    assert sink.of(RatingEvent) == []


def test_expires_in_s_overrides_ttl() -> None:
    c, clock, sink, _ = signed_in()
    invite(c, expires_in_s=10)
    clock.advance(10)
    c.tick()
    assert len(sink.of(ExpiredEvent)) == 1


def test_cancel_command() -> None:
    c, _, sink, keypad = signed_in()
    invite(c)
    assert c.on_command("cancel", b'{"schema":"hall.cancel/1","case_id":"OTHER"}').result == "refused"
    assert c.on_command("cancel", b'{"schema":"hall.cancel/1","case_id":"C001"}').result == "accepted"
    assert st(c) is State.READY and not keypad.enabled
    assert sink.of(ExpiredEvent) == [] and sink.of(RatingEvent) == []


# -- free rating -------------------------------------------------------------------------------


def test_free_rating_window_and_min_interval() -> None:
    c, clock, sink, keypad = signed_in()
    c.keypad_key(KeyPressed("invite"))
    vm = c.view_model()
    assert vm.state is State.INVITED and vm.case is not None and vm.case.case_id is None
    assert keypad.calls[-1] == ("enable", 10) and vm.qr_url == ""
    clock.advance(10)
    c.tick()
    assert st(c) is State.READY and sink.of(ExpiredEvent) == []  # a free window leaves no trace
    clock.advance(2)
    c.keypad_key(KeyPressed("invite"))
    assert st(c) is State.READY and "请稍候" in c.view_model().message
    clock.advance(3)
    c.keypad_key(KeyPressed("invite"))
    assert st(c) is State.INVITED
    c.keypad_key(KeyPressed(4))
    (ev,) = sink.of(RatingEvent)
    assert ev.case_id is None and ev.level == 4 and [s.id for s in ev.staff] == ["S01"]


def test_free_rating_needs_clerk_and_permission() -> None:
    c, *_ = make()
    c.keypad_key(KeyPressed("invite"))
    assert st(c) is State.IDLE and "签到" in c.view_model().message
    cfg = DeviceConfig(staff=ROSTER, allow_free_rating=False)
    c2, *_ = make(config=cfg)
    c2.staff_card("CARD-0001")
    c2.keypad_key(KeyPressed("invite"))
    assert st(c2) is State.READY and "未开放" in c2.view_model().message


def test_free_rating_refused_while_invitation_open() -> None:
    c, *_ = signed_in()
    invite(c)
    c.keypad_key(KeyPressed("invite"))
    assert c.view_model().case.case_id == "C001"  # type: ignore[union-attr]


# -- scanner -----------------------------------------------------------------------------------


def test_scan_invites_case_with_clerk_as_staff() -> None:
    c, _, sink, _ = signed_in()
    c.scan("BJ20261123-0042\r")
    vm = c.view_model()
    assert vm.state is State.INVITED and vm.case.case_id == "BJ20261123-0042"  # type: ignore[union-attr]
    c.touch_level(5)
    ev = sink.of(RatingEvent)[0]
    assert ev.case_id == "BJ20261123-0042" and [s.id for s in ev.staff] == ["S01"]


def test_scan_needs_clerk_and_sane_code() -> None:
    c, *_ = make()
    c.scan("C001")
    assert st(c) is State.IDLE and "签到" in c.view_model().message
    c.staff_card("CARD-0001")
    c.scan("X" * 51)
    assert st(c) is State.READY and "条码" in c.view_model().message
    c.scan("C001")
    c.scan("C002")
    assert c.view_model().case.case_id == "C001"  # type: ignore[union-attr]


# -- the outbox refuses -----------------------------------------------------------------------


def test_store_failure_keeps_rating_and_retries_before_thanks() -> None:
    c, clock, sink, keypad = signed_in()
    invite(c)
    sink.fail = True
    c.touch_level(5)
    vm = c.view_model()
    assert vm.state is State.RATED and vm.level == 5 and vm.message_is_error and vm.can_submit
    assert not keypad.enabled  # the rating is taken: nobody can press again
    assert invite(c, "C002") == "busy"
    c.touch_submit()  # retry by hand: still failing
    clock.advance(2)
    c.tick()
    assert st(c) is State.RATED and sink.of(RatingEvent) == []
    sink.fail = False
    clock.advance(2)
    c.tick()
    (ev,) = sink.of(RatingEvent)
    assert ev.level == 5
    vm = c.view_model()
    assert vm.state is State.THANKS and vm.message == ""


def test_events_stay_in_order_after_a_failure() -> None:
    c, clock, sink, _ = make()
    sink.fail = True
    c.staff_card("CARD-0001")
    c.staff_card("CARD-0002")
    assert st(c) is State.READY  # signing in does not wait for the disk
    sink.fail = False
    clock.advance(2)
    c.tick()
    assert [type(e).__name__ for e in sink.events] == ["SigninEvent", "SignoutEvent", "SigninEvent"]
    assert [e.seq for e in sink.events] == [1, 2, 3]


# -- device duties ---------------------------------------------------------------------------


def test_identify_blinks_and_flashes_for_a_while() -> None:
    c, clock, _, keypad = make()
    assert c.on_command("identify", b'{"schema":"hall.identify/1","seconds":3}').result == "accepted"
    assert c.view_model().identify and ("blink", 3.0) in keypad.calls
    clock.advance(3)
    c.tick()
    assert not c.view_model().identify


def test_restart_replies_first_then_calls_back() -> None:
    called: list[bool] = []
    c, clock, *_ = make(on_restart=lambda: called.append(True))
    assert c.on_command("restart", b'{"schema":"hall.restart/1"}').result == "accepted"
    c.tick()
    assert called == []
    clock.advance(1)
    c.tick()
    assert called == [True]


def test_config_saved_and_reloaded(tmp_path) -> None:
    store = ConfigStore(tmp_path / "state" / "config.json")
    assert store.load() is None
    c, *_ = make(config_store=store)
    new = DeviceConfig(window_name="3号窗口", staff=ROSTER, future_field="kept")
    c.on_config(new)
    assert c.view_model().window_name == "3号窗口"
    loaded = store.load()
    assert loaded is not None and loaded.window_name == "3号窗口" and loaded.staff == new.staff
    (tmp_path / "state" / "config.json").write_text("{broken")
    assert store.load() is None


def test_listeners_called_on_change_only() -> None:
    seen: list[ViewModel] = []
    c, *_ = make()
    c.add_listener(seen.append)
    c.tick()
    c.tick()
    assert len(seen) == 1
    c.staff_card("CARD-0001")
    assert seen[-1].state is State.READY
    n = len(seen)
    c.tick()
    assert len(seen) == n


def test_shutdown_signs_out() -> None:
    c, _, sink, keypad = signed_in()
    c.shutdown()
    assert sink.of(SignoutEvent)[0].cause == "shutdown" and keypad.calls[-1] == ("disable",)


@pytest.mark.parametrize("key", [0, 6, "menu"])
def test_unknown_keys_ignored(key) -> None:
    c, _, sink, _ = signed_in()
    invite(c)
    c.keypad_key(KeyPressed(key))
    assert st(c) is State.INVITED and sink.of(RatingEvent) == []


def test_countdown_shown_in_5_s_steps_then_exact() -> None:
    c, clock, *_ = signed_in()
    invite(c, expires_in_s=30)
    shown = []
    for _ in range(30):
        shown.append(c.view_model().remaining_s)
        clock.advance(1)
        c.tick()
    assert shown[:3] == [30, 30, 30] and shown[3] == 30 and shown[4] == 30 and shown[5] == 25
    assert shown[-10:] == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
