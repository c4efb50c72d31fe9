"""One Screen class per controller state; each `.kv` file next to this one lays one of them out.

Screens hold plain Kivy properties that their kv binds to; `update(vm)` copies the view-model in,
and touches go straight to the controller's `touch_*` methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

import ui.kv
from core.levels import Level

# The kv files use these classes by name: importing them registers them with Kivy's Factory.
from evaluator.view import widgets  # noqa: F401
from evaluator.viewmodel import ViewModel
from ui import choices, marks, qr, rating  # noqa: F401

KV_DIR = Path(__file__).parent
SCREEN_KV = ("idle", "ready", "invited", "reasons", "rated", "thanks")


class Touches(Protocol):
    """What a screen may ask of the controller."""

    def touch_level(self, level: int) -> None: ...
    def touch_reason(self, code: str) -> None: ...
    def touch_public(self, public: bool) -> None: ...
    def touch_submit(self) -> None: ...
    def touch_back(self) -> None: ...
    def touch_free_rating(self) -> None: ...


def load_kv() -> None:
    ui.kv.load_kv(KV_DIR, SCREEN_KV)


class EvalScreen(Screen):
    landscape = BooleanProperty(True)
    touches: Any = ObjectProperty(None)
    window = StringProperty("")
    window_en = StringProperty("")
    remaining = StringProperty("")
    clerk_name = StringProperty("")
    clerk_id = StringProperty("")
    clerk_title = StringProperty("")
    clerk_photo = StringProperty("")
    level = ObjectProperty(None, allownone=True)
    level_zh = StringProperty("")
    level_en = StringProperty("")

    def update(self, vm: ViewModel) -> None:
        self.window, self.window_en = vm.window_name, vm.window_name_en
        self.remaining = (
            f"剩余 {vm.remaining_s} 秒\n[size=20]{vm.remaining_s} s left[/size]" if vm.remaining_s else ""
        )
        c = vm.clerk
        self.clerk_name = c.name if c else ""
        self.clerk_id = c.id if c else ""
        self.clerk_title = c.title if c else ""
        self.clerk_photo = c.photo if c else ""
        self.level = vm.level
        self.level_zh = Level(vm.level).zh if vm.level else ""
        self.level_en = Level(vm.level).en if vm.level else ""


class IdleScreen(EvalScreen):
    pass


class ReadyScreen(EvalScreen):
    free_available = BooleanProperty(False)

    def update(self, vm: ViewModel) -> None:
        super().update(vm)
        self.free_available = vm.free_rating_available


class InvitedScreen(EvalScreen):
    qr_url = StringProperty("")
    case_zh = StringProperty("")
    case_en = StringProperty("")

    def update(self, vm: ViewModel) -> None:
        super().update(vm)
        self.qr_url = vm.qr_url
        case = vm.case
        if case is None or case.case_id is None:
            self.case_zh, self.case_en = "本窗口服务评价", "Rating of this window's service"
            return
        extra = f"办件编号 Case No. {case.case_id}"
        if case.assess_number == 2:
            extra += " · 第二次评价 2nd rating"
        if case.applicant_masked:
            extra += f" · 申请人 {case.applicant_masked}"
        self.case_zh, self.case_en = case.item_name or "办件评价", extra


class ReasonsScreen(EvalScreen):
    public = BooleanProperty(True)
    can_submit = BooleanProperty(False)
    columns = NumericProperty(2)

    def update(self, vm: ViewModel) -> None:
        super().update(vm)
        self.public = vm.public
        self.can_submit = vm.can_submit
        self.ids.reasons.set_items(vm.reasons)


class RatedScreen(EvalScreen):
    failed = BooleanProperty(False)

    def update(self, vm: ViewModel) -> None:
        super().update(vm)
        self.failed = vm.message_is_error


class ThanksScreen(EvalScreen):
    pass


SCREENS: dict[str, type[EvalScreen]] = {
    "idle": IdleScreen,
    "ready": ReadyScreen,
    "invited": InvitedScreen,
    "reasons": ReasonsScreen,
    "rated": RatedScreen,
    "thanks": ThanksScreen,
}
