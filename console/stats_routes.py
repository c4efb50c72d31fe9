"""Statistics pages, downloads and API, and the hall's public screen. Every number comes from
county/stats.py (one definition each); this module only picks periods and lays them out."""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from openpyxl import Workbook

from console.county_data import CountyData
from console.i18n import level_text, word
from console.users import Principal
from console.web import ApiError, check_hall, lang_of, page, principal
from console.workorder_routes import data_of
from core.clock import now as clock_now
from core.topics import ID_PATTERN
from county.report import write_report
from county.stats import Rates, Stats, compute, rates

router = APIRouter()
By = Literal["hall", "window", "staff", "item", "channel", "day"]
HallQuery = Annotated[str | None, Query(pattern=f"^{ID_PATTERN}$")]
MAX_DAYS = 3660  # ten years: a longer period is a typo


def _period(d: CountyData, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    today = d.today()
    first = date_from or today.replace(day=1)
    last = date_to or (today if date_from is None else first)
    if last < first:
        raise ApiError(422, f"输入有误 invalid input: to ({last}) is before from ({first})")
    if (last - first).days > MAX_DAYS:
        raise ApiError(422, f"输入有误 invalid input: a period of at most {MAX_DAYS} days")
    return first, last


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period before, for 环比: the whole month before when `first..last` is a whole calendar
    month; the same days of the month before for this month so far; else the same number of
    days just before."""
    if first.day == 1 and last.month == first.month and last.year == first.year:
        prev_last = first - timedelta(days=1)
        prev_first = prev_last.replace(day=1)
        if (last + timedelta(days=1)).day == 1:
            return prev_first, prev_last
        return prev_first, min(prev_last, prev_first + timedelta(days=(last - first).days))
    days = (last - first).days + 1
    return first - timedelta(days=days), first - timedelta(days=1)


def _scope(who: Principal, hall: str | None) -> str | None:
    check_hall(who, hall)
    return hall if hall is not None else who.hall


@dataclass(frozen=True)
class Asked:
    """A statistics request, checked: whose data, which period, which hall (None: the county)."""

    d: CountyData
    first: date
    last: date
    scope: str | None


@dataclass(frozen=True)
class Period:
    """The period and hall parameters as given (validated by FastAPI like every parameter)."""

    date_from: date | None
    date_to: date | None
    hall: str | None

    def asked(self, request: Request) -> Asked:
        """Who asks (401) first, then the period (422) and the hall (403), as each route did."""
        who = principal(request)
        d = data_of(request)
        first, last = _period(d, self.date_from, self.date_to)
        return Asked(d, first, last, _scope(who, self.hall))


def page_period(
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    hall: HallQuery = None,
) -> Period:
    """The pages' and downloads' parameters: this month so far when no period is given."""
    return Period(date_from, date_to, hall)


def api_period(
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    hall: HallQuery = None,
) -> Period:
    """The API's parameters: the period is required."""
    return Period(date_from, date_to, hall)


PagePeriod = Annotated[Period, Depends(page_period)]
ApiPeriod = Annotated[Period, Depends(api_period)]


def _stats(d: CountyData, first: date, last: date, by: str, hall: str | None) -> Stats:
    with d.lock:
        return compute(d.store, first, last, by, hall)


def _rates(d: CountyData, first: date, last: date, hall: str | None) -> Rates:
    with d.lock:
        return rates(d.store, first, last, hall, d.cases)


@router.get("/api/v1/stats")
def api_stats(request: Request, p: ApiPeriod, by: By) -> dict[str, Any]:
    q = p.asked(request)
    return _stats(q.d, q.first, q.last, by, q.scope).model_dump(mode="json")


@router.get("/api/v1/rates")
def api_rates(request: Request, p: ApiPeriod) -> dict[str, Any]:
    q = p.asked(request)
    return _rates(q.d, q.first, q.last, q.scope).model_dump(mode="json")


def ranked(s: Stats) -> list[int | None]:
    """Each row's rank by 好评率 (1 = best; rows without active ratings get none)."""
    order = sorted((r.good_rate, -i) for i, r in enumerate(s.rows) if r.good_rate is not None)
    order.reverse()
    rank: list[int | None] = [None] * len(s.rows)
    for n, (_rate, neg_i) in enumerate(order, 1):
        rank[-neg_i] = n
    return rank


@router.get("/stats")
def stats_page(request: Request, p: PagePeriod, by: By = "window") -> Response:
    q = p.asked(request)
    d, first, last, scope = q.d, q.first, q.last, q.scope
    s = _stats(d, first, last, by, scope)
    r = _rates(d, first, last, scope)
    pf, pl = previous_period(first, last)
    prev = _rates(d, pf, pl, scope)
    trend = _stats(d, first, last, "day", scope) if by != "day" else s
    chart = {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "days": [row.key for row in trend.rows],
        "good": [row.good_rate for row in trend.rows],
        "bad": [row.bad_rate for row in trend.rows],
        "active": [row.active for row in trend.rows],
    }
    provisional = d.calendar.is_provisional(first) or d.calendar.is_provisional(last)
    month = first.strftime("%Y-%m")
    return page(
        request,
        "stats.html",
        s=s,
        r=r,
        prev=prev,
        prev_period=(pf, pl),
        first=first,
        last=last,
        by=by,
        hall=scope,
        rank=ranked(s),
        chart=chart,
        provisional=provisional,
        month=month,
        query=request.url.query,
    )


def _table(s: Stats, by: str, lang: str) -> tuple[list[str], list[list[Any]]]:
    head = [
        word("by_" + by, lang),
        "key",
        *(level_text(n, lang) for n in range(1, 6)),
        word("active", lang),
        word("defaults", lang),
        word("invalid", lang),
        word("good_rate", lang),
        word("bad_rate", lang),
    ]
    rows: list[list[Any]] = [
        [
            r.label,
            r.key,
            *(r.levels[str(n)] for n in range(1, 6)),
            r.active,
            r.defaults,
            r.invalid,
            r.good_rate,
            r.bad_rate,
        ]
        for r in s.rows
    ]
    t = s.total
    rows.append(
        [
            word("total", lang),
            "",
            *(t.levels[str(n)] for n in range(1, 6)),
            t.active,
            t.defaults,
            t.invalid,
            t.good_rate,
            t.bad_rate,
        ]
    )
    return head, rows


@router.get("/stats/download.{fmt}")
def stats_download(
    request: Request, p: PagePeriod, fmt: Literal["csv", "xlsx"], by: By = "window"
) -> Response:
    """What the statistics page shows, as a file (no citizen data: counts only)."""
    q = p.asked(request)
    d, first, last, scope = q.d, q.first, q.last, q.scope
    head, rows = _table(_stats(d, first, last, by, scope), by, lang_of(request))
    name = f"stats-{scope or 'county'}-{by}-{first}-{last}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(head)
        w.writerows(rows)
        return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8", headers=disposition)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(head)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        headers=disposition,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@router.get("/stats/report.xlsx")
def monthly_report(
    request: Request,
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")],
    hall: HallQuery = None,
) -> Response:
    """The monthly 通报 of county/report.py for one hall (or the county, for an admin)."""
    who = principal(request)
    d = data_of(request)
    scope = _scope(who, hall)
    first = date.fromisoformat(month + "-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.xlsx"
        with d.lock:
            write_report(d.store, d.cases, d.calendar, first, last, out, scope)
        body = out.read_bytes()
    name = f"report-{scope or 'county'}-{month}.xlsx"
    return Response(
        body,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- the public screen: no login, aggregates only ---


def display_figures(d: CountyData, hall: str) -> dict[str, Any]:
    today = d.today()
    day = _stats(d, today, today, "window", hall)
    month = _stats(d, today.replace(day=1), today, "window", hall)
    windows = {
        r.key: {
            "window": r.key.partition("/")[2] or "-",
            "month_active": r.active,
            "month_good_rate": r.good_rate,
            "today_active": 0,
            "today_good_rate": None,
        }
        for r in month.rows
    }
    for r in day.rows:
        w = windows.setdefault(
            r.key, {"window": r.key.partition("/")[2] or "-", "month_active": 0, "month_good_rate": None}
        )
        w["today_active"], w["today_good_rate"] = r.active, r.good_rate
    return {
        "hall_id": hall,
        "today": {"active": day.total.active, "good_rate": day.total.good_rate},
        "month": {"active": month.total.active, "good_rate": month.total.good_rate},
        "windows": [windows[k] for k in sorted(windows)],
        "updated": clock_now(d.clock).isoformat(timespec="seconds"),
    }


def cached_display(request: Request, hall: str) -> dict[str, Any]:
    """The public screen's figures, computed at most once per half refresh period per hall:
    the page needs no login, so many screens (or anyone) asking must not each cost two queries."""
    d = data_of(request)
    ttl = request.app.state.ctx.settings.web.display_refresh_s / 2
    cache: dict[str, tuple[float, dict[str, Any]]] = request.app.state.display_cache
    now = d.clock.monotonic()
    hit = cache.get(hall)
    if hit is None or now - hit[0] >= ttl:
        if len(cache) > 1000:  # made-up hall names must not grow it without end
            cache.clear()
        hit = cache[hall] = (now, display_figures(d, hall))
    return hit[1]


@router.get("/display/{hall}")
def display_page(request: Request, hall: Annotated[str, PathParam(pattern=f"^{ID_PATTERN}$")]) -> Response:
    figures = cached_display(request, hall)
    return page(
        request,
        "display.html",
        f=figures,
        display_hall=hall,
        refresh_s=request.app.state.ctx.settings.web.display_refresh_s,
    )


@router.get("/display/{hall}/data")
def display_data(
    request: Request, hall: Annotated[str, PathParam(pattern=f"^{ID_PATTERN}$")]
) -> JSONResponse:
    return JSONResponse(cached_display(request, hall), headers={"Cache-Control": "no-store"})
