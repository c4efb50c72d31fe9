"""The monthly 通报 as an XLSX workbook (`hall-county report --month 2026-11 --out FILE.xlsx`).

Sheets: 汇总 (the five rates with their counts), one per grouping (hall, window, staff, item,
channel, day), the window ranking, and the 差评 list with each work order's state. Every number
comes from county/stats.py. Nothing in it names a citizen: ratings carry no name or ID number,
and the 差评 list leaves out the free-text comment (a citizen might have typed a name there).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from core.clock import CHINA_TZ, SystemClock
from county.stats import BY, FinishedCases, Stats, compute, rates
from county.store import EventStore
from county.workdays import WorkCalendar
from county.workorders import ACTION_ZH, STATE_ZH, WorkOrderBook

SHEET_NAMES = {
    "hall": "按大厅 Hall",
    "window": "按窗口 Window",
    "staff": "按人员 Staff",
    "item": "按事项 Item",
    "channel": "按渠道 Channel",
    "day": "按日 Day",
}
LEVEL_HEADERS = ["非常不满意 1", "不满意 2", "基本满意 3", "满意 4", "非常满意 5"]
PERCENT = "0.0%"
BOLD = Font(bold=True)


def _header(ws: Worksheet, names: list[str]) -> None:
    ws.append(names)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    ws.freeze_panes = f"A{ws.max_row + 1}"


def _percent(ws: Worksheet, columns: list[int]) -> None:
    for row in ws.iter_rows(min_row=2):
        for c in columns:
            row[c - 1].number_format = PERCENT


def _stats_sheet(wb: Workbook, by: str, stats: Stats) -> None:
    ws = wb.create_sheet(SHEET_NAMES[by])
    _header(
        ws,
        [
            "键 Key",
            "名称 Name",
            *LEVEL_HEADERS,
            "有效评价 Active",
            "系统默认 Defaults",
            "无效 Invalid",
            "好评率 Good rate",
            "差评率 Bad rate",
        ],
    )
    for r in stats.rows:
        ws.append(
            [
                r.key,
                r.label,
                *(r.levels[str(n)] for n in range(1, 6)),
                r.active,
                r.defaults,
                r.invalid,
                r.good_rate,
                r.bad_rate,
            ]
        )
    t = stats.total
    ws.append(
        [
            "合计 Total",
            "",
            *(t.levels[str(n)] for n in range(1, 6)),
            t.active,
            t.defaults,
            t.invalid,
            t.good_rate,
            t.bad_rate,
        ]
    )
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    _percent(ws, [11, 12])


def write_report(
    store: EventStore,
    cases: FinishedCases | None,
    calendar: WorkCalendar,
    first: date,
    last: date,
    out: Path,
    hall: str | None = None,
) -> str:
    """Write the workbook; returns one line saying what it holds."""
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "汇总 Summary"
    r = rates(store, first, last, hall, cases)
    where = hall or "全县 whole county"
    summary.append(["好差评月度通报 · Monthly rating report"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["期间 Period", f"{first.isoformat()} – {last.isoformat()}"])
    summary.append(["范围 Scope", where])
    summary.append(["生成 Made", datetime.now(CHINA_TZ).strftime("%Y-%m-%d %H:%M")])
    if calendar.is_provisional(first) or calendar.is_provisional(last):
        summary.append(
            ["注意 Note", "本月工作日为暂定（周一至周五） · working days of this month are provisional"]
        )
    summary.append([])
    _header(summary, ["指标 Measure", "比率 Rate", "分子 Part", "分母 Whole", "定义 Definition"])
    rows = [
        ("好评率 Good rate", r.good_rate, r.good, r.active, "好评(4-5) / 有效评价"),
        ("差评率 Bad rate", r.bad_rate, r.bad, r.active, "差评(1-2) / 有效评价"),
        (
            "评价率 Rating rate",
            r.rating_rate,
            r.cases_rated,
            r.cases_finished,
            "有有效评价的办结件 / 本期办结件",
        ),
        ("回访率 Visit rate", r.visit_rate, r.visited, r.workorders, "已回访工单 / 本期工单"),
        ("按期整改率 On-time rate", r.on_time_rate, r.closed_on_time, r.due, "按期办结工单 / 本期到期工单"),
    ]
    start = summary.max_row + 1
    for row in rows:
        summary.append(list(row))
    for i in range(start, summary.max_row + 1):
        summary.cell(row=i, column=2).number_format = PERCENT
    summary.column_dimensions["A"].width = 26
    summary.column_dimensions["E"].width = 34

    per: dict[str, Stats] = {}
    for by in BY:
        per[by] = compute(store, first, last, by, hall)
        _stats_sheet(wb, by, per[by])

    ranking = wb.create_sheet("窗口排名 Ranking")
    _header(ranking, ["名次 Rank", "窗口 Window", "有效评价 Active", "好评率 Good rate", "差评率 Bad rate"])
    ranked = sorted(
        (w for w in per["window"].rows if w.active),
        key=lambda w: (-(w.good_rate or 0.0), w.bad_rate or 0.0, -w.active, w.key),
    )
    for n, w in enumerate(ranked, start=1):
        ranking.append([n, w.label, w.active, w.good_rate, w.bad_rate])
    _percent(ranking, [4, 5])

    bad = wb.create_sheet("差评 Bad ratings")
    _header(
        bad,
        [
            "工单 Order",
            "大厅 Hall",
            "窗口 Window",
            "设备 Device",
            "办件编号 Case",
            "等级 Level",
            "原因 Reasons",
            "评价时间 Rated at",
            "期限 Due",
            "状态 State",
            "逾期 Overdue",
            "最近处理 Last action",
        ],
    )
    book = WorkOrderBook(store, calendar, SystemClock())  # overdue as of now: today's state of each
    orders = [w for w in book.list(hall=hall) if first <= w.rated_at.astimezone(CHINA_TZ).date() <= last]
    for o in orders:
        done = [a for a in o.history if a.action not in ("open", "overdue")]
        last_action = (
            (
                f"{ACTION_ZH.get(done[-1].action, done[-1].action)} {done[-1].actor}"
                f" {done[-1].at.astimezone(CHINA_TZ):%Y-%m-%d}"
            )
            if done
            else ""
        )
        bad.append(
            [
                o.id,
                o.hall_id,
                o.window_id or "",
                o.device_id,
                o.case_id or "",
                o.level,
                ", ".join(o.reasons),
                o.rated_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
                o.due.isoformat(),
                f"{STATE_ZH[o.state]} {o.state}",
                "是 yes" if o.overdue else "",
                last_action,
            ]
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return (
        f"wrote {out}: {first:%Y-%m} {where}, {r.active} active ratings,"
        f" {len(per['window'].rows)} windows, {len(orders)} 差评 work orders"
    )
