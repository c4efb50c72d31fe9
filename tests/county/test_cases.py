"""The county case store: import (JSON, CSV), HMAC instead of ID numbers, masked names, queries."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from core.clock import CHINA_TZ, FakeClock
from core.gb11643 import is_valid as id_number_valid
from core.queries import ProgressQuery, ProgressReply
from county.cases import CaseImportError, CaseStore, load_or_create_key, read_export
from county.demo_cases import DEMO_APPLICANTS, demo_cases, demo_export
from county.queries import QueryService
from county.workdays import WorkCalendar

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=CHINA_TZ)  # a Monday
ZHANG = DEMO_APPLICANTS[0]


class Ratings:
    def __init__(self) -> None:
        self.rated: set[tuple[str, int]] = set()

    def is_rated(self, case_id: str, assess_number: int) -> bool:
        return (case_id, assess_number) in self.rated


@pytest.fixture
def store(tmp_path: Path) -> CaseStore:
    s = CaseStore(tmp_path / "cases.db", load_or_create_key(tmp_path / "id.key"))
    s.upsert(demo_cases(NOW), NOW)
    return s


def clock_at(dt: datetime) -> FakeClock:
    return FakeClock(dt.timestamp())


def test_demo_ids_are_valid_and_key_file_is_private(tmp_path: Path) -> None:
    assert all(id_number_valid(a.id_number) for a in DEMO_APPLICANTS)
    key = load_or_create_key(tmp_path / "k" / "id.key")
    assert (tmp_path / "k" / "id.key").stat().st_mode & 0o077 == 0
    assert load_or_create_key(tmp_path / "k" / "id.key") == key


def test_store_keeps_no_id_number_nor_clear_name(store: CaseStore, tmp_path: Path) -> None:
    store.close()
    db = sqlite3.connect(tmp_path / "cases.db")
    dump = "\n".join(db.iterdump())
    for a in DEMO_APPLICANTS:
        assert a.id_number not in dump
        assert a.id_number[:17] not in dump
        assert f"'{a.name}'" not in dump
    assert "'张*'" in dump


def test_query_by_id_number_and_by_case(store: CaseStore) -> None:
    svc = QueryService(store, Ratings(), clock_at(NOW))
    q = ProgressQuery(hall_id="h1", device_id="kiosk-01", id_number=ZHANG.id_number)
    reply = ProgressReply.from_json(svc.answer("progress", q.to_json()).to_json())
    assert reply.result == "ok"
    assert len(reply.cases) == 4
    assert {c.applicant_masked for c in reply.cases} == {"张*"}
    assert [c.accepted_at for c in reply.cases] == sorted((c.accepted_at for c in reply.cases), reverse=True)
    one = reply.cases[0]
    again = svc.answer(
        "progress", ProgressQuery(hall_id="h1", device_id="kiosk-01", case_id=one.case_id).to_json()
    )
    assert again.result == "ok" and again.cases == [one]
    # a lower-case x in an ID number is the same person
    assert store.applicant_key(ZHANG.id_number.lower()) == store.applicant_key(ZHANG.id_number)


def test_not_found_and_errors_never_echo_the_id_number(store: CaseStore) -> None:
    svc = QueryService(store, Ratings(), clock_at(NOW))
    other = "11010119900101002X"
    r = svc.answer("progress", ProgressQuery(hall_id="h1", device_id="kiosk-01", id_number=other).to_json())
    assert r.result == "not_found" and r.cases == []
    bad = json.dumps(
        {
            "schema": "hall.query.progress/1",
            "hall_id": "h1",
            "device_id": "kiosk-01",
            "id_number": "15010219850312217",
        }
    ).encode()  # 17 digits
    r = svc.answer("progress", bad)
    assert r.result == "error" and "15010219850312217" not in (r.reason or "")
    assert svc.answer("nonsense", b"{}").result == "error"
    assert svc.answer("progress", b"not json").result == "error"


def test_rateable_rules(store: CaseStore) -> None:
    ratings = Ratings()
    svc = QueryService(store, ratings, clock_at(NOW))
    cases = {c.item_code: c for c in store.by_id_number(ZHANG.id_number)}
    fresh = cases["000110020000-150102"]  # 社保卡补换, finished today
    running = cases["000108001000-150102"]  # in progress
    old = cases["000112001000-150102"]  # finished 40 days ago
    assert svc.rateable(fresh)
    assert not svc.rateable(running)
    assert not svc.rateable(old)  # past 5 working days: the system default applies
    ratings.rated.add((fresh.case_id, 1))
    assert not svc.rateable(fresh)
    # the window is working days: finished Friday, still rateable the Friday after, not the Monday after
    assert svc.calendar.add_workdays(datetime(2026, 11, 20).date(), 5) == datetime(2026, 11, 27).date()
    # the same official calendar as the county's default job: the National Day week is not counted
    assert svc.calendar.add_workdays(datetime(2026, 9, 29).date(), 5) == datetime(2026, 10, 12).date()
    assert isinstance(svc.calendar, WorkCalendar)


def test_response_topic_must_be_the_askers(store: CaseStore) -> None:
    from core import topics

    svc = QueryService(store, Ratings(), clock_at(NOW))
    q = ProgressQuery(hall_id="h1", device_id="kiosk-01", id_number=ZHANG.id_number).to_json()
    assert svc.answer("progress", q, topics.parse(topics.reply("h1", "kiosk-01"))).result == "ok"
    assert svc.answer("progress", q, topics.parse(topics.reply("h1", "kiosk-02"))).result == "error"


def test_import_json_and_csv_round_trip(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text(json.dumps({"cases": demo_export(NOW)}, ensure_ascii=False), encoding="utf-8")
    records = read_export(export)
    assert len(records) == len(demo_cases(NOW))
    csv_path = tmp_path / "export.csv"
    csv_path.write_text(
        "case_id,item_code,item_name,case_type,applicant_name,applicant_id_number,accepted_at,promised_at,"
        "finished_at,state,window_id,staff,step_name,step_handler,step_started_at,step_ended_at,step_status\n"
        f"C1,000108001000-150102,居民身份证首次申领,2,张伟,{ZHANG.id_number},"
        "2026-11-20 09:30:00,2026-12-18,,2,"
        "w-a01,S1021:赵丽,受理,赵丽,2026-11-20 09:30:00,2026-11-20 09:45:00,2\n"
        f"C1,000108001000-150102,居民身份证首次申领,2,张伟,{ZHANG.id_number},"
        "2026-11-20 09:30:00,2026-12-18,,2,"
        "w-a01,S1021:赵丽,审核,何科长,2026-11-20 09:45:00,,1\n",
        encoding="gb18030",
    )
    (rec,) = read_export(csv_path)
    assert rec.case_id == "C1" and [s.name for s in rec.steps] == ["受理", "审核"]
    assert rec.accepted_at.utcoffset() == CHINA_TZ.utcoffset(None)
    assert rec.staff[0].name == "赵丽"
    s = CaseStore(tmp_path / "c.db", b"k" * 32)
    s.upsert([rec], NOW)
    stored = s.by_case_id("C1")
    assert stored is not None and [st.handler_masked for st in stored.steps] == ["赵*", "何**"]
    s.upsert([rec], NOW)  # re-import replaces, never doubles
    assert s.count() == 1 and len(s.by_case_id("C1").steps) == 2  # type: ignore[union-attr]


def test_bad_exports_say_where_and_never_show_the_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    wrong = ZHANG.id_number[:17] + ("0" if ZHANG.id_number[17] != "0" else "1")
    bad.write_text(json.dumps([{**demo_export(NOW)[0], "applicant_id_number": wrong}]), encoding="utf-8")
    with pytest.raises(CaseImportError) as e:
        read_export(bad)
    assert "case #1" in str(e.value) and "check digit" in str(e.value) and wrong not in str(e.value)
    (tmp_path / "x.csv").write_text("case_id,foo\n1,2\n", encoding="utf-8")
    with pytest.raises(CaseImportError, match="lacks column"):
        read_export(tmp_path / "x.csv")
    (tmp_path / "y.json").write_text("{", encoding="utf-8")
    with pytest.raises(CaseImportError, match="not valid JSON"):
        read_export(tmp_path / "y.json")
