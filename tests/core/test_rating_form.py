"""The one rating form shared by the evaluator and the kiosk (docs/evaluator.md, "Rules it enforces")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FakeClock, now
from core.device_config import DeviceConfig
from core.events import CHANNEL_HALL_TABLET, RatingEvent, StaffRef
from core.levels import Level
from core.rating_form import RatingForm, RatingFormError, RatingSource, RatingSubject

SOURCE = RatingSource("demo-hall", "eval-01", "w01", "110101", CHANNEL_HALL_TABLET)


def _form(has_screen: bool = True, config: DeviceConfig | None = None) -> RatingForm:
    subject = RatingSubject(
        invited_at=now(FakeClock()),
        case_id="C2026001",
        item_code="11110000",
        item_name="户籍证明",
        staff=(StaffRef(id="S01", name="李明"),),
    )
    return RatingForm.for_config(subject, config or DeviceConfig(), has_screen=has_screen)


def _later(form: RatingForm):
    return form.subject.invited_at + timedelta(seconds=3)


def test_no_level_until_chosen() -> None:
    form = _form()
    assert form.level is None
    assert form.public is True
    assert not form.complete
    with pytest.raises(RatingFormError, match="请选择评价等级"):
        form.build(SOURCE, _later(form))


def test_good_rating_builds_event() -> None:
    form = _form()
    form.choose(5, "touch")
    ev = form.build(SOURCE, _later(form))
    assert isinstance(ev, RatingEvent)
    assert (ev.level, ev.input, ev.case_id, ev.channel) == (Level.VERY_SATISFIED, "touch", "C2026001", 4)
    assert ev.reasons == [] and ev.public is True
    assert [s.id for s in ev.staff] == ["S01"]


def test_bad_rating_needs_reason_or_comment() -> None:
    form = _form()
    form.choose(Level.DISSATISFIED, "touch")
    assert form.needs_reason
    with pytest.raises(RatingFormError, match="原因"):
        form.build(SOURCE, _later(form))
    assert form.toggle_reason("R02") is True
    form.set_public(False)
    ev = form.build(SOURCE, _later(form))
    assert ev.reasons == ["R02"] and ev.public is False and ev.level == 2


def test_bad_rating_with_comment_only() -> None:
    form = _form()
    form.choose(1, "touch")
    form.set_comment("  窗口无人  ")
    assert form.build(SOURCE, _later(form)).comment == "窗口无人"


def test_toggle_twice_unselects_and_unknown_code_refused() -> None:
    form = _form()
    form.choose(1, "touch")
    form.toggle_reason("R01")
    assert form.toggle_reason("R01") is False
    assert form.needs_reason
    with pytest.raises(RatingFormError, match="unknown reason"):
        form.toggle_reason("NOPE")


def test_changing_to_good_level_drops_reasons() -> None:
    form = _form()
    form.choose(1, "touch")
    form.toggle_reason("R01")
    form.choose(4, "touch")
    assert form.build(SOURCE, _later(form)).reasons == []


def test_keypad_only_bad_rating_uses_configured_reason() -> None:
    form = _form(has_screen=False, config=DeviceConfig(keypad_reason="K09"))
    form.choose(1, "keypad")
    assert form.complete
    assert form.build(SOURCE, _later(form)).reasons == ["K09"]


def test_keypad_press_on_a_screen_device_still_asks_for_reason() -> None:
    form = _form(has_screen=True)
    form.choose(2, "keypad")
    assert form.needs_reason


def test_comment_capped() -> None:
    form = _form()
    form.set_comment("差" * 900)
    assert len(form.comment) == 500
