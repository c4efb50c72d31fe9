"""System default ratings: the window in working days, stored once however often and by how many."""

import json
import threading
from datetime import date, datetime

import pytest

from core import topics
from core.clock import CHINA_TZ
from core.events import RatingEvent
from core.levels import Level
from county import main as county_main
from county.cases import CaseRecord, CaseStore
from county.defaults import apply_defaults, default_event_id
from county.receiver import Incoming, process_batch
from county.store import EventStore, SqliteStore, open_store
from county.workdays import WorkCalendar
from tests.support.events import rating

CAL = WorkCalendar()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'county.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


def case(
    cid: str,
    finished: datetime | None,
    *,
    state: int = 3,
    rnd: int = 1,
    hall: str | None = "h1",
    window: str | None = "w-03",
) -> CaseRecord:
    return CaseRecord(
        case_id=cid,
        item_code="11110000000000000A",
        item_name="居民身份证换领",
        case_type=1,
        applicant_name="赵六",
        applicant_id_number=None,
        accepted_at=datetime(2026, 9, 1, tzinfo=CHINA_TZ),
        finished_at=finished,
        state=state,
        window_id=window,
        hall_id=hall,
        rating_round=rnd,
        staff=[{"id": "s-007", "name": "李明"}],
    )


@pytest.fixture
def cases(tmp_path):
    cs = CaseStore(tmp_path / "cases.db", b"k" * 32)
    yield cs
    cs.close()


def finished(day: int, month: int = 9, hour: int = 16) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CHINA_TZ)


def test_a_case_finished_sep_29_gets_its_default_from_oct_13(store, cases):
    cases.upsert([case("C-929", finished(29))], datetime.now(CHINA_TZ))
    r = apply_defaults(store, cases, CAL, date(2026, 10, 12))
    assert (r.considered, r.stored) == (0, 0)  # Oct 12 is still the 5th working day
    r = apply_defaults(store, cases, CAL, date(2026, 10, 13))
    assert (r.considered, r.stored) == (1, 1)
    [(eid, hall, dev, window, channel, inp, level, sd, rated_at, case_id, n, staff)] = store.rows(
        "SELECT event_id, hall_id, device_id, window_id, channel, input, level, system_default, rated_at,"
        " case_id, assess_number, staff_id FROM ratings"
    )
    assert eid == default_event_id("C-929", 1)
    assert (hall, dev, window, channel, inp, level, bool(sd)) == (
        "h1",
        "county",
        "w-03",
        7,
        "default",
        3,
        True,
    )
    assert (rated_at, case_id, n, staff) == ("2026-10-13T00:00:00+08:00", "C-929", 1, "s-007")
    [(payload,)] = store.rows("SELECT payload FROM events")
    assert json.loads(payload)["system_default"] is True
    parsed = RatingEvent.from_json(payload)  # the stored payload parses back as a rating
    assert parsed.system_default and parsed.level == Level.BASICALLY_SATISFIED
    assert parsed.staff[0].name == "李明"
    assert store.count("workorders") == 0  # a default is level 3: no work order
    assert store.rows("SELECT event_id FROM upstream_queue") == [(eid,)]  # reported like any rating


def test_twice_stores_once_and_rated_rounds_are_left_alone(store, cases):
    cases.upsert(
        [
            case("A", finished(2, 11)),
            case("B", finished(2, 11)),
            case("C", finished(2, 11), rnd=2),
            case("D", None, state=2),
            case("E", finished(20, 11)),
        ],
        datetime.now(CHINA_TZ),
    )
    store.store_batch([rating(case_id="B", assess_number=1)])  # rated at the window
    store.store_batch([rating(case_id="C", assess_number=1)])  # first round rated; second round open
    as_of = date(2026, 11, 13)
    first = apply_defaults(store, cases, CAL, as_of)
    assert (first.considered, first.already_rated, first.stored) == (3, 1, 2)
    again = apply_defaults(store, cases, CAL, as_of)
    assert (again.considered, again.already_rated, again.stored) == (3, 3, 0)
    got = set(store.rows("SELECT case_id, assess_number FROM ratings WHERE system_default = TRUE"))
    assert got == {("A", 1), ("C", 2)}


def test_a_window_id_the_rating_contract_refuses_is_left_out(store, cases):
    cases.upsert(
        [case("W-1", finished(2, 11)), case("W-2", finished(2, 11), window="w-07")], datetime.now(CHINA_TZ)
    )
    # as an older import or another tool may have left it: longer than any window id a rating carries
    cases._db.execute("UPDATE cases SET window_id = ? WHERE case_id = 'W-1'", ("W" * 60,))
    assert apply_defaults(store, cases, CAL, date(2026, 11, 13)).stored == 2
    assert sorted(store.rows("SELECT case_id, window_id FROM ratings")) == [("W-1", None), ("W-2", "w-07")]


