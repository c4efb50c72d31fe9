"""One rating being filled in: the level the citizen chose, reasons, comment, public or not.

Shared by the window evaluator and the kiosk, so the rules of docs/evaluator.md ("Rules it
enforces") live in one place:
- no level until the citizen chooses one (never pre-selected);
- a 差评 (level 1-2) needs at least one reason code or a comment; on a device without a screen
  (a keypad-only box) it carries the configured `keypad_reason` code instead, so the county can
  follow up by phone (回访);
- public by default; the citizen may choose 不公开.

Plain Python: no Kivy, no I/O. `build()` makes the `RatingEvent` the outbox stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import ValidationError

from core.device_config import DeviceConfig, Reason
from core.events import RatingEvent, StaffRef
from core.levels import Level
from core.payload import one_line

InputKind = Literal["touch", "keypad", "qr"]
COMMENT_MAX = 500


class RatingFormError(ValueError):
    """The form cannot become an event yet; `str()` is one line, Chinese then English."""


@dataclass(frozen=True)
class RatingSubject:
    """What is rated: a case (None for a free rating without one), by whom, since when."""

    invited_at: datetime
    case_id: str | None = None
    assess_number: Literal[1, 2] = 1
    item_code: str | None = None
    item_name: str | None = None
    staff: tuple[StaffRef, ...] = ()
    applicant_masked: str | None = None  # shown on screen only, never put in the event


@dataclass(frozen=True)
class RatingSource:
    """Which device the rating comes from (the event's head)."""

    hall_id: str
    device_id: str
    window_id: str | None
    region_code: str
    channel: int


@dataclass
class RatingForm:
    subject: RatingSubject
    reason_list: tuple[Reason, ...]
    keypad_reason: str
    has_screen: bool = True
    level: Level | None = None
    input: InputKind | None = None
    reasons: list[str] = field(default_factory=list)
    comment: str = ""
    public: bool = True

    @classmethod
    def for_config(
        cls, subject: RatingSubject, config: DeviceConfig, *, has_screen: bool = True
    ) -> RatingForm:
        return cls(
            subject=subject,
            reason_list=tuple(config.reasons),
            keypad_reason=config.keypad_reason,
            has_screen=has_screen,
        )

    # -- what the citizen does -------------------------------------------------------------

    def choose(self, level: Level | int, input: InputKind) -> None:
        """The citizen picks a level (again, if they change their mind before confirming)."""
        new = Level(level)
        if self.level is not None and self.level.is_bad and not new.is_bad:
            self.reasons.clear()  # reasons belong to a 差评 only
        self.level = new
        self.input = input

    def toggle_reason(self, code: str) -> bool:
        """Select or unselect a reason; returns whether it is now selected."""
        if code not in self.reason_codes:
            raise RatingFormError(f"未知原因代码 {code!r} / unknown reason code")
        if code in self.reasons:
            self.reasons.remove(code)
            return False
        self.reasons.append(code)
        return True

    def set_comment(self, text: str) -> None:
        self.comment = text.strip()[:COMMENT_MAX]

    def set_public(self, public: bool) -> None:
        self.public = public

    # -- state -------------------------------------------------------------------------------

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reason_list)

    @property
    def needs_reason(self) -> bool:
        """A 差评 is chosen and still has neither a reason nor a comment."""
        return (
            self.level is not None
            and self.level.is_bad
            and not self.reasons
            and not self.comment
            and not self._keypad_fallback
        )

    @property
    def _keypad_fallback(self) -> bool:
        return not self.has_screen and self.input == "keypad"

    def problem(self) -> str | None:
        """Why the form cannot be sent yet (one line, zh / en), or None when it can."""
        if self.level is None:
            return "请选择评价等级 / Please choose a rating"
        if self.needs_reason:
            return "请至少选择一项不满意的原因 / Please choose at least one reason"
        return None

    @property
    def complete(self) -> bool:
        return self.problem() is None

    # -- the event ---------------------------------------------------------------------------

    def event_reasons(self) -> list[str]:
        if self.level is None or not self.level.is_bad:
            return []
        if not self.reasons and not self.comment and self._keypad_fallback:
            return [self.keypad_reason]
        return list(self.reasons)

    def build(self, source: RatingSource, rated_at: datetime) -> RatingEvent:
        """The event to hand to the outbox; raises `RatingFormError` when the form is incomplete."""
        why = self.problem()
        if why is not None or self.level is None or self.input is None:
            raise RatingFormError(why or "请选择评价等级 / Please choose a rating")
        s = self.subject
        try:
            return RatingEvent(
                hall_id=source.hall_id,
                device_id=source.device_id,
                window_id=source.window_id,
                region_code=source.region_code,
                channel=source.channel,
                input=self.input,
                case_id=s.case_id,
                assess_number=s.assess_number,
                item_code=s.item_code,
                item_name=s.item_name,
                staff=list(s.staff),
                level=self.level,
                reasons=self.event_reasons(),
                comment=self.comment,
                public=self.public,
                invited_at=s.invited_at,
                rated_at=max(rated_at, s.invited_at),
            )
        except ValidationError as e:
            raise RatingFormError(f"评价无法生成 / rating is invalid: {one_line(e)}") from None
