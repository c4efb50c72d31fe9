"""The kiosk's behaviour, without a window: screens, the citizen's session, timeouts, privacy.

Plain Python driven by a `Clock`: the view calls the input methods and `tick()` on the UI thread
and re-renders on `on_change`; blocking work (the progress query, printing) goes to a `Worker`
whose results come back through `_query_done` / `_print_done` on the UI thread.

Privacy (docs/kiosk.md, docs/contracts.md): the ID number read from a card lives only in the query
handed to the worker and is dropped with it; the controller keeps masked names only. Everything
about the citizen is in one `Session` object that `reset()` replaces, after `idle_timeout_s` without
a touch or at "home", so nothing leaks into the next citizen's session. A query result that arrives
after a reset is dropped by its token.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from core import topics
from core.catalogue import Catalogue, Item
from core.clock import Clock, now
from core.device_config import DeviceConfig
from core.events import CHANNEL_HALL_TERMINAL, RatingEvent
from core.payload import PayloadError
from core.privacy import mask_name
from core.queries import CaseProgress, ProgressQuery, ProgressReply
from core.rating_form import RatingForm, RatingFormError, RatingSource, RatingSubject
from core.recorder import NOT_SAVED, Recorder
from kiosk import texts
from kiosk.guide_search import GuideIndex
from kiosk.pinyin_index import Spellings
from kiosk.ports import CardData, PrinterError, RatingOutbox, ReceiptPrinter, Requester, Worker
from kiosk.receipt import DEFAULT_PROGRESS_URL, progress_receipt

log = logging.getLogger("kiosk.controller")

Screen = Literal[
    "home",
    "place_card",
    "querying",
    "progress",
    "not_found",
    "case",
    "unavailable",
    "card_error",
    "rate",
    "rate_thanks",
    "rate_refused",
    "printing",
    "print_done",
    "print_error",
    "guide_home",
    "guide_list",
    "guide",
]


@dataclass(frozen=True)
class KioskOptions:
    hall_id: str
    device_id: str
    region_code: str
    hall_name: str = "县政务服务中心"
    language: str = "zh_CN"
    query_timeout_s: float = 3.0
    idle_timeout_s: float = 60.0
    message_s: float = 8.0  # thanks / printed / refused screens go back to the case after this
    cases_per_page: int = 4
    cases_per_page_elderly: int = 2
    items_per_page: int = 8
    items_per_page_elderly: int = 4
    channel: int = CHANNEL_HALL_TERMINAL
    progress_url: str = DEFAULT_PROGRESS_URL  # printed as the receipt's QR code


@dataclass
class Session:
    """Everything about the current citizen. Replaced whole by `reset()`."""

    token: int = 0
    applicant_masked: str = ""
    cases: list[CaseProgress] = field(default_factory=list)
    page: int = 0
    case: CaseProgress | None = None
    retry_case_id: str | None = None  # a case-number query may be repeated; an ID number never is
    form: RatingForm | None = None
    rated_event_id: str | None = None
    saving: RatingEvent | None = None  # submitted, not yet in the outbox: the thank-you waits
    rated_case_ids: set[str] = field(default_factory=set)
    print_problem: str = ""  # paper_out / missing / fault
    query_started: float | None = None


@dataclass
class GuideState:
    mode: Literal["department", "category", "search"] = "department"
    code: str = ""  # the department or theme chosen
    query: str = ""
    page: int = 0
    item_code: str | None = None


class KioskController:
    def __init__(
        self,
        options: KioskOptions,
        clock: Clock,
        requester: Requester,
        worker: Worker,
        outbox: RatingOutbox,
        printer: ReceiptPrinter | None = None,
        *,
        wake: Callable[[], None] = lambda: None,
        catalogue: Catalogue | None = None,
        spellings: Spellings | None = None,
    ) -> None:
        self.options = options
        self.clock = clock
        self.requester = requester
        self.worker = worker
        self.outbox = outbox
        self.recorder = Recorder(outbox, clock, wake)  # outbox, then wake the link; retries refusals
        self.printer = printer
        self.config = DeviceConfig()
        self.on_change: Callable[[], None] = lambda: None
        # asks the card reader to report the card still lying on it (IdCardReader.read_again)
        self.read_card_again: Callable[[], None] = lambda: None

        self.screen: Screen = "home"
        self.language = options.language
        self.elderly = False
        self.session = Session()
        self.guide = GuideState()
        self._tokens = 0
        self._last_touch = clock.monotonic()
        self._screen_since = clock.monotonic()
        self.catalogue: Catalogue | None = None
        self._index: GuideIndex | None = None
        if catalogue is not None:
            self.set_catalogue(catalogue, spellings)

    # -- state shown by the view -------------------------------------------------------------

    def t(self, key: str, **fmt: object) -> str:
        return texts.text(key, self.language, **fmt)

    @property
    def cases_per_page(self) -> int:
        return self.options.cases_per_page_elderly if self.elderly else self.options.cases_per_page

    @property
    def items_per_page(self) -> int:
        return self.options.items_per_page_elderly if self.elderly else self.options.items_per_page

    def page_of(self, seq: list[CaseProgress] | list[Item], page: int, size: int) -> tuple[list, int]:  # type: ignore[type-arg]
        pages = max(1, math.ceil(len(seq) / size))
        page = min(max(0, page), pages - 1)
        return seq[page * size : (page + 1) * size], pages

    def visible_cases(self) -> tuple[list[CaseProgress], int]:
        return self.page_of(self.session.cases, self.session.page, self.cases_per_page)

    def guide_items(self) -> list[Item]:
        if self.catalogue is None or self._index is None:
            return []
        g = self.guide
        if g.mode == "search":
            return self._index.search(g.query)
        if g.mode == "category":
            return self._index.by_category(g.code)
        return self._index.by_department(g.code)

    def visible_items(self) -> tuple[list[Item], int]:
        return self.page_of(self.guide_items(), self.guide.page, self.items_per_page)

    def guide_item(self) -> Item | None:
        if self.catalogue is None or self.guide.item_code is None:
            return None
        return self.catalogue.item(self.guide.item_code)

    def item_name(self, case: CaseProgress) -> str:
        """The case's item in the reader's language when the catalogue has it (the county says Chinese)."""
        item = self.catalogue.item(case.item_code) if self.catalogue is not None else None
        if item is None or self.language in texts.SHAPED_LANGUAGES or not item.has_language(self.language):
            return case.item_name
        return item.text(self.language).name

    def can_rate(self, case: CaseProgress | None = None) -> bool:
        c = case or self.session.case
        return c is not None and c.rateable and c.state == 3 and c.case_id not in self.session.rated_case_ids

    # -- plumbing ------------------------------------------------------------------------------

    def _go(self, screen: Screen) -> None:
        self.screen = screen
        self._screen_since = self.clock.monotonic()
        self.on_change()

    def touch(self) -> None:
        """Any input from the citizen: the idle timer starts again."""
        self._last_touch = self.clock.monotonic()

    def set_config(self, config: DeviceConfig) -> None:
        self.config = config

    def set_catalogue(self, catalogue: Catalogue, spellings: Spellings | None = None) -> None:
        """A new catalogue; `spellings` from `kiosk.pinyin_index` (None: made here with pypinyin)."""
        self.catalogue = catalogue
        self._index = GuideIndex(catalogue, spellings)
        if self.guide.item_code and catalogue.item(self.guide.item_code) is None:
            self.guide.item_code = None
        self.on_change()

    def reset(self) -> None:
        """Forget the citizen: a fresh session, default language, standard text, home screen."""
        self.session = Session(token=self._next_token())
        self.guide = GuideState()
        self.language = self.options.language
        self.elderly = False
        self._last_touch = self.clock.monotonic()
        self._go("home")

    def _next_token(self) -> int:
        self._tokens += 1
        return self._tokens

    def tick(self) -> None:
        """Call a few times a second: idle reset, query deadline, message screens, rating acks,
        a rating the outbox refused tried again."""
        t = self.clock.monotonic()
        s = self.session
        if self.recorder.tick() and s.saving is not None and not self.recorder.is_pending(s.saving):
            self._rating_saved(s.saving)
            return
        stuck = s.query_started is not None and t - s.query_started > self.options.query_timeout_s + 1.0
        if self.screen == "querying" and stuck:  # the worker never came back
            self._unavailable()
            return
        if self.screen in ("rate_thanks", "print_done"):
            if self.screen == "rate_thanks" and self._refused_by_county():
                return
            if t - self._screen_since >= self.options.message_s:
                self._go("case" if s.case is not None else "home")
        pristine = self.screen == "home" and self.language == self.options.language and not self.elderly
        if not pristine and t - self._last_touch >= self.options.idle_timeout_s:
            if self.screen == "querying":
                return  # wait for the answer or its deadline first
            log.info("idle for %.0f s: session cleared", t - self._last_touch)
            self.reset()

    # -- home, language, elderly -----------------------------------------------------------------

    def home(self) -> None:
        self.touch()
        self.reset()

    def set_language(self, lang: str) -> None:
        self.touch()
        if lang in texts.LANGUAGES:
            self.language = lang
            self.on_change()

    def toggle_elderly(self) -> None:
        self.touch()
        self.elderly = not self.elderly
        self.session.page = 0
        self.guide.page = 0
        self.on_change()

    def start_progress(self) -> None:
        """The citizen chose 办件进度查询: ask for the card (or a scan)."""
        self.touch()
        self._go("place_card")

    # -- queries ---------------------------------------------------------------------------------

    def card_read(self, card: CardData) -> None:
        """An ID card was read. A new card always starts a new citizen's session."""
        self.touch()
        if self.screen in ("rate", "printing"):
            return  # finishing something: a card left on the reader must not interrupt it
        masked = mask_name(card.name)
        try:
            query = ProgressQuery(
                hall_id=self.options.hall_id,
                device_id=self.options.device_id,
                id_number=card.id_number.strip().upper(),
            )
        except ValueError:
            self.session = Session(token=self._next_token())
            self._go("card_error")
            return
        self.session = Session(token=self._next_token(), applicant_masked=masked)
        self._ask(query)

    def card_failed(self) -> None:
        """A card is on the reader but could not be read (the driver gave up after its retries)."""
        self.touch()
        if self.screen in ("home", "place_card", "not_found", "unavailable", "card_error"):
            self.session = Session(token=self._next_token())
            self._go("card_error")

    def code_scanned(self, code: str) -> None:
        """A scanned case barcode/QR: the case number, or a URL carrying `case=...`."""
        self.touch()
        if self.screen in ("rate", "printing"):
            return
        case_id = _case_id_from_code(code)
        if case_id is None:
            self._go("card_error")
            return
        self.session = Session(token=self._next_token(), retry_case_id=case_id)
        self._ask(
            ProgressQuery(hall_id=self.options.hall_id, device_id=self.options.device_id, case_id=case_id)
        )

    def retry(self) -> None:
        self.touch()
        cid = self.session.retry_case_id
        if cid is not None:
            self.code_scanned(cid)
        else:
            # The ID number was not kept, so the card is read again: at once if it still lies on
            # the reader (which otherwise reports a card once per placement), or when placed.
            self._go("place_card")
            self.read_card_again()

    def _ask(self, query: ProgressQuery) -> None:
        token = self.session.token
        self.session.query_started = self.clock.monotonic()
        topic = topics.query("progress")
        timeout = self.options.query_timeout_s
        requester = self.requester
        self._go("querying")
        # the query (with its ID number) lives in this job only and goes when the job is done
        self.worker.submit(
            lambda: requester.request(topic, query, timeout), lambda result: self._query_done(token, result)
        )

    def _query_done(self, token: int, result: object) -> None:
        if token != self.session.token or self.screen != "querying":
            return  # a reset or a newer query came first: this answer belongs to nobody now
        self.session.query_started = None
        if isinstance(result, BaseException):
            log.warning("progress query failed: %s", type(result).__name__)
            self._unavailable()
            return
        try:
            reply = ProgressReply.from_json(result)  # type: ignore[arg-type]
        except PayloadError as e:
            log.warning("bad progress reply: %s", e)
            self._unavailable()
            return
        if reply.result == "error":
            log.warning("county could not answer: %s", reply.reason)
            self._unavailable()
            return
        if reply.result == "not_found" or not reply.cases:
            self._go("not_found")
            return
        s = self.session
        s.cases = list(reply.cases)
        s.page = 0
        if not s.applicant_masked:
            s.applicant_masked = reply.cases[0].applicant_masked
        if len(s.cases) == 1:
            s.case = s.cases[0]
            self._go("case")
        else:
            self._go("progress")

    def _unavailable(self) -> None:
        self.session.query_started = None
        self.session.token = self._next_token()  # a late answer is dropped
        self._go("unavailable")

    # -- progress and case -------------------------------------------------------------------------

    def next_page(self) -> None:
        self.touch()
        if self.screen == "progress":
            self.session.page = min(self.session.page + 1, self.visible_cases()[1] - 1)
        elif self.screen == "guide_list":
            self.guide.page = min(self.guide.page + 1, self.visible_items()[1] - 1)
        self.on_change()

    def prev_page(self) -> None:
        self.touch()
        if self.screen == "progress":
            self.session.page = max(0, self.session.page - 1)
        elif self.screen == "guide_list":
            self.guide.page = max(0, self.guide.page - 1)
        self.on_change()

    def open_case(self, case_id: str) -> None:
        self.touch()
        case = next((c for c in self.session.cases if c.case_id == case_id), None)
        if case is not None:
            self.session.case = case
            self._go("case")

    def back(self) -> None:
        self.touch()
        sc = self.screen
        if sc == "case" and len(self.session.cases) > 1:
            self._go("progress")
        elif sc in ("rate", "rate_thanks", "rate_refused", "print_done", "print_error"):
            self.session.form = None
            self._go("case")
        elif sc == "guide":
            self.guide.item_code = None
            self._go("guide_list" if self.guide.code or self.guide.query else "guide_home")
        elif sc == "guide_list":
            self._go("guide_home")
        else:
            self.reset()

    # -- printing ----------------------------------------------------------------------------------

    def print_receipt(self) -> None:
        self.touch()
        case = self.session.case
        if case is None or self.screen != "case":
            return
        if self.printer is None:
            self.session.print_problem = "missing"
            self._go("print_error")
            return
        receipt = progress_receipt(case, self.options.hall_name, now(self.clock), self.options.progress_url)
        token = self.session.token
        printer = self.printer
        self._go("printing")
        self.worker.submit(lambda: printer.print_receipt(receipt), lambda r: self._print_done(token, r))

    def _print_done(self, token: int, result: object) -> None:
        if token != self.session.token or self.screen != "printing":
            return
        if isinstance(result, PrinterError):
            self.session.print_problem = result.state
            self._go("print_error")
        elif isinstance(result, BaseException):
            log.warning("printing failed: %s", result)
            self.session.print_problem = "fault"
            self._go("print_error")
        else:
            self._go("print_done")

    # -- rating ------------------------------------------------------------------------------------

    def start_rating(self) -> None:
        self.touch()
        case = self.session.case
        if case is None or self.screen != "case":
            return
        if not self.can_rate(case):
            self._go("rate_refused")
            return
        subject = RatingSubject(
            invited_at=now(self.clock),
            case_id=case.case_id,
            assess_number=case.assess_number,
            item_code=case.item_code,
            item_name=case.item_name,
            staff=tuple(case.staff),
            applicant_masked=case.applicant_masked,
        )
        self.session.form = RatingForm.for_config(subject, self.config)
        self._go("rate")

    def choose_level(self, level: int) -> None:
        self.touch()
        if (form := self._open_form()) is not None:
            form.choose(level, "touch")
            self.on_change()

    def toggle_reason(self, code: str) -> None:
        self.touch()
        if (form := self._open_form()) is not None:
            try:
                form.toggle_reason(code)
            except RatingFormError as e:
                log.warning("%s", e)
            self.on_change()

    def set_public(self, public: bool) -> None:
        self.touch()
        if (form := self._open_form()) is not None:
            form.set_public(public)
            self.on_change()

    def _open_form(self) -> RatingForm | None:
        """The rating form while it takes input: on the rate screen, and not yet submitted."""
        if self.screen != "rate" or self.session.saving is not None:
            return None
        return self.session.form

    def rate_problem(self) -> str | None:
        """What the rate screen says under the form (one line, zh / en): not saved yet, or what
        the form still needs once a level is chosen."""
        if self.session.saving is not None:
            return NOT_SAVED
        form = self.session.form
        return form.problem() if form is not None and form.level is not None else None

    def submit_rating(self) -> str | None:
        """Store the rating durably, then thank. Returns the problem (one line) when not complete,
        or `NOT_SAVED` while the outbox refuses it (kept and retried: never lost, never doubled)."""
        self.touch()
        form, case = self.session.form, self.session.case
        if form is None or case is None or self.screen != "rate":
            return None
        if self.session.saving is not None:  # pressed again while not saved: try now
            if self.recorder.retry():
                self._rating_saved(self.session.saving)
                return None
            self.on_change()
            return NOT_SAVED
        if form.problem() is not None:
            self.on_change()
            return form.problem()
        source = RatingSource(
            hall_id=self.options.hall_id,
            device_id=self.options.device_id,
            window_id=case.window_id,
            region_code=self.options.region_code,
            channel=self.config.channel or self.options.channel,
        )
        try:
            event = form.build(source, now(self.clock))
        except RatingFormError as e:
            self.on_change()
            return str(e)
        # committed to the outbox before the thank-you (docs/contracts.md, Delivery)
        if not self.recorder.record(event):
            self.session.saving = event
            self.on_change()
            return NOT_SAVED
        self._rating_saved(event)
        return None

    def _rating_saved(self, event: RatingEvent) -> None:
        s = self.session
        s.saving = None
        s.rated_event_id = event.event_id
        if event.case_id is not None:
            s.rated_case_ids.add(event.case_id)
            self._mark_rated(event.case_id)
        s.form = None
        self._go("rate_thanks")

    def _mark_rated(self, case_id: str) -> None:
        s = self.session
        s.cases = [c.model_copy(update={"rateable": False}) if c.case_id == case_id else c for c in s.cases]
        if s.case is not None and s.case.case_id == case_id:
            s.case = s.case.model_copy(update={"rateable": False})

    def _refused_by_county(self) -> bool:
        """While thanking: the county may ack `duplicate` (rated meanwhile elsewhere): say so kindly."""
        eid = self.session.rated_event_id
        if eid is None:
            return False
        try:
            outcome = self.outbox.outcome(eid)
        except Exception:  # the outbox is the audit trail; a read problem is not the citizen's
            return False
        if outcome is not None and outcome[0] == "duplicate":
            self.session.rated_event_id = None
            self._go("rate_refused")
            return True
        return False

    # -- service guides ----------------------------------------------------------------------------

    def open_guides(self) -> None:
        self.touch()
        self.guide = GuideState()
        self._go("guide_home")

    def browse(self, mode: Literal["department", "category"], code: str) -> None:
        self.touch()
        self.guide = GuideState(mode=mode, code=code)
        self._go("guide_list")

    def set_query(self, query: str) -> None:
        """The search text being typed on the guide home screen (letters from the on-screen keys)."""
        self.touch()
        self.guide.query = query.strip()[:40]
        self.on_change()

    def search(self, query: str) -> None:
        self.touch()
        self.guide = GuideState(mode="search", query=query.strip()[:40])
        self._go("guide_list")

    def open_item(self, code: str) -> None:
        self.touch()
        if self.catalogue is not None and self.catalogue.item(code) is not None:
            self.guide.item_code = code
            self._go("guide")


def _case_id_from_code(code: str) -> str | None:
    """A case number from a scanned code: the code itself, or the `case` parameter of a URL."""
    from urllib.parse import parse_qs, urlsplit

    code = code.strip()
    if "://" in code:
        values = parse_qs(urlsplit(code).query).get("case")
        code = values[0].strip() if values else ""
    if not code or len(code) > 50 or any(c.isspace() for c in code):
        return None
    return code