def test_a_default_that_does_not_validate_is_skipped_and_said(store, cases, caplog):
    cases.upsert([case("S-1", finished(2, 11)), case("S-2", finished(2, 11))], datetime.now(CHINA_TZ))
    r = apply_defaults(store, cases, CAL, date(2026, 11, 13), region_code="12")  # not 6-12 digits
    assert (r.stored, r.results["skipped"]) == (0, 2) and "2 cases skipped" in r.line()
    assert "no system default for case S-1: region_code" in caplog.text
    assert store.count("ratings") == 0


def test_two_receivers_at_once_store_each_default_once(db_url, cases):
    cases.upsert([case(f"K-{i:04d}", finished(2, 11)) for i in range(400)], datetime.now(CHINA_TZ))
    stores = [open_store(db_url), open_store(db_url)]
    go = threading.Barrier(2)
    results = []

    def run(s: EventStore) -> None:
        go.wait()
        results.append(apply_defaults(s, cases, CAL, date(2026, 11, 20), batch=50))

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r.stored for r in results) == 400
    assert stores[0].count("ratings") == 400 and stores[0].count("events") == 400
    for s in stores:
        s.close()


def test_a_late_device_rating_after_the_default_is_a_duplicate(store, cases):
    cases.upsert([case("L-1", finished(2, 11))], datetime.now(CHINA_TZ))
    apply_defaults(store, cases, CAL, date(2026, 11, 13))
    late = rating(case_id="L-1", level=Level.VERY_DISSATISFIED, reasons=["R01"])
    acks = process_batch(store, [Incoming(topics.event("test-hall", "eval-01", "rating"), late.to_json())])
    assert [(a.event_id, a.result) for a in acks[("test-hall", "eval-01")]] == [(late.event_id, "duplicate")]
    assert store.count("workorders") == 0  # the duplicate opened nothing


@pytest.mark.parametrize(
    "over",
    [
        {"input": "default", "system_default": True, "channel": 7, "level": Level.BASICALLY_SATISFIED},
        {"channel": 7},
    ],
)
def test_a_device_may_not_send_a_system_default(tmp_path, over):
    store = SqliteStore(tmp_path / "c.db")
    e = rating(**over)
    acks = process_batch(store, [Incoming(topics.event("test-hall", "eval-01", "rating"), e.to_json())])
    [item] = acks[("test-hall", "eval-01")]
    assert item.result == "rejected" and "county only" in (item.reason or "")
    assert store.count("events") == 0
    store.close()


def test_device_payload_unchanged_by_the_new_field():
    raw = json.loads(rating().to_json())
    assert "system_default" not in raw  # a device's rating is what it always was on the wire


def _config(tmp_path, extra: str = "") -> str:
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path / "county.db"}"\n{extra}', encoding="utf-8")
    return str(cfg)


def test_apply_defaults_command(tmp_path, capsys):
    cs = CaseStore(tmp_path / "cases.db", b"k" * 32)
    cs.upsert([case("P-1", finished(29)), case("P-2", finished(30))], datetime.now(CHINA_TZ))
    cs.close()
    assert county_main.main(["--config", _config(tmp_path), "apply-defaults", "--as-of", "2026-10-13"]) == 0
    out = capsys.readouterr().out
    assert "2026-10-13: 1 finished cases past their window" in out and "1 defaults stored" in out
    assert county_main.main(["--config", _config(tmp_path), "apply-defaults", "--as-of", "2026-10-14"]) == 0
    assert "1 defaults stored" in capsys.readouterr().out  # P-2 (finished Sep 30) now, P-1 not again


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026/10/13"])
def test_apply_defaults_bad_date_exits_2_with_one_line(tmp_path, capsys, bad):
    assert county_main.main(["--config", _config(tmp_path), "apply-defaults", "--as-of", bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--as-of {bad!r}: not a date (YYYY-MM-DD)" in err


def test_bad_override_file_stops_the_service_with_one_line(tmp_path, capsys):
    bad = tmp_path / "workdays.toml"
    bad.write_text('[2027]\nholidays = ["2027-02-30"]\n', encoding="utf-8")
    cfg = _config(tmp_path, f'workday_overrides = "{bad}"\n')
    assert county_main.main(["--config", cfg]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "[2027] holidays" in err and "not a date" in err
    # and the same for the command
    assert county_main.main(["--config", cfg, "apply-defaults"]) == 2
    assert "[2027] holidays" in capsys.readouterr().err
