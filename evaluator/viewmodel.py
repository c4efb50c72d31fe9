"""The plain view-model the controller exposes; the Kivy view only renders it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class State(Enum):
    IDLE = "idle"  # no clerk signed in
    READY = "ready"  # a clerk is signed in, no rating open
    INVITED = "invited"  # a rating is open (a case, or a free rating after the 请评价 key)
    RATED = "rated"  # a level is chosen and the event is being stored (or waits to retry)
    REASONS = "reasons"  # a 差评 was chosen: reasons and public/not-public
    THANKS = "thanks"  # stored; 谢谢您的评价


@dataclass(frozen=True)
class ClerkView:
    id: str
    name: str
    title: str = ""
    photo: str = ""


@dataclass(frozen=True)
class CaseView:
    case_id: str | None
    assess_number: int
    item_name: str
    applicant_masked: str = ""


@dataclass(frozen=True)
class ReasonView:
    code: str
    text: str
    text_en: str
    selected: bool


@dataclass(frozen=True)
class ViewModel:
    state: State
    window_name: str
    window_name_en: str
    clerk: ClerkView | None = None
    case: CaseView | None = None
    qr_url: str = ""
    remaining_s: int = 0
    level: int | None = None
    reasons: tuple[ReasonView, ...] = ()
    public: bool = True
    can_submit: bool = False
    message: str = ""
    message_is_error: bool = False
    identify: bool = False
    free_rating_available: bool = False
