"""The monthly 通报 workbook: sheets, rates, ranking, the 差评 list; no citizen name or ID number."""

from datetime import datetime

import pytest
from openpyxl import load_workbook

from core.clock import CHINA_TZ
from county import main as county_main
from county.cases import CaseRecord, CaseStore
from county.report import SHEET_NAMES, write_report
from county.store import SqliteStore
from county.workdays import WorkCalendar
from tests.county.test_stats import NOV1, NOV30, at, fill_table

NAME, ID_NUMBER = "赵六", "11010519491231002X"


def _cases(path):
    cs = CaseStore(path, b"k" * 32)
    cs.upsert(
        [
            CaseRecord(
                case_id=cid,
                item_code="A",
                item_name="事项A",
                case_type=1,
                applicant_name=NAME,
                applicant_id_number=ID_NUMBER,
                accepted_at=at(10, 1),
                finished_at=at(11, 2 + i),
                state=3,
                hall_id="h1",
            )
            for i, cid in enumerate(["C1", "C2", "C4"])
        ],
        datetime.now(CHINA_TZ),
    )
    return cs


def _cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            yield from row


def test_monthly_workbook(tmp_path):
    store = fill_table(SqliteStore(tmp_path / "county.db"))
    cases = _cases(tmp_path / "cases.db")
    out = tmp_path / "report" / "2026-11.xlsx"
    line = write_report(store, cases, WorkCalendar(), NOV1, NOV30, out)
    assert "6 active ratings" in line and "4 差评 work orders" not in line  # #10 is October's
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总 Summary", *SHEET_NAMES.values(), "窗口排名 Ranking", "差评 Bad ratings"]
    summary = {r[0]: r[1:4] for r in wb["汇总 Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["好评率 Good rate"] == (0.5, 3, 6)
    assert summary["差评率 Bad rate"] == (0.3333, 2, 6)
    assert summary["评价率 Rating rate"] == (0.3333, 1, 3)  # C1 rated; C2 default only; C4 none
    assert summary["回访率 Visit rate"] == (0.5, 1, 2)
    assert summary["按期整改率 On-time rate"] == (0.3333, 1, 3)
    ranking = [r for r in wb["窗口排名 Ranking"].iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in ranking] == ["h2 / w-01", "h1 / w-01", "h1 / w-02"]
    assert [r[0] for r in ranking] == [1, 2, 3]
    window = {r[0]: r for r in wb["按窗口 Window"].iter_rows(min_row=2, values_only=True)}
    assert window["h1/w-01"][2:12] == (1, 0, 0, 1, 1, 3, 0, 0, 0.6667, 0.3333)
    assert window["合计 Total"][7] == 6
    bad = list(wb["差评 Bad ratings"].iter_rows(min_row=2, values_only=True))
    states = sorted((r[1], r[5], r[9]) for r in bad)
    assert states == [
        ("h1", 1, "已办结 closed"),
        ("h1", 2, "待回访 open"),
        ("h2", 2, "误评/恶意差评 invalid"),
    ]
    text = " ".join(str(c) for c in _cells(wb) if c is not None)
    assert NAME not in text and ID_NUMBER not in text and "赵*" not in text
    cases.close()
    store.close()


def test_report_command(tmp_path, capsys):
    fill_table(SqliteStore(tmp_path / "county.db")).close()
    _cases(tmp_path / "cases.db").close()
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path / "county.db"}"\n', encoding="utf-8")
    out = tmp_path / "h1.xlsx"
    assert (
        county_main.main(
            ["--config", str(cfg), "report", "--month", "2026-11", "--hall", "h1", "--out", str(out)]
        )
        == 0
    )
    assert "2026-11 h1, 5 active ratings" in capsys.readouterr().out
    wb = load_workbook(out)
    assert [r[0] for r in wb["按大厅 Hall"].iter_rows(min_row=2, values_only=True)] == ["h1", "合计 Total"]


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (["--month", "2026-13", "--out", "x.xlsx"], "--month '2026-13': not a month (YYYY-MM)"),
        (["--out", "x.xlsx"], "needs --month YYYY-MM"),
        (["--month", "2026-11"], "needs --out FILE.xlsx"),
    ],
)
def test_report_command_bad_arguments(tmp_path, capsys, args, msg):
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path / "county.db"}"\n', encoding="utf-8")
    assert county_main.main(["--config", str(cfg), "report", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and msg in err


def test_check_summary_command(tmp_path, capsys):
    store = fill_table(SqliteStore(tmp_path / "county.db"))
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path / "county.db"}"\n', encoding="utf-8")
    assert county_main.main(["--config", str(cfg), "check-summary"]) == 0
    assert "equals a recount of the ratings" in capsys.readouterr().out
    with store.transaction() as cur:  # a rating stored by a program that does not know the summary
        cur.execute("UPDATE ratings SET level = 4 WHERE level = 5 AND rated_day = '2026-11-30'")
    store.close()
    assert county_main.main(["--config", str(cfg), "check-summary"]) == 1
    out = capsys.readouterr().out
    assert "window/2026-11-30/h2/w-01/: summary (0, 0, 0, 0, 1, 0, 0), ratings (0, 0, 0, 1, 0, 0, 0)" in out
    assert "differs from the ratings in 4 rows" in out
    assert county_main.main(["--config", str(cfg), "check-summary", "--rebuild"]) == 0
    assert county_main.main(["--config", str(cfg), "check-summary"]) == 0
