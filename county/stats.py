"""The county's statistics: one definition each (docs/county.md "What each number means").

Every number the console, the API and the monthly report show comes from here.

- *active* ratings: stored, not a system default, not invalid (误评/恶意差评 approved on appeal).
- 好评 = levels 4-5, 中评 = 3, 差评 = 1-2 (active ratings only).
- 好评率 = 好评 / active; 差评率 = 差评 / active.
- 评价率 = cases finished in the period with an active rating / cases finished in the period
  (the case store's finished cases).
- 回访率 = work orders with a 回访 / work orders (opened in the period, not invalid).
- 按期整改率 = work orders closed by their due day / work orders due in the period (not invalid).

Periods are China-time days, both ends included. A rate whose denominator is 0 is None (null).
Plain SQL over the same columns on SQLite and PostgreSQL.

The counts by hall, window, clerk, item, channel and day (`compute`, and 好评率 / 差评率 in
`rates`) are sums over the daily summary `rating_days` (county/summary.py, migration 4), kept in
the transaction of every write to the ratings: a year is read from some thousands of rows, not a
million ratings. `compute_from_ratings` counts the same from the ratings themselves (the
definition the summary must equal; the tests hold them equal). 评价率 needs each case's ratings,
so `rated_cases` reads the ratings (by case id, from the unique index); 回访率 and 按期整改率 read
the work orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, Field

from county.schema import SUMMARY_COUNTS
from county.store import EventStore

BY = ("hall", "window", "staff", "item", "channel", "day")

CHANNEL_NAMES = {
    1: "PC端 · PC",
    2: "移动端 · mobile",
    3: "二维码 · QR code",
    4: "大厅平板 · hall tablet",
    5: "大厅评价器 · hall terminal",
    6: "短信 · SMS",
    7: "系统默认 · system default",
}

# by -> (grouping columns, label column or None); the key is the grouping columns joined by "/"
_GROUPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "hall": (("hall_id",), None),
    "window": (("hall_id", "window_id"), None),
    "staff": (("staff_id",), "staff_name"),
    "item": (("item_code",), "item_name"),
    "channel": (("channel",), None),
    "day": (("rated_day",), None),
}
NONE_LABEL = "（无）· none"


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class StatsTotal(BaseModel):
    levels: dict[str, int] = Field(default_factory=lambda: {str(n): 0 for n in range(1, 6)})
    active: int = 0
    defaults: int = 0
    invalid: int = 0
    good_rate: float | None = None
    bad_rate: float | None = None

    def finish(self) -> None:
        self.good_rate = rate(self.levels["4"] + self.levels["5"], self.active)
        self.bad_rate = rate(self.levels["1"] + self.levels["2"], self.active)

    @property
    def good(self) -> int:
        return self.levels["4"] + self.levels["5"]

    @property
    def bad(self) -> int:
        return self.levels["1"] + self.levels["2"]


class StatsRow(StatsTotal):
    key: str
    label: str


class Stats(BaseModel):
    """`model_dump(mode="json")` is the `/api/v1/stats` answer: `{"rows": [...], "total": {...}}`."""

    rows: list[StatsRow]
    total: StatsTotal


def _check(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise ValueError(f"the period ends ({date_to}) before it starts ({date_from})")


def _period_sql(hall: str | None) -> tuple[str, list[Any]]:
    return (
        "rated_day >= ? AND rated_day <= ?" + (" AND hall_id = ?" if hall is not None else ""),
        [] if hall is None else [hall],
    )


# by -> (the summary's dim, its grouping columns, whether it has a label); the same keys as _GROUPS
_SUMMARY: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "hall": ("window", ("hall_id",), False),  # every rating is in one window row: sum them
    "window": ("window", ("hall_id", "k"), False),
    "staff": ("staff", ("k",), True),
    "item": ("item", ("k",), True),
    "channel": ("channel", ("k",), False),
    "day": ("window", ("rated_day",), False),
}
_SUMS = ", ".join(f"sum({c})" for c in SUMMARY_COUNTS)


def _checked(date_from: date, date_to: date, by: str) -> None:
    if by not in _GROUPS:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    _check(date_from, date_to)


def compute(store: EventStore, date_from: date, date_to: date, by: str, hall: str | None = None) -> Stats:
    """Ratings of [date_from, date_to] (China time) grouped `by` one of `BY`, rows sorted by key.

    Summed from the daily summary; the same answer as `compute_from_ratings`, for every period."""
    _checked(date_from, date_to, by)
    dim, cols, labelled = _SUMMARY[by]
    group = ", ".join(cols)
    label = ", max(label)" if labelled else ""
    where, extra = _period_sql(hall)
    rows = store.rows(
        f"SELECT {group}{label}, {_SUMS} FROM rating_days WHERE dim = ? AND {where} GROUP BY {group}",
        [dim, date_from.isoformat(), date_to.isoformat(), *extra],
    )
    return _fold(by, rows, len(cols), labelled)


def compute_from_ratings(
    store: EventStore, date_from: date, date_to: date, by: str, hall: str | None = None
) -> Stats:
    """What `compute` answers, counted from every rating of the period (the definition itself)."""
    _checked(date_from, date_to, by)
    cols, label_col = _GROUPS[by]
    group = ", ".join(cols)
    label = f", max({label_col})" if label_col else ""
    where, extra = _period_sql(hall)
    # one row per group, counted by kind in the same pass: the sort is on the group key alone,
    # as in a plain count(*) GROUP BY (columns from _GROUPS only, never from the caller)
    rows = store.rows(
        f"SELECT {group}{label}, {_COUNTS} FROM ratings WHERE {where} GROUP BY {group}",
        [date_from.isoformat(), date_to.isoformat(), *extra],
    )
    return _fold(by, rows, len(cols), label_col is not None)


def _fold(by: str, rows: list[tuple[Any, ...]], n_cols: int, labelled: bool) -> Stats:
    """Rows of (grouping columns..., [label], the seven counts) as `Stats`."""
    acc: dict[str, list[int]] = {}  # key -> [level 1..5 active, defaults, invalid]
    parts_of: dict[str, list[str]] = {}
    # key -> the greatest label of its rows, as SQL's max() over both spellings of a key
    names: dict[str, Any] = {}
    total = [0] * 7
    first = n_cols + (1 if labelled else 0)
    for r in rows:
        parts = ["" if v is None else str(v) for v in r[:n_cols]]
        key = "/".join(parts)
        counts = [int(n or 0) for n in r[first:]]
        total = [a + b for a, b in zip(total, counts, strict=True)]
        if key in acc:  # two spellings of one key (NULL and ""): one row
            counts = [a + b for a, b in zip(acc[key], counts, strict=True)]
        acc[key] = counts
        parts_of[key] = parts
        name = r[n_cols] if labelled else None
        if name is not None and (names.get(key) is None or str(name) > str(names[key])):
            names[key] = name
    return Stats(
        rows=[
            _model(StatsRow, acc[k], key=k, label=_label(by, parts_of[k], names.get(k))) for k in sorted(acc)
        ],
        total=_model(StatsTotal, total),
    )


_ACTIVE = "NOT invalid AND NOT system_default"
# FILTER (SQLite >= 3.30, PostgreSQL): measured cheaper per row than sum(CASE ...) on both
_COUNTS = ", ".join(
    [
        *(f"count(*) FILTER (WHERE level = {n} AND {_ACTIVE})" for n in range(1, 6)),
        "count(*) FILTER (WHERE system_default AND NOT invalid)",
        "count(*) FILTER (WHERE invalid)",
    ]
)


_T = TypeVar("_T", bound="StatsTotal")


def _model(cls: type[_T], counts: list[int], **extra: str) -> _T:
    m = cls(
        levels={str(i + 1): counts[i] for i in range(5)},
        active=sum(counts[:5]),
        defaults=counts[5],
        invalid=counts[6],
        **extra,
    )
    m.finish()
    return m


def _label(by: str, parts: list[str], label: Any) -> str:
    if by == "channel":
        return CHANNEL_NAMES.get(int(parts[0]), parts[0])
    if by == "window":
        return f"{parts[0]} / {parts[1] or NONE_LABEL}"
    if label:
        return str(label)
    return parts[-1] or NONE_LABEL


class FinishedCases(Protocol):
    """The case store as far as 评价率 needs it (county/cases.py `CaseStore`)."""

    def finished_between(self, date_from: date, date_to: date, hall: str | None = None) -> list[str]:
        """Case ids of cases finished on [date_from, date_to] (China time)."""
        ...


class Rates(BaseModel):
    """The five rates of a period with the counts they come from (None: denominator 0)."""

    good_rate: float | None
    bad_rate: float | None
    rating_rate: float | None  # 评价率
    visit_rate: float | None  # 回访率
    on_time_rate: float | None  # 按期整改率
    active: int
    good: int
    bad: int
    cases_finished: int | None  # None: no case store given
    cases_rated: int | None
    workorders: int
    visited: int
    due: int
    closed_on_time: int


def _chunks(items: Sequence[str], n: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def rated_cases(store: EventStore, case_ids: Sequence[str]) -> set[str]:
    """Those of `case_ids` with an active rating (any round)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(case_ids))):
        found.update(
            str(r[0])
            for r in store.rows(
                "SELECT DISTINCT case_id FROM ratings WHERE case_id IN ({}) AND system_default = FALSE"
                " AND invalid = FALSE".format(",".join("?" * len(chunk))),
                list(chunk),
            )
        )
    return found


