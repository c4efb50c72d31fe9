"""One Screen class per controller screen; each `<name>.kv` next to this file lays one out.

The kv files hold the skeleton (areas with ids: `head`, `body`, `actions`, ...); `fill(c, th)`
puts the controller's current state into them, rebuilding what shows citizen data every time,
so nothing of an earlier session can stay on a screen.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Literal, get_args

from kivy.properties import ObjectProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

import ui.kv
from core.catalogue import BASE_LANGUAGE, Item, Named
from core.levels import Level
from core.queries import CaseProgress
from kiosk import guide_text, texts
from kiosk.controller import KioskController
from kiosk.controller import Screen as ScreenName
from kiosk.view import widgets  # noqa: F401 - IdCardPicture for place_card.kv
from kiosk.view.theme import Theme
from kiosk.view.widgets import Card, KeyValue, LetterPad, Tile, TimelineStep, Txt, paint
from ui import choices, qr, rating  # noqa: F401 - registers the shared widgets for the kv files
from ui.choices import PublicToggle, ReasonsGrid
from ui.rating import RatingLevels
from ui.shaped_text import ShapedLabel

KV_DIR = Path(__file__).parent
SCREENS: tuple[ScreenName, ...] = get_args(ScreenName)  # one .kv file per controller screen


def tx(c: KioskController, key: str, **fmt: object) -> str:
    """Text for a Kivy Label: Kivy cannot shape Mongolian, so in 蒙文 mode Labels say it in Chinese
    (the Mongolian is drawn beside it with `ShapedLabel`)."""
    lang = BASE_LANGUAGE if c.language in texts.SHAPED_LANGUAGES else c.language
    return texts.text(key, lang, **fmt)


def load_kv() -> None:
    ui.kv.load_kv(KV_DIR, SCREENS)


def _clear(*areas: Any) -> None:
    for a in areas:
        a.clear_widgets()


MESSAGE_TITLE_PX = 72  # message screens (error, info): title and hint at 1080 px wide
MESSAGE_HINT_PX = 48


def _state_colour(th: Theme, state: int) -> tuple[float, float, float, float]:
    return {1: th.pending, 2: th.warn, 3: th.ok}.get(state, th.pending)


class KioskScreen(Screen):
    """Base: `fill` rebuilds the screen from the controller (kv rules call `root.controller.*`)."""

    controller: Any = ObjectProperty(None)

    def fill(self, c: KioskController, th: Theme) -> None:
        raise NotImplementedError

    def head(self, c: KioskController, th: Theme, key: str, sub: str = "", **fmt: object) -> None:
        h = self.ids.head
        h.clear_widgets()
        lang = c.language
        if lang in texts.SHAPED_LANGUAGES and texts.has_own(key, lang):
            zh = Txt(texts.zh(key, **fmt), size=th.fs(52), color=th.ink, bold=True)
            h.add_widget(_with_mongolian(texts.text(key, lang), zh, th, 30, 170))
        else:
            h.add_widget(Txt(tx(c, key, **fmt), size=th.fs(52), color=th.ink, bold=True))
        if sub:
            h.add_widget(Txt(sub, size=th.fs(32), color=th.muted))


def _message(
    screen: KioskScreen,
    c: KioskController,
    th: Theme,
    title: str,
    hint: str,
    colour: tuple[float, float, float, float],
    symbol: str,
) -> None:
    body = screen.ids.body
    body.clear_widgets()
    icon = Label(
        text=symbol, font_size=th.fs(200), bold=True, color=colour, size_hint_y=None, height=th.fs(280)
    )
    body.add_widget(icon)
    # an otherwise empty screen: the message is the page, in words to read from a step back
    body.add_widget(Txt(tx(c, title), size=th.fs(MESSAGE_TITLE_PX), color=th.ink, bold=True, halign="center"))
    if hint:
        body.add_widget(Txt(tx(c, hint), size=th.fs(MESSAGE_HINT_PX), color=th.muted, halign="center"))


class HomeScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        lang = c.language
        self.ids.welcome.text = {"en": "Welcome", "mn": "欢迎您"}.get(lang, "您好，欢迎使用")
        self.ids.welcome.font_size = th.fs(64)
        self.ids.welcome.color = th.ink
        self.ids.welcome_sub.text = tx(c, "app_title")
        self.ids.welcome_sub.font_size = th.fs(36)
        self.ids.welcome_sub.color = th.muted
        tiles = self.ids.tiles
        tiles.clear_widgets()
        mn = lang == "mn"
        tiles.add_widget(
            Tile(
                tx(c, "home_progress"),
                tx(c, "home_progress_hint"),
                th=th,
                primary=True,
                title_size=60,
                height=340,
                on_press_do=c.start_progress,
                mn=texts.text("home_progress", "mn") if mn else "",
            )
        )
        tiles.add_widget(
            Tile(
                tx(c, "home_guides"),
                tx(c, "home_guides_hint"),
                th=th,
                title_size=60,
                height=300,
                on_press_do=c.open_guides,
                mn=texts.text("home_guides", "mn") if mn else "",
            )
        )
        self.ids.reader_hint.text = "▼  " + tx(c, "place_card") + "  ▼"
        self.ids.reader_hint.font_size = th.fs(40)
        self.ids.reader_hint.color = th.accent if th.scale == 1 else th.muted


class PlaceCardScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        self.head(c, th, "place_card", tx(c, "place_card_hint"))
        self.ids.card_pic.ink = list(th.accent)
        self.ids.arrow.color = th.accent
        self.ids.arrow.font_size = th.fs(120)


class QueryingScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        _message(self, c, th, "querying", "", th.accent, "…")


class ProgressScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        s = c.session
        self.head(c, th, "progress_title", tx(c, "n_cases", name=s.applicant_masked, n=len(s.cases)))
        body = self.ids.body
        body.clear_widgets()
        cases, pages = c.visible_cases()
        for case in cases:
            body.add_widget(_case_tile(c, th, case))
        _pager(self.ids.actions, c, th, c.session.page, pages)


def _case_tile(c: KioskController, th: Theme, case: CaseProgress) -> Widget:
    sub = (
        f"{tx(c, 'case_id')} {case.case_id}\n{tx(c, 'accepted_at')} {texts.fmt_time(case.accepted_at)}"
        f" · {tx(c, 'case_type_' + str(case.case_type))}"
    )
    badge = tx(c, "state_" + str(case.state))
    if c.can_rate(case):
        badge = f"{badge}·{tx(c, 'rateable_badge')}" if c.language != "en" else badge
    return Tile(
        c.item_name(case),
        sub,
        th=th,
        title_size=40,
        height=210,
        badge=badge,
        badge_color=_state_colour(th, case.state),
        on_press_do=partial(c.open_case, case.case_id),
    )


def _pager(area: Any, c: KioskController, th: Theme, page: int, pages: int) -> None:
    area.clear_widgets()
    if pages <= 1:
        return
    area.add_widget(
        Tile(
            tx(c, "prev_page"),
            th=th,
            title_size=36,
            height=120,
            on_press_do=c.prev_page,
            center=True,
            disabled=page == 0,
        )
    )
    area.add_widget(
        Label(
            text=tx(c, "page", page=page + 1, pages=pages),
            font_size=th.fs(32),
            color=th.ink,
            size_hint_y=None,
            height=max(120, 120 * th.scale),
        )
    )
    area.add_widget(
        Tile(
            tx(c, "next_page"),
            th=th,
            title_size=36,
            height=120,
            on_press_do=c.next_page,
            center=True,
            disabled=page >= pages - 1,
        )
    )


class NotFoundScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        _message(self, c, th, "not_found", "not_found_hint", th.muted, "?")


class CaseScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        case = c.session.case
        body, actions = self.ids.body, self.ids.actions
        _clear(body, actions, self.ids.head)
        if case is None:
            return
        self.head(c, th, "case_title")
        info = Card(th)
        info.add_widget(Txt(c.item_name(case), size=th.fs(44), color=th.ink, bold=True))
        rows = [
            ("case_id", case.case_id, None),
            ("applicant", case.applicant_masked, None),
            ("case_type", tx(c, "case_type_" + str(case.case_type)), None),
            ("state", tx(c, "state_" + str(case.state)), _state_colour(th, case.state)),
            ("accepted_at", texts.fmt_time(case.accepted_at), None),
        ]
        if case.promised_at is not None:
            rows.append(("promised_at", texts.fmt_date(case.promised_at), None))
        for key, value, colour in rows:
            info.add_widget(KeyValue(tx(c, key), value, th, value_color=colour))
        body.add_widget(info)
        steps = Card(th)
        steps.add_widget(Txt(tx(c, "timeline"), size=th.fs(40), color=th.ink, bold=True))
        n = len(case.steps)
        for i, st in enumerate(case.steps):
            done = st.status == 2
            times = ""
            if st.started_at or st.ended_at:
                times = (
                    f"{texts.fmt_time(st.started_at)} → {texts.fmt_time(st.ended_at) if st.ended_at else ''}"
                )
            steps.add_widget(
                TimelineStep(
                    th,
                    name=texts.step_name(st.name, c.language),
                    status_text=tx(c, "step_status_" + str(st.status)),
                    done=done,
                    handler=f"{tx(c, 'handler')}: {st.handler_masked}" if st.handler_masked else "",
                    times=times.rstrip(" →"),
                    first=i == 0,
                    last=i == n - 1,
                )
            )
        body.add_widget(steps)
        actions.add_widget(
            Tile(tx(c, "print"), th=th, title_size=40, height=130, center=True, on_press_do=c.print_receipt)
        )
        if c.can_rate(case):
            actions.add_widget(
                Tile(
                    tx(c, "rate"),
                    th=th,
                    primary=True,
                    title_size=40,
                    height=130,
                    center=True,
                    on_press_do=c.start_rating,
                )
            )


class UnavailableScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        _message(self, c, th, "unavailable", "unavailable_hint", th.warn, "!")
        a = self.ids.actions
        a.clear_widgets()
        key = "retry" if c.session.retry_case_id else "retry_card"
        a.add_widget(
            Tile(tx(c, key), th=th, primary=True, title_size=44, height=150, center=True, on_press_do=c.retry)
        )


class CardErrorScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        _message(self, c, th, "card_error", "card_error_hint", th.warn, "!")


class RateScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        form, case = c.session.form, c.session.case
        self.head(c, th, "rate_title", c.item_name(case) if case else "")
        self.ids.hint.text = tx(c, "rate_hint")
        self.ids.hint.font_size = th.fs(32)
        self.ids.hint.color = th.muted
        levels: RatingLevels = self.ids.levels
        levels.selected = int(form.level) if form and form.level is not None else None
        bad = form is not None and form.level is not None and Level(form.level).is_bad
        reasons: ReasonsGrid = self.ids.reasons
        public: PublicToggle = self.ids.public
        self.ids.reasons_title.text = tx(c, "reasons_title") if bad else ""
        self.ids.reasons_title.font_size = th.fs(34)
        self.ids.reasons_title.color = th.ink
        reasons.opacity = 1 if bad else 0
        reasons.disabled = not bad
        reasons.size_hint_y = 0.3 if bad else 0.001  # the faces take the room until a reason is needed
        levels.size_hint_y = 0.34 if bad else 0.6
        # Elderly mode: every word 1.5x; until a 差评 needs reasons, the five levels are full-width
        # strips (face beside a large word) stacked top to bottom, one choice per row.
        elderly = th.scale > 1
        levels.orientation = "vertical" if elderly and not bad else "horizontal"
        if elderly and bad:  # room for reason tiles tall enough for 1.5x words
            levels.size_hint_y, reasons.size_hint_y = 0.2, 0.5
        english = c.language == "en"  # English first and larger, Chinese beneath
        for w in (levels, reasons, public, self.ids.submit):
            w.text_scale = th.scale
            w.english_first = english
        public.height = 150 if elderly else 120
        self.ids.submit.height = 160 if elderly else 140
        if form is not None:
            reasons.set_items(
                [_Reason(r.code, r.text, r.text_en, r.code in form.reasons) for r in form.reason_list]
            )
        public.public = form.public if form is not None else True
        problem = c.rate_problem()
        self.ids.problem.text = (problem or "").split(" / ")[0 if c.language != "en" else -1]
        self.ids.problem.font_size = th.fs(32)
        self.ids.problem.color = th.bad
        self.ids.submit.zh = texts.zh("submit")
        self.ids.submit.en = texts.text("submit", "en")


class _Reason:
    def __init__(self, code: str, text: str, text_en: str, selected: bool) -> None:
        self.code, self.text, self.text_en, self.selected = code, text, text_en, selected


class RateThanksScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        _message(self, c, th, "thanks", "thanks_hint", th.ok, "✓")


class RateRefusedScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        case = c.session.case
        if case is not None and case.state != 3:
            _message(self, c, th, "not_rateable", "", th.muted, "i")
        else:
            _message(self, c, th, "already_rated", "already_rated_hint", th.accent, "i")


class PrintingScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        _message(self, c, th, "printing", "", th.accent, "…")


class PrintDoneScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        _message(self, c, th, "print_done", "", th.ok, "✓")


class PrintErrorScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        problem = c.session.print_problem
        if problem == "paper_out":
            _message(self, c, th, "paper_out", "paper_out_hint", th.warn, "!")
        elif problem == "missing":
            _message(self, c, th, "printer_missing", "printer_missing_hint", th.warn, "!")
        else:
            _message(self, c, th, "printer_fault", "printer_missing_hint", th.bad, "!")
        case = c.session.case
        if case is not None:  # the case number stays readable, so it can be noted down
            self.ids.body.add_widget(
                Txt(
                    f"{tx(c, 'case_id')}: {case.case_id}",
                    size=th.fs(MESSAGE_HINT_PX + 4),
                    color=th.ink,
                    bold=True,
                    halign="center",
                )
            )


class GuideHomeScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        self.head(c, th, "guides_title")
        search = self.ids.search
        search.clear_widgets()
        body = self.ids.body
        body.clear_widgets()
        cat = c.catalogue
        if cat is None:
            body.add_widget(Txt(tx(c, "catalogue_missing"), size=th.fs(40), color=th.muted, halign="center"))
            return
        field = Label(
            text=c.guide.query or tx(c, "search_hint"),
            font_size=th.fs(40 if c.guide.query else 32),
            color=th.ink if c.guide.query else th.muted,
            size_hint_y=None,
            height=max(110, 96 * th.scale),
            bold=bool(c.guide.query),
        )
        paint(field, th.card, th.accent, radius=12, width=3)
        search.add_widget(field)
        q = c.guide.query

        def key(k: str) -> None:
            if k == "BACK":
                c.set_query(q[:-1])
            elif k == "CLEAR":
                c.set_query("")
            elif k == "GO":
                if q:
                    c.search(q)
            else:
                c.set_query(q + k.lower())

        search.add_widget(LetterPad(th, key, labels=(tx(c, "key_back"), tx(c, "key_clear"), tx(c, "search"))))
        browse: tuple[tuple[str, Literal["department", "category"], list[Named]], ...] = (
            ("by_department", "department", cat.departments),
            ("by_category", "category", cat.categories),
        )
        for title_key, mode, groups in browse:
            body.add_widget(Txt(tx(c, title_key), size=th.fs(40), color=th.ink, bold=True))
            # one column where names are long: English, 长者模式, and 蒙文 (its column beside the Chinese)
            grid = _grid(2 if th.scale == 1 and c.language not in ("en", "mn") else 1)
            for g in groups:
                n = sum(1 for i in cat.items if getattr(i, mode) == g.code)
                if n == 0:
                    continue
                mn = g.names.get("mn", "") if c.language == "mn" else ""
                grid.add_widget(
                    Tile(
                        g.name(c.language if c.language != "mn" else BASE_LANGUAGE),
                        tx(c, "n_items", n=n),
                        th=th,
                        title_size=34,
                        height=190 if mn else 140,
                        mn=mn,
                        on_press_do=partial(c.browse, mode, g.code),
                    )
                )
            body.add_widget(grid)


def _grid(cols: int) -> Any:
    from kivy.uix.gridlayout import GridLayout

    g = GridLayout(cols=cols, spacing=16, size_hint_y=None)
    g.bind(minimum_height=g.setter("height"))
    return g


class GuideListScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        g = c.guide
        cat = c.catalogue
        if g.mode == "search":
            title = f"{tx(c, 'search')}: {g.query}"
        else:
            named = (
                (cat.department(g.code) if g.mode == "department" else cat.category(g.code)) if cat else None
            )
            title = (
                named.name(c.language)
                if named is not None and c.language != "mn"
                else (named.name(BASE_LANGUAGE) if named else "")
            )
        h = self.ids.head
        h.clear_widgets()
        h.add_widget(Txt(title, size=th.fs(52), color=th.ink, bold=True))
        items, pages = c.visible_items()
        h.add_widget(Txt(tx(c, "n_items", n=len(c.guide_items())), size=th.fs(32), color=th.muted))
        body = self.ids.body
        body.clear_widgets()
        if not items:
            body.add_widget(Txt(tx(c, "no_results"), size=th.fs(40), color=th.muted, halign="center"))
        for it in items:
            body.add_widget(_item_tile(c, th, it))
        _pager(self.ids.actions, c, th, g.page, pages)


def _item_tile(c: KioskController, th: Theme, it: Item) -> Widget:
    lang = c.language
    text = it.text(lang if lang != "mn" else BASE_LANGUAGE)
    dep = c.catalogue.department(it.department) if c.catalogue else None
    dep_name = dep.name(lang if lang != "mn" else BASE_LANGUAGE) if dep else ""
    sub = f"{dep_name} · {tx(c, 'case_type_' + str(it.case_type))}"
    mn = it.texts["mn"].name if lang == "mn" and "mn" in it.texts else ""
    return Tile(
        text.name,
        sub,
        th=th,
        title_size=38,
        height=170 if not mn else 260,
        mn=mn,
        on_press_do=partial(c.open_item, it.code),
    )


class GuideScreen(KioskScreen):
    def fill(self, c: KioskController, th: Theme) -> None:
        it = c.guide_item()
        body = self.ids.body
        _clear(body, self.ids.head)
        self.ids.qr.data = ""
        if it is None:
            return
        lang = c.language
        mn = lang == "mn"
        g = guide_text.guide(it, c.catalogue, lang)
        h = self.ids.head
        name = Txt(g.name, size=th.fs(50), color=th.ink, bold=True)
        h.add_widget(_with_mongolian(g.mn_name, name, th, 34, 200) if g.mn_name else name)
        h.add_widget(Txt("\n".join(g.meta), size=th.fs(30), color=th.muted))
        for sec in g.sections:
            card = Card(th)
            zh_box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=6)
            zh_box.bind(minimum_height=zh_box.setter("height"))
            zh_box.add_widget(
                Txt(tx(c, sec.key), size=th.fs(38), color=th.accent if th.scale == 1 else th.muted, bold=True)
            )
            for ln in sec.lines:
                if ln:
                    zh_box.add_widget(Txt(ln, size=th.fs(32), color=th.ink))
            heading_mn = [texts.text(sec.key, "mn")] if mn and texts.has_own(sec.key, "mn") else []
            column_text = "\n".join([*heading_mn, *(x for x in sec.mn_lines if x)])
            card.add_widget(_with_mongolian(column_text, zh_box, th, 28, 320) if column_text else zh_box)
            body.add_widget(card)
        self.ids.qr.data = it.online_url
        self.ids.qr_caption.text = tx(c, "online")
        self.ids.qr_caption.font_size = th.fs(30)
        self.ids.qr_caption.color = th.ink


def _with_mongolian(mn_text: str, beside: Widget, th: Theme, size: float, column_height: float) -> Widget:
    """Mongolian in vertical columns (top to bottom, columns left to right) with the Chinese beside
    it on the right, as bilingual signs in Inner Mongolia put them; each newline starts a column."""
    col_h = column_height * th.scale
    col = ShapedLabel(
        text=mn_text, lang="mn", font_size=th.fs(size), color=list(th.ink), vertical=True, wrap=col_h
    )
    col.size_hint_x = None
    col.width = col.texture_size[0]
    row = BoxLayout(orientation="horizontal", size_hint_y=None, spacing=24)
    row.add_widget(col)
    top = AnchorLayout(anchor_y="top")  # the Chinese starts level with the top of the columns
    top.add_widget(beside)
    row.add_widget(top)

    def fit(*_: Any) -> None:
        row.height = max(col.texture_size[1], beside.height)

    beside.bind(height=fit)
    fit()
    return row


SCREEN_CLASSES: dict[str, type[KioskScreen]] = {
    "home": HomeScreen,
    "place_card": PlaceCardScreen,
    "querying": QueryingScreen,
    "progress": ProgressScreen,
    "not_found": NotFoundScreen,
    "case": CaseScreen,
    "unavailable": UnavailableScreen,
    "card_error": CardErrorScreen,
    "rate": RateScreen,
    "rate_thanks": RateThanksScreen,
    "rate_refused": RateRefusedScreen,
    "printing": PrintingScreen,
    "print_done": PrintDoneScreen,
    "print_error": PrintErrorScreen,
    "guide_home": GuideHomeScreen,
    "guide_list": GuideListScreen,
    "guide": GuideScreen,
}
