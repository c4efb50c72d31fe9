"""`hall-county export-gbt39046`: stored ratings as GB/T 39046-2020 表9 rows (CSV or XLSX).

The standard's 满意度代码 runs the other way from the provincial level: 1 = 非常满意 ... 5 = 非常不满意.
It is derived from the stored level by `core.levels.Level.gbt_code`, the one mapping in the code.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from core.clock import CHINA_TZ
from core.levels import Level
from county.store import EventStore

HEADER = (
    "办件编号",
    "评价渠道",
    "评价人",
    "评价时间",
    "评价次数",
    "满意度",
    "满意度代码",
    "文字评价",
    "行政区划",
)


@dataclass(frozen=True, slots=True)
class GbtRow:
    project_no: str
    channel: int
    rater: str  # always empty: no citizen name leaves the county
    time: str  # YYYYMMDDThhmmss, China time
    number: int
    satisfaction: str
    code: int
    comment: str
    region: str

    def cells(self) -> tuple[str | int, ...]:
        return (
            self.project_no,
            self.channel,
            self.rater,
            self.time,
            self.number,
            self.satisfaction,
            self.code,
            self.comment,
            self.region,
        )


def rows(store: EventStore, date_from: date, date_to: date) -> Iterator[GbtRow]:
    """Ratings whose China-time rating day is in [date_from, date_to], oldest first."""
    # rated_at is stored as ISO text with the device's offset: select a day wider, filter exactly
    lo, hi = (date_from - timedelta(days=1)).isoformat(), (date_to + timedelta(days=2)).isoformat()
    found = store.rows(
        "SELECT event_id, case_id, channel, rated_at, assess_number, level, comment, region_code"
        " FROM ratings WHERE rated_at >= ? AND rated_at < ? ORDER BY rated_at, event_id",
        [lo, hi],
    )
    out = []
    for event_id, case_id, channel, rated_at, number, level, comment, region in found:
        at = datetime.fromisoformat(str(rated_at)).astimezone(CHINA_TZ)
        if not date_from <= at.date() <= date_to:
            continue
        lv = Level(int(level))
        out.append(
            (
                at,
                GbtRow(
                    str(case_id or event_id),
                    int(channel),
                    "",
                    at.strftime("%Y%m%dT%H%M%S"),
                    int(number),
                    lv.zh,
                    lv.gbt_code,
                    str(comment),
                    str(region),
                ),
            )
        )
    out.sort(key=lambda pair: pair[0])
    return (row for _, row in out)


def export(store: EventStore, date_from: date, date_to: date, out: Path) -> int:
    """Write `out` (.csv: UTF-8 with BOM, for spreadsheet programs; .xlsx); returns the row count."""
    data = list(rows(store, date_from, date_to))
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)  # streamed: a year of a county's ratings fits in little memory
        ws = wb.create_sheet("表9 评价数据")
        ws.append(HEADER)
        for r in data:
            ws.append(r.cells())
        wb.save(out)
    elif out.suffix.lower() == ".csv":
        with open(out, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            w.writerows(r.cells() for r in data)
    else:
        raise ValueError(f"--out {out}: must end in .csv or .xlsx")
    return len(data)
