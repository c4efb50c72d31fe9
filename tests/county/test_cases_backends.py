"""The case store (办件库) on PostgreSQL as on SQLite: the same imports, look-ups and finished cases."""

from datetime import date, datetime

import pytest

from core.clock import CHINA_TZ
from county.cases import CaseStore
from county.demo_cases import DEMO_APPLICANTS, demo_cases

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=CHINA_TZ)


@pytest.fixture(params=["sqlite", "postgres"])
def cases(request, tmp_path):
    where = tmp_path / "cases.db" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    cs = CaseStore(where, b"k" * 32)
    yield cs
    cs.close()


def test_the_same_answers_on_both_backends(cases):
    records = demo_cases(NOW)
    assert cases.upsert(records, NOW) == len(records)
    assert cases.upsert(records, NOW) == len(records)  # re-import replaces, steps included
    assert cases.count() == len(records)
    zhang = cases.by_id_number(DEMO_APPLICANTS[0].id_number)
    assert zhang and all(c.applicant_masked.endswith("*") for c in zhang)
    one = cases.by_case_id(zhang[0].case_id)
    assert one is not None and one.steps == zhang[0].steps
    done = [r for r in records if r.state == 3 and r.finished_at is not None]
    first = min(r.finished_at for r in done if r.finished_at).astimezone(CHINA_TZ).date()
    ids = cases.finished_between(first, NOW.date())
    assert sorted(ids) == sorted(
        r.case_id for r in done if r.finished_at and r.finished_at.astimezone(CHINA_TZ).date() <= NOW.date()
    )
    before = cases.finished_before(date(2026, 11, 24))
    assert {c.case_id for c in before} == set(ids)
    assert all(c.finished_at <= NOW for c in before)


def test_a_postgres_case_store_is_used_by_the_service_settings(tmp_path):
    from county.settings import CountySettings

    s = CountySettings(database=f"sqlite:///{tmp_path / 'c.db'}", cases_database="postgresql://db/county")
    assert s.cases_url == "postgresql://db/county" and s.id_key_path == tmp_path / "id-hmac.key"
    s = CountySettings(database=f"sqlite:///{tmp_path / 'c.db'}")
    assert s.cases_url == str(tmp_path / "cases.db")
