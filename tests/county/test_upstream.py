"""The upstream leg (docs/county.md "Upstream"): queue, `zj` profile, sender against the simulator."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from core.config import ConfigError
from core.levels import Level
from core.upstream import UpstreamStatus
from county.main import main
from county.settings import CountySettings
from county.store import SqliteStore, open_store
from county.upstream.profiles import PROFILES, Sender
from county.upstream.province_sim import Province, check_report
from county.upstream.queue import Outcome, UpstreamQueue, queue_stats, refused_reports, retry_refused
from county.upstream.sender import UpstreamSender, backoff_s
from county.upstream.settings import UpstreamSettings
from tests.support.events import T0, rating

TOKEN = "s3cret-token"
WHO = Sender("330102000000", "DEPT-01", "hall-county")


def settings(tmp_path: Path, url: str, **over: object) -> UpstreamSettings:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    fields: dict[str, object] = {
        "url": url,
        "area_code": WHO.area_code,
        "dept_code": WHO.dept_code,
        "data_source": WHO.data_source,
        "token_file": token,
        "backoff_initial_s": 0.05,
        "backoff_max_s": 0.2,
        "idle_poll_s": 0.05,
        "timeout_s": 1.0,
        "concurrency": 4,
        **over,
    }
    return UpstreamSettings.model_validate(fields)


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteStore(tmp_path / "county.db")
    yield s
    s.close()


@pytest.fixture
def province():
    p = Province(TOKEN, expect={"areaCode": WHO.area_code, "deptCode": WHO.dept_code}).start()
    yield p
    p.stop()


def run_until(sender: UpstreamSender, cond, timeout: float = 20.0) -> None:
    sender.start()
    try:
        deadline = time.monotonic() + timeout
        while not cond():
            assert time.monotonic() < deadline, f"timed out; status {sender.status()}"
            time.sleep(0.05)
    finally:
        sender.stop()


def test_every_stored_rating_is_queued_in_its_transaction(store):
    ev = [rating(case_id=f"C-{i}") for i in range(3)]
    assert store.store_batch([*ev, ev[0]]) == ["stored", "stored", "stored", "duplicate"]
    again = rating(case_id="C-1")  # the same case round under another event id: not stored, not queued
    assert store.store_batch([again]) == ["duplicate"]
    queued = sorted(r[0] for r in store.rows("SELECT event_id FROM upstream_queue"))
    assert queued == sorted(e.event_id for e in ev)
    assert queue_stats(store).waiting == 3


def test_zj_body_has_the_contract_fields():
    ev = rating(
        case_id="330102-2026-0001",
        assess_number=2,
        level=Level.DISSATISFIED,
        reasons=["slow", "attitude"],
        comment="等太久",
        rated_at=T0 + timedelta(hours=15),
    )
    from county.upstream.queue import Report

    report = Report(
        ev.event_id,
        ev.case_id,
        2,
        ev.channel,
        ev.level,
        tuple(ev.reasons),
        ev.comment,
        ev.rated_at,
        ev.item_code,
        ev.item_name,
        ev.region_code,
        False,
    )
    zj = PROFILES["zj"]
    body = zj.body(report, WHO)
    assert body == {
        "projectNo": "330102-2026-0001",
        "assessNumber": 2,
        "pf": 5,
        "satisfaction": 2,
        "evalDetail": "slow,attitude",
        "writingEvaluation": "等太久",
        "assessTime": "2026-11-24 00:30:00",  # 09:30 + 15 h, China time
        "areaCode": "330102000000",
        "deptCode": "DEPT-01",
        "taskCode": "11110000000000000A",
        "taskName": "居民身份证换领",
        "userProp": 1,
        "isDefault": 0,
        "dataSource": "hall-county",
    }
    assert check_report(body) is None
    assert zj.headers(report) == {"Idempotency-Key": ev.event_id}
    free = zj.body(
        Report(
            ev.event_id,
            None,
            1,
            7,
            Level.BASICALLY_SATISFIED,
            (),
            "",
            ev.rated_at,
            None,
            None,
            "110101",
            True,
        ),
        WHO,
    )
    assert free["projectNo"] == ev.event_id and free["isDefault"] == 1 and free["satisfaction"] == 3
    assert check_report(free) is None


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (200, b'{"code": "0", "success": true}', "sent"),
        (200, b'{"code": "0", "success": true, "duplicate": true}', "sent"),
        (200, b'{"code": "E17", "success": false, "msg": "busy"}', "retry"),
        (502, b"<html>Bad Gateway</html>", "retry"),
        (200, b"<html>ok</html>", "retry"),
        (503, b'{"code": "503"}', "retry"),
        (429, b'{"code": "429"}', "retry"),
        (401, b'{"code": "401"}', "retry"),
        (400, b'{"code": "400", "success": false, "msg": "field pf: bad"}', "refused"),
        (404, b"not json", "retry"),
    ],
)
def test_zj_answers(status, body, kind):
    assert PROFILES["zj"].answer(status, body).kind == kind


def test_backoff_is_capped_and_jittered():
    assert backoff_s(1, 1.0, 300, rand=lambda: 0.0) == 0.5
    assert backoff_s(3, 1.0, 300, rand=lambda: 1.0) == 4.0
    assert backoff_s(40, 1.0, 300, rand=lambda: 1.0) == 300
    assert 150 <= backoff_s(40, 1.0, 300) <= 300


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """A county database URL on both backends (PostgreSQL: skipped, with the reason, if absent)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'county.db'}"
    return str(request.getfixturevalue("postgres_url"))


