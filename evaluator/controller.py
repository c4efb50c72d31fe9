"""The window evaluator's controller: one case, one rating.

Plain Python (no Kivy), driven by a `core.clock.Clock` and by `tick()`, which the app calls about
twice a second. Inputs come from the staff-card reader, the barcode scanner, the keypad, the touch
view and MQTT commands (through `core.link`); every input method is thread-safe.

States (see `State`): idle (no clerk) → ready (clerk signed in) → invited (a rating is open) →
rated (level chosen; the event is being stored) or reasons (差评: reasons, public or not) → thanks
→ ready. The state is derived from the fields below rather than stored, so it cannot disagree
with them.

Rules enforced here (docs/evaluator.md, "Rules it enforces"): no level is pre-selected; a level
counts only while a rating is open, and the keypad's keys are enabled only then; one valid rating
per invitation (and a case already rated on this device is refused); a 差评 needs a reason
(`core.rating_form`); the event is in the outbox before the thank-you shows, and a rating the outbox
refused stays on screen and is retried, never dropped.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from core.clock import Clock, now
from core.commands import CancelCommand, CommandReply, IdentifyCommand, InviteCommand, RestartCommand
from core.device_config import DeviceConfig, StaffMember
from core.events import (
    CHANNEL_HALL_TABLET,
    CHANNEL_HALL_TERMINAL,
    Event,
    ExpiredEvent,
    RatingEvent,
    SigninEvent,
    SignoutEvent,
    StaffRef,
)
from core.levels import Level
from core.payload import PayloadError
from core.rating_form import InputKind, RatingForm, RatingFormError, RatingSource, RatingSubject
from core.recorder import NOT_SAVED, EventSink, Recorder
from drivers.keypad.events import KeyPressed
from evaluator.config_store import ConfigStore
from evaluator.ports import AudioPort, KeypadPort, Prompt
from evaluator.viewmodel import CaseView, ClerkView, ReasonView, State, ViewModel

log = logging.getLogger(__name__)

REASONS_MIN_S = 60.0  # a 差评's reasons screen stays at least this long, whatever was left
MESSAGE_S = 5.0  # how long an information line stays on screen
RESTART_DELAY_S = 1.0  # lets the `restart` reply go out before the app stops
RATED_MEMORY = 1000
COUNTDOWN_EXACT_S = 10  # (case, assess_number) pairs remembered to refuse a second rating


MSG_UNKNOWN_CARD = "未登记的工作证，请联系管理员 / Unknown staff card"
MSG_SIGN_IN_FIRST = "请工作人员先刷卡签到 / Please sign in with your staff card first"
MSG_BUSY = "正在评价中，请稍候 / A rating is in progress"
MSG_BAD_CODE = "无法识别的办件条码 / Unrecognised case barcode"
MSG_FREE_OFF = "本窗口未开放主动评价 / Free rating is not enabled here"
MSG_STORE_FAILED = NOT_SAVED
MSG_WAIT = "请稍候再试 / Please wait {s} s"


def display_seconds(left: float) -> int:
    """Seconds left as shown: exact in the last 10 s, else rounded up to 5 s. Every change redraws
    the whole window, which costs ~0.1-0.15 s of CPU per frame with software OpenGL (llvmpipe)."""
    s = max(0, math.ceil(left))
    return s if s <= COUNTDOWN_EXACT_S else 5 * math.ceil(s / 5)


@dataclass(frozen=True)
class DeviceIdentity:
    hall_id: str
    device_id: str
    window_id: str | None
    region_code: str


@dataclass
class _Open:
    """The rating that is open now."""

    form: RatingForm
    deadline: float  # monotonic
    free: bool


class EvaluatorController:
    def __init__(
        self,
        identity: DeviceIdentity,
        config: DeviceConfig,
        clock: Clock,
        sink: EventSink,
        *,
        has_screen: bool = True,
        keypad: KeypadPort | None = None,
        audio: AudioPort | None = None,
        voice: bool = True,
        config_store: ConfigStore | None = None,
        on_restart: Callable[[], None] | None = None,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.identity = identity
        self.config = config
        self.clock = clock
        self.sink = sink
        self.recorder = Recorder(sink, clock, wake)  # outbox, then wake the link; retries refusals
        self.has_screen = has_screen
        self.keypad = keypad
        self.audio = audio
        self.voice = voice  # False: no voice prompt at all, the keypad's included (audio_mute)
        self.config_store = config_store
        self.on_restart = on_restart
        self.restart_requested = False

        self._lock = threading.RLock()
        self._listeners: list[Callable[[ViewModel], None]] = []
        self._last_vm: ViewModel | None = None
        self._clerk: StaffMember | None = None
        self._open: _Open | None = None
        self._awaiting: RatingEvent | None = None  # chosen, not yet stored: thanks waits for it
        self._thanks_until: float | None = None
        self._thanks_level: Level | None = None
        self._message = ""
        self._message_error = False
        self._message_until: float | None = None
        self._identify_until: float | None = None
        self._restart_at: float | None = None
        self._last_free_closed: float | None = None
        self._rated: OrderedDict[tuple[str, int], None] = OrderedDict()

    # -- observing ---------------------------------------------------------------------------

    @property
    def channel(self) -> int:
        """The provincial `pf` code: configured, else 4 (hall tablet) with a screen, 5 without."""
        if self.config.channel is not None:
            return self.config.channel
        return CHANNEL_HALL_TABLET if self.has_screen else CHANNEL_HALL_TERMINAL

    @property
    def state(self) -> State:
        with self._lock:
            return self._state()

    def add_listener(self, fn: Callable[[ViewModel], None]) -> None:
        """`fn(view_model)` after every change (called from whichever thread made the change)."""
        self._listeners.append(fn)

    def view_model(self) -> ViewModel:
        with self._lock:
            return self._view_model()

    # -- the staff card and the scanner --------------------------------------------------------

    def staff_card(self, card: str) -> None:
        card = card.strip()
        with self._lock:
            member = self.config.staff_by_card(card)
            if member is None:
                log.info("unknown staff card read")  # the card number itself is not logged
                self._say(MSG_UNKNOWN_CARD, error=True)
            elif self._clerk is not None and self._clerk.card == card:
                self._sign_out("card")
            else:
                if self._clerk is not None:
                    self._sign_out("another_card")
                self._sign_in(member)
        self._notify()

    def scan(self, code: str) -> None:
        """A scanned case barcode (on the acceptance receipt) invites a rating of that case."""
        code = code.strip()
        with self._lock:
            if not code or len(code) > 50 or not code.isprintable():
                self._say(MSG_BAD_CODE, error=True)
            elif self._clerk is None:
                self._say(MSG_SIGN_IN_FIRST, error=True)
            else:
                invite = InviteCommand(case_id=code, staff=[self._clerk_ref()])
                reply = self._invite(invite)
                if reply.result != "accepted":
                    self._say(reply.reason or MSG_BUSY, error=True)
        self._notify()

    # -- the keypad ----------------------------------------------------------------------------

    def keypad_key(self, press: KeyPressed) -> None:
        """A key press as the keypad driver reports it (a level 1-5, invite, confirm, cancel)."""
        key = press.key
        with self._lock:
            if key == "invite":
                self._request_free_rating()
            elif key == "confirm":
                if self._awaiting is not None:
                    self._retry_now()
                elif self._open is not None and self._open.form.level is not None:
                    self._submit()
            elif key == "cancel":
                if self._open is not None and self._open.form.level is not None:
                    self._back_to_levels()
            elif press.level is not None and 1 <= press.level <= 5:
                self._choose(Level(press.level), "keypad")
            else:
                log.warning("ignoring keypad key %r", key)
        self._notify()

    def keypad_restarted(self) -> None:
        """The keypad said hello (power cycle, replug): tell it again whether keys are enabled."""
        with self._lock:
            if self._open is not None:
                self._keypad_on(self._open.deadline - self.clock.monotonic())
            else:
                self._keypad_off()

    # -- the touch screen ----------------------------------------------------------------------

    def touch_level(self, level: int) -> None:
        with self._lock:
            self._choose(Level(level), "touch")
        self._notify()

    def touch_reason(self, code: str) -> None:
        with self._lock:
            if self._state() is State.REASONS and self._open is not None:
                try:
                    self._open.form.toggle_reason(code)
                except RatingFormError as e:
                    log.warning("%s", e)
        self._notify()

    def touch_public(self, public: bool) -> None:
        with self._lock:
            if self._state() is State.REASONS and self._open is not None:
                self._open.form.set_public(public)
        self._notify()

    def touch_comment(self, text: str) -> None:
        with self._lock:
            if self._state() is State.REASONS and self._open is not None:
                self._open.form.set_comment(text)
        self._notify()

    def touch_submit(self) -> None:
        with self._lock:
            if self._awaiting is not None:
                self._retry_now()
            elif self._state() is State.REASONS:
                self._submit()
        self._notify()

    def touch_back(self) -> None:
        """From the reasons screen back to the five levels (the citizen changes their mind)."""
        with self._lock:
            if self._state() is State.REASONS:
                self._back_to_levels()
        self._notify()

    def touch_free_rating(self) -> None:
        """The clerk's on-screen 请评价 button (same as the keypad's key)."""
        with self._lock:
            self._request_free_rating()
        self._notify()

    # -- MQTT (through core.link) --------------------------------------------------------------

    def on_command(self, name: str, raw: bytes) -> CommandReply:
        try:
            with self._lock:
                reply = self._command(name, raw)
        except PayloadError as e:
            reply = CommandReply(result="refused", reason=str(e))
        self._notify()
        return reply

    def on_config(self, config: DeviceConfig) -> None:
        with self._lock:
            self.config = config
            if self.config_store is not None:
                try:
                    self.config_store.save(config)
                except OSError as e:
                    log.error("cannot save config to %s: %s", self.config_store.path, e)
        self._notify()

    # -- time ----------------------------------------------------------------------------------

    def tick(self) -> None:
        restart = False
        with self._lock:
            t = self.clock.monotonic()
            if self._open is not None and t >= self._open.deadline:
                self._expire()
            if self._thanks_until is not None and t >= self._thanks_until:
                self._thanks_until = None
                self._thanks_level = None
            if self._message_until is not None and t >= self._message_until:
                self._clear_message()
            if self._identify_until is not None and t >= self._identify_until:
                self._identify_until = None
            if self.recorder.tick():
                self._after_store()
            if self._restart_at is not None and t >= self._restart_at:
                self._restart_at = None
                restart = True
        self._notify()
        if restart and self.on_restart is not None:
            self.on_restart()

    def shutdown(self) -> None:
        """A clean stop: the clerk is signed out and the keypad locked."""
        with self._lock:
            if self._clerk is not None:
                self._sign_out("shutdown")
            self._keypad_off()
        self._notify()

    # -- internals (called with the lock held) -------------------------------------------------

    def _state(self) -> State:
        if self._awaiting is not None:
            return State.RATED
        if self._thanks_until is not None:
            return State.THANKS
        if self._open is not None:
            lvl = self._open.form.level
            return State.REASONS if lvl is not None and lvl.is_bad else State.INVITED
        return State.READY if self._clerk is not None else State.IDLE

    def _clerk_ref(self) -> StaffRef:
        assert self._clerk is not None
        return StaffRef(id=self._clerk.id, name=self._clerk.name)

    def _sign_in(self, member: StaffMember) -> None:
        self._clerk = member
        self._store(
            SigninEvent(
                hall_id=self.identity.hall_id,
                device_id=self.identity.device_id,
                window_id=self.identity.window_id,
                staff=StaffRef(id=member.id, name=member.name),
                at=now(self.clock),
            )
        )
        self._say(f"{member.name} 已签到 / signed in")

    def _sign_out(self, cause: str) -> None:
        assert self._clerk is not None
        ref = self._clerk_ref()
        self._clerk = None
        self._store(
            SignoutEvent(
                hall_id=self.identity.hall_id,
                device_id=self.identity.device_id,
                window_id=self.identity.window_id,
                staff=ref,
                at=now(self.clock),
                cause=cause,
            )
        )
        self._say(f"{ref.name} 已签退 / signed out")

    def _command(self, name: str, raw: bytes) -> CommandReply:
        if name == "invite":
            return self._invite(InviteCommand.from_json(raw))
        if name == "cancel":
            return self._cancel(CancelCommand.from_json(raw))
        if name == "identify":
            seconds = IdentifyCommand.from_json(raw).seconds
            self._identify_until = self.clock.monotonic() + seconds
            if self.keypad is not None:
                self._port(lambda k: k.blink(seconds))
            return CommandReply(result="accepted")
        if name == "restart":
            RestartCommand.from_json(raw)
            self.restart_requested = True
            self._restart_at = self.clock.monotonic() + RESTART_DELAY_S
            return CommandReply(result="accepted")
        return CommandReply(result="refused", reason=f"unknown command {name!r}")

    def _invite(self, cmd: InviteCommand) -> CommandReply:
        if self._clerk is None:
            return CommandReply(result="refused", reason="no clerk signed in / 工作人员未签到")
        key = (cmd.case_id, cmd.assess_number)
        if key in self._rated:
            return CommandReply(result="refused", reason="already rated / 该办件已评价")
        if self._open is not None:
            s = self._open.form.subject
            if (s.case_id, s.assess_number) == key:
                return CommandReply(result="accepted", reason="already open")  # a resent invitation
            return CommandReply(result="busy", reason="a rating is open / 正在评价中")
        if self._awaiting is not None:
            return CommandReply(result="busy", reason="a rating is being saved / 正在保存评价")
        ttl = cmd.expires_in_s or self.config.invite_ttl_s
        subject = RatingSubject(
            invited_at=now(self.clock),
            case_id=cmd.case_id,
            assess_number=cmd.assess_number,
            item_code=cmd.item_code,
            item_name=cmd.item_name,
            staff=tuple(cmd.staff) or (self._clerk_ref(),),
            applicant_masked=cmd.applicant_masked,
        )
        self._open_rating(subject, ttl, free=False)
        return CommandReply(result="accepted")

    def _cancel(self, cmd: CancelCommand) -> CommandReply:
        if self._open is None or self._open.form.subject.case_id != cmd.case_id:
            return CommandReply(result="refused", reason="no open invitation for this case")
        self._close()
        return CommandReply(result="accepted")

    def _request_free_rating(self) -> None:
        if self._clerk is None:
            self._say(MSG_SIGN_IN_FIRST, error=True)
            return
        if self._open is not None or self._awaiting is not None:
            return  # a rating is open already: the key means nothing now
        if not self.config.allow_free_rating:
            self._say(MSG_FREE_OFF, error=True)
            return
        wait = self._free_wait()
        if wait > 0:
            self._say(MSG_WAIT.format(s=math.ceil(wait)), error=True)
            return
        subject = RatingSubject(invited_at=now(self.clock), staff=(self._clerk_ref(),))
        self._open_rating(subject, self.config.free_rating_window_s, free=True)

    def _free_wait(self) -> float:
        """Seconds until the next free rating may open (the minimum interval after the last one)."""
        if self._last_free_closed is None:
            return 0.0
        return self._last_free_closed + self.config.free_rating_min_interval_s - self.clock.monotonic()

    def _open_rating(self, subject: RatingSubject, ttl: float, *, free: bool) -> None:
        self._thanks_until = None
        self._thanks_level = None
        self._clear_message()
        form = RatingForm.for_config(subject, self.config, has_screen=self.has_screen)
        self._open = _Open(form=form, deadline=self.clock.monotonic() + ttl, free=free)
        self._keypad_on(ttl)
        self._prompt(Prompt.PLEASE_RATE)

    def _choose(self, level: Level, input: InputKind) -> None:
        if self._open is None:
            return  # no rating open: a level means nothing (nobody rates on a citizen's behalf)
        form = self._open.form
        form.choose(level, input)
        if level.is_bad and self.has_screen:  # the reasons screen; sent only on confirm
            remaining = self._open.deadline - self.clock.monotonic()
            if remaining < REASONS_MIN_S:
                self._open.deadline = self.clock.monotonic() + REASONS_MIN_S
            self._keypad_on(max(remaining, REASONS_MIN_S))  # confirm / cancel / another level
            return
        self._submit()

    def _back_to_levels(self) -> None:
        assert self._open is not None
        old = self._open.form
        self._open.form = RatingForm.for_config(old.subject, self.config, has_screen=self.has_screen)

    def _submit(self) -> None:
        assert self._open is not None
        form = self._open.form
        try:
            event = form.build(self._source(), now(self.clock))
        except RatingFormError as e:
            self._say(str(e), error=True)
            return
        # The rating is taken: close the window (one rating per invitation) before storing.
        self._close()
        if event.case_id is not None:
            self._remember_rated(event.case_id, event.assess_number)
        self._awaiting = event
        self._store(event)
        self._after_store()

    def _after_store(self) -> None:
        if not self.recorder.failing and self._message_error and self._message == MSG_STORE_FAILED:
            self._clear_message()
        if self._awaiting is None or self.recorder.is_pending(self._awaiting):
            if self._awaiting is not None:
                self._say(MSG_STORE_FAILED, error=True, sticky=True)
            return
        level = self._awaiting.level
        self._awaiting = None
        self._clear_message()
        self._thanks_level = level
        self._thanks_until = self.clock.monotonic() + self.config.thanks_s
        self._prompt(Prompt.THANKS)

    def _retry_now(self) -> None:
        self.recorder.retry()
        self._after_store()

    def _expire(self) -> None:
        assert self._open is not None
        s = self._open.form.subject
        if s.case_id is not None:
            self._store(
                ExpiredEvent(
                    hall_id=self.identity.hall_id,
                    device_id=self.identity.device_id,
                    window_id=self.identity.window_id,
                    region_code=self.identity.region_code,
                    case_id=s.case_id,
                    assess_number=s.assess_number,
                    item_code=s.item_code,
                    item_name=s.item_name,
                    staff=list(s.staff),
                    invited_at=s.invited_at,
                    expired_at=now(self.clock),
                )
            )
        self._close()

    def _close(self) -> None:
        """End the open rating: keys off; a free rating starts the minimum interval."""
        assert self._open is not None
        if self._open.free:
            self._last_free_closed = self.clock.monotonic()
        self._open = None
        self._keypad_off()

    def _remember_rated(self, case_id: str, assess_number: int) -> None:
        self._rated[(case_id, assess_number)] = None
        while len(self._rated) > RATED_MEMORY:
            self._rated.popitem(last=False)

    def _source(self) -> RatingSource:
        i = self.identity
        return RatingSource(i.hall_id, i.device_id, i.window_id, i.region_code, self.channel)

    def _store(self, event: Event) -> None:
        """Into the outbox, in order: after one failure, later events queue behind it."""
        self.recorder.record(event)
        if not self.recorder.failing and self._message_error and self._message == MSG_STORE_FAILED:
            self._clear_message()

    def _say(self, text: str, *, error: bool = False, sticky: bool = False) -> None:
        self._message = text
        self._message_error = error
        self._message_until = None if sticky else self.clock.monotonic() + MESSAGE_S

    def _clear_message(self) -> None:
        self._message, self._message_error, self._message_until = "", False, None

    def _keypad_on(self, seconds: float) -> None:
        self._port(lambda k: k.enable_keys(max(1, math.ceil(seconds))))

    def _keypad_off(self) -> None:
        self._port(lambda k: k.disable_keys())

    def _port(self, action: Callable[[KeypadPort], None]) -> None:
        if self.keypad is None:
            return
        try:
            action(self.keypad)
        except Exception as e:  # an unplugged keypad must not stop the rating
            log.warning("keypad: %s", e)

    def _prompt(self, prompt: Prompt) -> None:
        if not self.voice:
            return
        if self.audio is not None:
            try:
                self.audio.play(prompt)
            except Exception as e:
                log.warning("audio: %s", e)
        if not self.has_screen:
            self._port(lambda k: k.play(prompt))

    def _qr_url(self) -> str:
        template = self.config.rating_url
        if not template or self._open is None or self._open.form.subject.case_id is None:
            return ""
        s = self._open.form.subject
        try:
            return template.format(
                case_id=quote(s.case_id or "", safe=""),
                assess_number=s.assess_number,
                device_id=self.identity.device_id,
                window_id=self.identity.window_id or "",
                hall_id=self.identity.hall_id,
            )
        except (KeyError, IndexError, ValueError) as e:
            log.warning("bad rating_url template %r: %s", template, e)
            return ""

    def _view_model(self) -> ViewModel:
        state = self._state()
        t = self.clock.monotonic()
        clerk = None
        if self._clerk is not None:
            c = self._clerk
            clerk = ClerkView(id=c.id, name=c.name, title=c.title, photo=c.photo)
        case = None
        level: int | None = None
        reasons: tuple[ReasonView, ...] = ()
        public = True
        can_submit = False
        remaining = 0
        if self._open is not None:
            form, s = self._open.form, self._open.form.subject
            case = CaseView(s.case_id, s.assess_number, s.item_name or "", s.applicant_masked or "")
            level = int(form.level) if form.level is not None else None
            remaining = display_seconds(self._open.deadline - t)
            public = form.public
            can_submit = form.complete
            if state is State.REASONS:
                reasons = tuple(
                    ReasonView(r.code, r.text, r.text_en, r.code in form.reasons) for r in form.reason_list
                )
        elif self._awaiting is not None:
            level = int(self._awaiting.level)
            can_submit = True
        elif self._thanks_level is not None:
            level = int(self._thanks_level)
        return ViewModel(
            state=state,
            window_name=self.config.window_name,
            window_name_en=self.config.window_name_en,
            clerk=clerk,
            case=case,
            qr_url=self._qr_url(),
            remaining_s=remaining,
            level=level,
            reasons=reasons,
            public=public,
            can_submit=can_submit,
            message=self._message,
            message_is_error=self._message_error,
            identify=self._identify_until is not None,
            free_rating_available=(
                state is State.READY and self.config.allow_free_rating and self._free_wait() <= 0
            ),
        )

    def _notify(self) -> None:
        with self._lock:
            vm = self._view_model()
            if vm == self._last_vm:
                return
            self._last_vm = vm
        for fn in list(self._listeners):
            try:
                fn(vm)
            except Exception:
                log.exception("view listener failed")