def rates(
    store: EventStore,
    date_from: date,
    date_to: date,
    hall: str | None = None,
    cases: FinishedCases | None = None,
) -> Rates:
    _check(date_from, date_to)
    total = compute(store, date_from, date_to, "hall", hall).total
    period = [date_from.isoformat(), date_to.isoformat(), *([hall] if hall is not None else [])]
    on_hall = " AND hall_id = ?" if hall is not None else ""
    [(orders, visited)] = store.rows(
        "SELECT count(*), coalesce(sum(CASE WHEN visited THEN 1 ELSE 0 END), 0) FROM workorders"
        f" WHERE rated_day >= ? AND rated_day <= ? AND state <> 'invalid'{on_hall}",
        period,
    )
    [(due, on_time)] = store.rows(
        "SELECT count(*),"
        " coalesce(sum(CASE WHEN state = 'closed' AND closed_day <= due THEN 1 ELSE 0 END), 0)"
        f" FROM workorders WHERE due >= ? AND due <= ? AND state <> 'invalid'{on_hall}",
        period,
    )
    finished: int | None = None
    rated: int | None = None
    if cases is not None:
        ids = cases.finished_between(date_from, date_to, hall)
        finished, rated = len(ids), len(rated_cases(store, ids))
    return Rates(
        good_rate=total.good_rate,
        bad_rate=total.bad_rate,
        rating_rate=rate(rated, finished) if finished is not None and rated is not None else None,
        visit_rate=rate(int(visited), int(orders)),
        on_time_rate=rate(int(on_time), int(due)),
        active=total.active,
        good=total.good,
        bad=total.bad,
        cases_finished=finished,
        cases_rated=rated,
        workorders=int(orders),
        visited=int(visited),
        due=int(due),
        closed_on_time=int(on_time),
    )