def test_claims_are_leases_no_two_senders_hold_one_report(db_url):
    store = open_store(db_url)
    store.store_batch([rating(case_id=f"C-{i}") for i in range(10)])
    now = [1_000_000]
    a = UpstreamQueue(store, "a", lambda: now[0])
    other = open_store(db_url)  # a second receiver's own connection
    b = UpstreamQueue(other, "b", lambda: now[0])
    got_a = a.claim(6, lease_s=30)
    got_b = b.claim(6, lease_s=30)
    assert len(got_a) == 6 and len(got_b) == 4
    assert not {r.event_id for r in got_a} & {r.event_id for r in got_b}
    assert [r.event_id for r in got_a] == sorted(r.event_id for r in got_a)  # oldest first (UUIDv7)
    assert b.claim(10, 30) == []
    now[0] += 31_000  # the leases run out (a was killed mid-post): b takes a's rows (and its own again)
    again = b.claim(10, 30)
    assert {r.event_id for r in again} == {r.event_id for r in got_a + got_b}
    # a answers late: its confirmation still counts once; b's confirmation of the same is not a second
    assert a.settle([Outcome(got_a[0].event_id, "sent")]) == 1
    assert b.settle([Outcome(got_a[0].event_id, "sent", duplicate=True)]) == 0
    # a's stale retry does not take the row back from b
    a.settle([Outcome(got_a[1].event_id, "retry", "HTTP 500", retry_at_ms=now[0] + 99_000)])
    assert other.rows(
        "SELECT claimed_by, attempts FROM upstream_queue WHERE event_id = ?", [got_a[1].event_id]
    ) == [("b", 0)]
    assert store.rows("SELECT count(*) FROM upstream_sent") == [(1,)]
    other.close()
    store.close()


def test_concurrent_claims_from_threads_never_overlap(db_url):
    base = open_store(db_url)
    base.store_batch([rating(case_id=f"C-{i}") for i in range(400)])
    claimed: list[list[str]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        s = open_store(db_url)
        q = UpstreamQueue(s, f"w{n}")
        while got := q.claim(7, 60):
            with lock:
                claimed.append([r.event_id for r in got])
        s.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [e for batch in claimed for e in batch]
    assert len(ids) == 400 and len(set(ids)) == 400
    base.close()


def test_sender_delivers_through_500_hang_drop_and_not_json(store, province, tmp_path, caplog):
    events = [
        rating(case_id=f"C-{i:03d}", level=Level(1 + i % 5), reasons=["slow"] if i % 5 < 2 else [])
        for i in range(60)
    ]
    store.store_batch(events)
    sender = UpstreamSender(settings(tmp_path, province.url), SqliteStore(tmp_path / "county.db"), "t")
    flips = iter([("500", 0.3), ("hang", 1.5), ("drop", 0.3), ("notjson", 0.5), ("ok", 0)])

    def faults() -> None:
        for mode, hold in flips:
            province.fault(mode=mode, hang_s=1.5)
            time.sleep(hold)

    f = threading.Thread(target=faults)
    f.start()
    run_until(sender, lambda: not f.is_alive() and queue_stats(store).waiting == 0, timeout=60)
    f.join()
    st = province.state.stats()
    assert st["records"] == 60 and st["accepted"] == 60
    for ev in events:
        rec = province.state.records[(ev.case_id, 1)]
        assert rec["satisfaction"] == int(ev.level) and rec["_key"] == ev.event_id
    assert store.rows("SELECT count(*), count(DISTINCT event_id) FROM upstream_sent") == [(60, 60)]
    assert sender.sent == 60
    assert sender.status().waiting == 0 and sender.status().unreachable_since is None
    sender.store.close()


def test_refused_report_is_kept_for_a_person_then_retried(store, province, tmp_path, capsys):
    events = [rating(case_id=f"R-{i}") for i in range(5)]
    store.store_batch(events)
    province.fault(refuse=["R-2"])
    sender = UpstreamSender(settings(tmp_path, province.url), SqliteStore(tmp_path / "county.db"), "t")
    run_until(sender, lambda: province.state.stats().get("accepted") == 4 and queue_stats(store).refused == 1)
    st = sender.status()
    assert st.waiting == 0 and st.refused == 1 and "refused by the simulator" in (st.last_error or "")
    [kept] = refused_reports(store)
    assert kept.case_id == "R-2" and "refused by the simulator" in (kept.error or "")
    # the operator's tools: list, then retry once the province is fixed
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path / "county.db"}"\n')
    assert main(["--config", str(cfg), "upstream", "list"]) == 0
    out = capsys.readouterr().out
    assert kept.event_id in out and "R-2" in out
    province.fault(refuse=[])
    assert main(["--config", str(cfg), "upstream", "retry"]) == 0
    assert queue_stats(store).refused == 0 and queue_stats(store).waiting == 1
    sender = UpstreamSender(settings(tmp_path, province.url), SqliteStore(tmp_path / "county.db"), "t")
    run_until(sender, lambda: queue_stats(store).waiting == 0)
    assert province.state.stats()["accepted"] == 5
    assert retry_refused(store) == 0


