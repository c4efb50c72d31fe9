"""GB/T 39046-2020 表9 export and its reversed satisfaction code (1 = 非常满意)."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from core.levels import Level
from county.main import main
from county.store import SqliteStore
from county.upstream import gbt39046
from county.upstream.profiles import PROFILES, Sender
from county.upstream.queue import UpstreamQueue
from tests.support.events import T0, rating


def test_code_mapping_both_ways():
    assert [(lv.gbt_code, lv.zh) for lv in sorted(Level, reverse=True)] == [
        (1, "非常满意"),
        (2, "满意"),
        (3, "基本满意"),
        (4, "不满意"),
        (5, "非常不满意"),
    ]
    for lv in Level:
        assert Level.from_gbt_code(lv.gbt_code) is lv
    for code in range(1, 6):
        assert Level.from_gbt_code(code).gbt_code == code
    assert Level.from_gbt_code(1) is Level.VERY_SATISFIED and int(Level.VERY_SATISFIED) == 5
    for bad in (0, 6):
        with pytest.raises(ValueError):
            Level.from_gbt_code(bad)


def test_province_level_and_gbt_code_never_mix(tmp_path):
    """The same 非常不满意 rating: satisfaction 1 to the province, 满意度代码 5 in the GB/T export."""
    store = SqliteStore(tmp_path / "c.db")
    ev = rating(case_id="X-1", level=Level.VERY_DISSATISFIED, reasons=["slow"])
    store.store_batch([ev])
    [report] = UpstreamQueue(store, "t").claim(1, 30)
    assert PROFILES["zj"].body(report, Sender("330102000000", "D", "S"))["satisfaction"] == 1
    [row] = gbt39046.rows(store, T0.date(), T0.date())
    assert (row.satisfaction, row.code) == ("非常不满意", 5)
    store.close()


def test_export_csv_and_xlsx(tmp_path, capsys):
    db = tmp_path / "county.db"
    store = SqliteStore(db)
    day = T0.date()
    store.store_batch(
        [
            rating(case_id="A-1", level=Level.VERY_SATISFIED, comment="很好"),
            rating(case_id="A-1", assess_number=2, level=Level.SATISFIED),
            rating(
                case_id="A-2", level=Level.DISSATISFIED, reasons=["slow"], rated_at=T0 + timedelta(hours=15)
            ),
            rating(
                case_id="A-3",
                invited_at=T0 - timedelta(days=2),  # a day not asked for
                rated_at=T0 - timedelta(days=2),
            ),
        ]
    )
    store.close()
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{db}"\n')
    out = tmp_path / "t9.csv"
    assert (
        main(
            ["--config", str(cfg), "export-gbt39046", "--from", str(day), "--to", str(day), "--out", str(out)]
        )
        == 0
    )
    assert "wrote 2 ratings" in capsys.readouterr().out  # A-2 was rated the next day, China time
    with open(out, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == list(gbt39046.HEADER)
    assert table[1] == ["A-1", "5", "", "20261123T093008", "1", "非常满意", "1", "很好", "110101"]
    assert table[2][4:7] == ["2", "满意", "2"]
    xlsx = tmp_path / "t9.xlsx"
    assert (
        main(
            [
                "--config",
                str(cfg),
                "export-gbt39046",
                "--from",
                str(day),
                "--to",
                str(day + timedelta(days=1)),
                "--out",
                str(xlsx),
            ]
        )
        == 0
    )
    ws = load_workbook(xlsx)["表9 评价数据"]
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == list(gbt39046.HEADER) and len(values) == 4
    assert values[3][0] == "A-2" and values[3][5:7] == ["不满意", 4]
    assert (
        main(
            [
                "--config",
                str(cfg),
                "export-gbt39046",
                "--from",
                str(day),
                "--to",
                str(day),
                "--out",
                str(tmp_path / "t9.txt"),
            ]
        )
        == 2
    )
    assert "must end in .csv or .xlsx" in capsys.readouterr().err