def test_status_line_for_operators(store, tmp_path):
    store.store_batch([rating(case_id=f"S-{i}") for i in range(3)])
    dead = "http://127.0.0.1:9/api"  # nothing listens: connection refused
    seen: list[UpstreamStatus] = []
    sender = UpstreamSender(
        settings(tmp_path, dead, status_every_s=0.1),
        SqliteStore(tmp_path / "county.db"),
        "t",
        on_status=seen.append,
    )
    run_until(sender, lambda: any(s.unreachable_since for s in seen))
    st = [s for s in seen if s.unreachable_since][-1]
    assert st.waiting == 3 and st.province == "127.0.0.1:9" and "Connect" in (st.last_error or "")
    assert st.unreachable_since is not None
    line = st.summary(st.unreachable_since + 2 * 3600 * 1000)
    assert "3 待上报 waiting" in line and "province unreachable for 2 h" in line


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('url = "ftp://province/x"', "upstream.url"),
        ('url = "https://p.example/x"\nprofile = "mars"\n', "upstream.profile"),
        ('url = "https://p.example/x"\ntoken_file = "/nonexistent/token"\n', "upstream.token_file"),
        ('url = "https://p.example/x"\narea_code = "3301"\n', "upstream.area_code"),
    ],
)
def test_bad_upstream_settings_one_line_exit_2(tmp_path, capsys, toml, key):
    cfg = tmp_path / "county.toml"
    cfg.write_text(f'database = "sqlite:///{tmp_path / "c.db"}"\n[upstream]\n{toml}\n')
    with pytest.raises(ConfigError) as e:
        CountySettings.load(cfg)
    assert key in str(e.value)
    assert main(["--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and key in err


def test_tls_verification_is_on(tmp_path):
    s = UpstreamSender(settings(tmp_path, "https://127.0.0.1:9/x"), SqliteStore(tmp_path / "c.db"), "t")
    client = s._client()
    try:
        pool = client._transport._pool  # type: ignore[attr-defined]
        assert pool._ssl_context.verify_mode.name == "CERT_REQUIRED"
        assert pool._ssl_context.check_hostname
    finally:
        client.close()
        s.store.close()


def test_simulator_dedups_by_key_and_by_case(province):
    ev = rating(case_id="D-1")
    from county.upstream.queue import Report

    report = Report(
        ev.event_id, "D-1", 1, 5, Level.SATISFIED, (), "", ev.rated_at, None, None, "110101", False
    )
    body = PROFILES["zj"].body(report, WHO)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client() as c:
        first = c.post(province.url, json=body, headers={**auth, "Idempotency-Key": ev.event_id})
        again = c.post(province.url, json=body, headers={**auth, "Idempotency-Key": ev.event_id})
        other = c.post(province.url, json=body, headers={**auth, "Idempotency-Key": rating().event_id})
        bad = c.post(
            province.url, json={**body, "pf": "5"}, headers={**auth, "Idempotency-Key": rating().event_id}
        )
        noauth = c.post(province.url, json=body, headers={"Idempotency-Key": rating().event_id})
    assert first.json() == {"code": "0", "success": True}
    assert again.json()["duplicate"] is True and other.json()["duplicate"] is True
    assert bad.status_code == 400 and "pf" in bad.json()["msg"]
    assert noauth.status_code == 401
    st = province.state.stats()
    assert (st["records"], st["duplicate_key"], st["duplicate_case"]) == (1, 1, 1)
    assert json.dumps(province.state.records[("D-1", 1)], ensure_ascii=False)


def test_a_province_that_answers_html_is_logged_once_a_minute(store, province, tmp_path, caplog):
    store.store_batch([rating(case_id=f"H-{i}") for i in range(5)])
    province.fault(mode="notjson")
    sender = UpstreamSender(
        settings(tmp_path, province.url, backoff_max_s=0.05, backoff_initial_s=0.01),
        SqliteStore(tmp_path / "county.db"),
        "t",
    )
    with caplog.at_level("WARNING", logger="county.upstream"):
        run_until(sender, lambda: province.state.stats().get("fault_notjson", 0) >= 10)
    assert sender._thread.is_alive() is False  # stopped by us, not crashed
    notjson = [r for r in caplog.records if "not JSON" in r.getMessage()]
    assert len(notjson) == 1, [r.getMessage() for r in caplog.records]
    assert queue_stats(store).waiting == 5  # all still there, none refused
    sender.store.close()


def test_two_receivers_share_the_queue_and_post_each_report_once(db_url, province, tmp_path):
    """Two senders on one database (two receivers of a share group): every report posted once."""
    store = open_store(db_url)
    for i in range(0, 600, 100):
        store.store_batch([rating(case_id=f"T-{j:04d}") for j in range(i, i + 100)])
    province.fault(delay_s=0.002)
    senders = [
        UpstreamSender(settings(tmp_path, province.url, concurrency=4), open_store(db_url), name)
        for name in ("county-a", "county-b")
    ]
    for s in senders:
        s.start()
    try:
        deadline = time.monotonic() + 60
        while queue_stats(store).waiting:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        for s in senders:
            s.stop()
            s.store.close()
    st = province.state.stats()
    assert (st["accepted"], st["posts"], st.get("duplicate_key", 0)) == (600, 600, 0)
    assert all(s.sent > 0 for s in senders) and sum(s.sent for s in senders) == 600
    assert store.rows("SELECT count(*) FROM upstream_sent") == [(600,)]
    store.close()


@pytest.fixture(scope="module")
def dev_ca(tmp_path_factory) -> Path:
    """A CA and a server certificate for 127.0.0.1 (broker_config/make-dev-ca)."""
    d: Path = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [str(Path(__file__).resolve().parents[2] / "broker_config" / "make-dev-ca"), str(d), "province.test"],
        check=True,
        capture_output=True,
    )
    return d


def test_https_province_certificate_is_verified(store, tmp_path, dev_ca):
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(dev_ca / "server.crt", dev_ca / "server.key")
    province = Province(TOKEN, tls=tls).start()
    try:
        store.store_batch([rating(case_id="TLS-1")])
        # a certificate from a CA the county does not trust: nothing is sent, the report waits
        seen: list[UpstreamStatus] = []
        sender = UpstreamSender(
            settings(tmp_path, province.url, status_every_s=0.1),
            SqliteStore(tmp_path / "county.db"),
            "t",
            on_status=seen.append,
        )
        run_until(sender, lambda: any(s.unreachable_since for s in seen))
        sender.store.close()
        assert province.state.stats().get("posts", 0) == 0
        assert "CERTIFICATE_VERIFY_FAILED" in (sender.last_error or ""), sender.last_error
        # the county's CA file for the province: verified, sent
        sender = UpstreamSender(
            settings(tmp_path, province.url, ca_file=dev_ca / "ca.crt"),
            SqliteStore(tmp_path / "county.db"),
            "t",
        )
        run_until(sender, lambda: queue_stats(store).waiting == 0)
        sender.store.close()
        assert province.state.stats()["accepted"] == 1
    finally:
        province.stop()


def test_a_report_the_profile_cannot_build_is_set_aside_not_a_crash(store, province, tmp_path):
    store.store_batch([rating(case_id=f"B-{i}") for i in range(4)])
    sender = UpstreamSender(settings(tmp_path, province.url), SqliteStore(tmp_path / "county.db"), "t")
    zj = sender.profile

    class Picky:
        name = "picky"

        def body(self, report, who):
            if report.case_id == "B-2":
                raise ValueError("taskName too long for this province")
            return zj.body(report, who)

        headers = staticmethod(zj.headers)
        answer = staticmethod(zj.answer)

    sender.profile = Picky()
    run_until(sender, lambda: queue_stats(store).refused == 1 and queue_stats(store).waiting == 0)
    sender.store.close()
    assert province.state.stats()["accepted"] == 3
    [kept] = refused_reports(store)
    assert kept.case_id == "B-2" and "cannot build the report" in (kept.error or "")
