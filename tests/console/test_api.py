"""Every call of the console's API (docs/console.md), in process against a real SQLite county
store: the answers, 401 without credentials, 403 for another hall, 409 for a refused action, and
malformed input (bad dates, unknown `by`, a huge note): always a clear JSON error, never a 500."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from console.app import create_app
from console.settings import ConsoleSettings
from console.users import Users
from core.clock import CHINA_TZ, FakeClock
from core.levels import Level
from county.store import EventStore, SqliteStore, open_store
from tests.support.events import rating
from tests.support.loop import clock_at

HALL, OTHER = "test-hall", "other-hall"


class Api:
    def __init__(self, client: TestClient, users: Users, store: EventStore, clock: FakeClock) -> None:
        self.client = client
        self.clock = clock
        self.users = users
        self.store = store
        self.admin = users.add_token("county-admin", "admin", None)
        self.manager = users.add_token("mgr-bot", "manager", HALL)
        self.viewer = users.add_token("view-bot", "viewer", HALL)
        self.other = users.add_token("other-bot", "manager", OTHER)

    def get(self, path: str, token: str | None = None) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})

    def post(self, path: str, body: Any, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if isinstance(body, (bytes, str)):
            headers["Content-Type"] = "application/json"
            return self.client.post(path, content=body, headers=headers)
        return self.client.post(path, json=body, headers=headers)


@contextmanager
def serving(store: EventStore, tmp_path: Path, day: int = 24) -> Iterator[Api]:
    t = datetime(2026, 11, 23, 9, 30, tzinfo=CHINA_TZ)
    events = [
        rating(HALL, "eval-01", level=Level(lv), rated_at=t, invited_at=t, case_id=f"C{i}", window_id="w-01")
        for i, lv in enumerate([5, 5, 4, 3])
    ]
    events += [
        rating(
            HALL,
            "eval-02",
            level=Level.VERY_DISSATISFIED,
            reasons=["R01"],
            rated_at=t,
            invited_at=t,
            case_id="C-bad",
            window_id="w-02",
        ),
        rating(
            OTHER,
            "eval-09",
            level=Level.DISSATISFIED,
            reasons=["R05"],
            rated_at=t,
            invited_at=t,
            case_id="C-other",
            window_id="w-09",
        ),
    ]
    assert store.store_batch(events) == ["stored"] * len(events)
    settings = ConsoleSettings.load(None, accounts_database=tmp_path / "accounts.db", database=store.url)
    clock = clock_at(2026, 11, day, 10, 0)  # by default the Tuesday after the ratings
    users = Users(settings.accounts_database, clock=clock)
    app = create_app(settings, users, store, clock=clock, connect=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, users, store, clock)
    users.close()
    store.close()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serving(SqliteStore(tmp_path / "county.db"), tmp_path) as a:
        yield a


def error_of(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"] and "Traceback" not in body["error"]
    return str(body["error"])


def workorder_ids(api: Api, token: str, query: str = "") -> dict[str, int]:
    r = api.get(f"/api/v1/workorders{query}", token)
    assert r.status_code == 200, r.text
    return {w["hall_id"]: w["id"] for w in r.json()["workorders"]}


CALLS = [
    "/api/v1/devices",
    "/api/v1/stats?from=2026-11-01&to=2026-11-30&by=window",
    "/api/v1/workorders",
    "/api/v1/stream",
]


@pytest.mark.parametrize("path", CALLS)
def test_no_credentials_or_a_wrong_token_is_401(api: Api, path: str) -> None:
    assert "login" in error_of(api.get(path), 401)
    error_of(api.get(path, "hc_not-a-token"), 401)
    r = api.client.get(path, headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    error_of(r, 401)


def test_posting_an_action_without_credentials_is_401(api: Api) -> None:
    error_of(api.post("/api/v1/workorders/1/actions", {"action": "visit", "note": "x"}), 401)


def test_devices_answer_and_another_hall_is_403(api: Api) -> None:
    r = api.get("/api/v1/devices", api.admin)
    assert r.status_code == 200 and r.json() == {"devices": []}
    assert api.get(f"/api/v1/devices?hall={HALL}", api.manager).status_code == 200
    assert HALL in error_of(api.get(f"/api/v1/devices?hall={HALL}", api.other), 403)
    assert "hall" in error_of(api.get("/api/v1/devices?hall=Not_A_Hall!", api.admin), 422)


def test_stats_by_window_with_the_contract_fields(api: Api) -> None:
    r = api.get(f"/api/v1/stats?from=2026-11-01&to=2026-11-30&by=window&hall={HALL}", api.manager)
    assert r.status_code == 200, r.text
    body = r.json()
    rows = {row["key"]: row for row in body["rows"]}
    assert set(rows) == {f"{HALL}/w-01", f"{HALL}/w-02"}
    w1 = rows[f"{HALL}/w-01"]
    assert set(w1) == {"key", "label", "levels", "active", "defaults", "invalid", "good_rate", "bad_rate"}
    assert w1["levels"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 2} and w1["active"] == 4
    assert w1["good_rate"] == 0.75 and w1["bad_rate"] == 0.0
    assert body["total"]["active"] == 5 and "key" not in body["total"]


def test_a_hall_manager_sees_their_hall_only_even_without_asking(api: Api) -> None:
    r = api.get("/api/v1/stats?from=2026-11-01&to=2026-11-30&by=hall", api.manager)
    assert [row["key"] for row in r.json()["rows"]] == [HALL]
    r = api.get("/api/v1/stats?from=2026-11-01&to=2026-11-30&by=hall", api.admin)
    assert [row["key"] for row in r.json()["rows"]] == [OTHER, HALL]
    assert set(workorder_ids(api, api.manager)) == {HALL}
    assert set(workorder_ids(api, api.admin)) == {HALL, OTHER}
    error_of(api.get(f"/api/v1/stats?from=2026-11-01&to=2026-11-30&by=hall&hall={OTHER}", api.manager), 403)
    error_of(api.get(f"/api/v1/workorders?hall={OTHER}", api.manager), 403)
    error_of(api.get(f"/api/v1/stream?hall={OTHER}", api.manager), 403)


@pytest.mark.parametrize(
    "query, word",
    [
        ("from=2026-13-01&to=2026-11-30&by=window", "from"),
        ("from=2026-11-01&to=yesterday&by=window", "to"),
        ("from=2026-11-30&to=2026-11-01&by=window", "before"),
        ("from=1900-01-01&to=2026-11-01&by=window", "days"),
        ("from=2026-11-01&to=2026-11-30&by=citizen", "by"),
        ("to=2026-11-30&by=window", "from"),
        ("from=2026-11-01&to=2026-11-30", "by"),
        ("from=2026-11-01&to=2026-11-30&by=window&hall=../etc", "hall"),
    ],
)
def test_malformed_stats_queries_get_one_clear_json_line(api: Api, query: str, word: str) -> None:
    assert word in error_of(api.get(f"/api/v1/stats?{query}", api.admin), 422)


def test_work_order_list_has_the_contract_fields_and_filters(api: Api) -> None:
    r = api.get(f"/api/v1/workorders?hall={HALL}", api.viewer)
    assert r.status_code == 200
    [w] = r.json()["workorders"]
    assert {
        "id",
        "event_id",
        "hall_id",
        "device_id",
        "window_id",
        "case_id",
        "level",
        "reasons",
        "rated_at",
        "due",
        "state",
        "overdue",
        "history",
    } <= set(w)
    assert w["state"] == "open" and w["level"] == 1 and w["reasons"] == ["R01"] and w["case_id"] == "C-bad"
    assert w["due"] == "2026-12-07"  # 10 working days after Monday 2026-11-23
    assert datetime.fromisoformat(w["rated_at"]).utcoffset() is not None  # RFC 3339 with offset
    assert api.get(f"/api/v1/workorders?hall={HALL}&state=closed", api.viewer).json() == {"workorders": []}
    assert api.get(f"/api/v1/workorders?hall={HALL}&overdue=true", api.viewer).json() == {"workorders": []}
    assert "state" in error_of(api.get("/api/v1/workorders?state=lost", api.admin), 422)
    assert "overdue" in error_of(api.get("/api/v1/workorders?overdue=perhaps", api.admin), 422)


def test_visit_rectify_close_record_the_real_user_and_a_wrong_step_is_409(api: Api) -> None:
    wid = workorder_ids(api, api.manager)[HALL]
    url = f"/api/v1/workorders/{wid}/actions"
    assert "close" in error_of(api.post(url, {"action": "close", "note": "too early"}, api.manager), 409)
    r = api.post(url, {"action": "visit", "note": "王科长 10:05 致电，已致歉，市民接受"}, api.manager)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "visited"
    assert r.json()["history"][-1]["actor"] == "mgr-bot"
    r = api.post(url, {"action": "rectify", "note": "窗口增加引导员"}, api.manager)
    assert r.json()["state"] == "rectified"
    done = api.post(url, {"action": "close", "note": ""}, api.manager).json()
    assert done["state"] == "closed"
    assert [h["action"] for h in done["history"]][-3:] == ["visit", "rectify", "close"]
    error_of(api.post(url, {"action": "visit", "note": "again"}, api.manager), 409)


def test_roles_decide_what_may_be_done(api: Api) -> None:
    wid = workorder_ids(api, api.admin)[HALL]
    url = f"/api/v1/workorders/{wid}/actions"
    error_of(api.post(url, {"action": "visit", "note": "a viewer tries"}, api.viewer), 409)
    r = api.post(url, {"action": "appeal", "note": "恶意差评：同一人连续差评"}, api.manager)
    assert r.json()["state"] == "appealed"
    error_of(api.post(url, {"action": "approve_invalid", "note": "mine"}, api.manager), 409)
    r = api.post(url, {"action": "approve_invalid", "note": "查实为误评"}, api.admin)
    assert r.status_code == 200 and r.json()["state"] == "invalid"
    # the rating stays stored and leaves the statistics
    stats = api.get(f"/api/v1/stats?from=2026-11-01&to=2026-11-30&by=hall&hall={HALL}", api.admin).json()
    assert stats["total"]["invalid"] == 1 and stats["total"]["active"] == 4


def test_extend_needs_a_later_date(api: Api) -> None:
    wid = workorder_ids(api, api.admin)[HALL]
    url = f"/api/v1/workorders/{wid}/actions"
    bad = {"action": "extend", "note": "x", "due": "2026-02-30"}
    assert "due" in error_of(api.post(url, bad, api.admin), 422)
    error_of(api.post(url, {"action": "extend", "note": "书面说明", "due": "2026-11-25"}, api.admin), 409)
    r = api.post(url, {"action": "extend", "note": "书面说明：需协调市局", "due": "2026-12-20"}, api.admin)
    assert r.status_code == 200 and r.json()["due"] == "2026-12-20"


@pytest.mark.parametrize(
    "body, word",
    [
        ({"action": "visit", "note": "x" * 100_000}, "note"),
        ({"action": "shred", "note": "x"}, "action"),
        ({"action": "visit", "note": "x", "citizen": "张三"}, "citizen"),
        ({"note": "x"}, "action"),
        ("{not json", "JSON"),
        ([1, 2], "dict"),
    ],
)
def test_malformed_actions_get_one_clear_json_line(api: Api, body: Any, word: str) -> None:
    wid = workorder_ids(api, api.admin)[HALL]
    msg = error_of(api.post(f"/api/v1/workorders/{wid}/actions", body, api.manager), 422)
    assert word.lower() in msg.lower()


def test_another_halls_work_order_is_403_and_an_unknown_one_404(api: Api) -> None:
    wid = workorder_ids(api, api.admin)[HALL]
    error_of(api.post(f"/api/v1/workorders/{wid}/actions", {"action": "visit", "note": "x"}, api.other), 403)
    error_of(api.get(f"/api/v1/workorders/{wid}", api.other), 403)
    error_of(api.post("/api/v1/workorders/99999/actions", {"action": "visit", "note": "x"}, api.admin), 404)
    error_of(api.post("/api/v1/workorders/abc/actions", {"action": "visit", "note": "x"}, api.admin), 422)


def creds(client: TestClient, name: str, password: str) -> dict[str, str]:
    return {"username": name, "password": password, "csrf": form_token(client)}


def form_token(client: TestClient) -> str:
    """The login form's CSRF token (its cookie is now in the client)."""
    return str(client.get("/login").text.split('name="csrf" value="')[1].split('"')[0])


def test_a_login_without_the_forms_token_is_refused(api: Api) -> None:
    api.users.add_user("mgr", "manager", HALL, "correct-horse")
    r = api.client.post(
        "/login", data={"username": "mgr", "password": "correct-horse"}, follow_redirects=False
    )
    assert r.status_code == 403 and "hall_session" not in r.headers.get("set-cookie", "")


def form_csrf(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def login(api: Api, name: str = "mgr", hall: str | None = HALL) -> str:
    api.users.add_user(name, "manager", hall, "correct-horse")
    r = api.client.post("/login", data=creds(api.client, name, "correct-horse"), follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = api.client.get("/")
    return str(page.text.split('data-csrf="')[1].split('"')[0])


def test_a_browser_session_needs_its_csrf_token_to_act(api: Api) -> None:
    csrf = login(api)
    wid = workorder_ids(api, api.admin)[HALL]
    url = f"/api/v1/workorders/{wid}/actions"
    assert "CSRF" in error_of(api.client.post(url, json={"action": "visit", "note": "x"}), 403)
    r = api.client.post(url, json={"action": "visit", "note": "回访"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["history"][-1]["actor"] == "mgr"
    r = api.client.post(
        f"/workorders/{wid}/act", data={"action": "rectify", "note": "done", "csrf": "forged"}
    )
    assert r.status_code == 403 and "Traceback" not in r.text


def test_logins_are_throttled_after_repeated_failures(api: Api) -> None:
    api.users.add_user("mgr", "manager", HALL, "correct-horse")
    for _ in range(5):
        r = api.client.post("/login", data=creds(api.client, "mgr", "wrong"))
        assert r.status_code == 401
    r = api.client.post("/login", data=creds(api.client, "mgr", "correct-horse"))
    assert r.status_code == 429  # even the right password waits now
    api.clock.advance(301)
    r = api.client.post("/login", data=creds(api.client, "mgr", "correct-horse"), follow_redirects=False)
    assert r.status_code == 303


def test_secure_cookies_behind_tls(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "c.db")
    settings = ConsoleSettings.load(
        None,
        accounts_database=tmp_path / "a.db",
        database=f"sqlite:///{tmp_path / 'c.db'}",
        web={"secure_cookies": True},
    )
    users = Users(settings.accounts_database)
    users.add_user("mgr", "manager", HALL, "correct-horse")
    with TestClient(create_app(settings, users, store, connect=False)) as c:
        r = c.post("/login", data=creds(c, "mgr", "correct-horse"), follow_redirects=False)
        assert "Secure" in r.headers["set-cookie"]
    users.close()
    store.close()


def test_downloads_are_what_the_page_shows_and_scoped(api: Api) -> None:
    csv = api.get(f"/stats/download.csv?from=2026-11-01&to=2026-11-30&by=window&hall={HALL}", api.manager)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert len(lines) == 1 + 2 + 1 and "w-01" in lines[1] and "0.75" in lines[1]
    x = api.get(f"/stats/download.xlsx?from=2026-11-01&to=2026-11-30&by=window&hall={HALL}", api.manager)
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert ws is not None and ws.max_row == 4
    rep = api.get(f"/stats/report.xlsx?month=2026-11&hall={HALL}", api.manager)
    assert rep.status_code == 200 and len(openpyxl.load_workbook(io.BytesIO(rep.content)).sheetnames) > 3
    for path in (
        f"/stats/download.csv?hall={HALL}",
        f"/stats/download.xlsx?hall={HALL}",
        f"/stats/report.xlsx?month=2026-11&hall={HALL}",
    ):
        r = api.get(path, api.other)
        assert r.status_code == 403 and HALL in r.text
    assert api.get("/stats/report.xlsx?month=2026-13", api.admin).status_code == 422


def test_the_public_screen_needs_no_login_and_shows_aggregates_only(api: Api) -> None:
    r = api.client.get(f"/display/{HALL}/data")
    assert r.status_code == 200
    f = r.json()
    assert f["month"] == {"active": 5, "good_rate": 0.6}
    assert [w["window"] for w in f["windows"]] == ["w-01", "w-02"]
    page = api.client.get(f"/display/{HALL}")
    assert page.status_code == 200 and "大厅评价公示" in page.text
    text = json.dumps(f, ensure_ascii=False) + page.text
    assert "李明" not in text and "C-bad" not in text  # no clerk, no case, no citizen: figures only
    assert api.client.get("/display/NOT%20A%20HALL/data").status_code == 422
    # public and unauthenticated: computed at most once per half refresh period, however many ask
    t = datetime(2026, 11, 24, 9, 0, tzinfo=CHINA_TZ)
    api.store.store_batch(
        [
            rating(
                HALL,
                "eval-01",
                level=Level.SATISFIED,
                rated_at=t,
                invited_at=t,
                case_id="C-late",
                window_id="w-01",
            )
        ]
    )
    assert api.client.get(f"/display/{HALL}/data").json()["month"]["active"] == 5
    api.clock.advance(5)
    assert api.client.get(f"/display/{HALL}/data").json()["month"]["active"] == 6


def test_pages_never_show_a_traceback(api: Api) -> None:
    login(api, "admin-person", None)
    for path in (
        "/",
        "/workorders",
        "/workorders/1",
        "/workorders/99999",
        "/stats",
        "/stats?by=nope",
        "/stats?from=2026-99-01",
        "/nowhere",
        "/workorders?state=../../etc",
    ):
        r = api.client.get(path)
        assert r.status_code < 500 and "Traceback" not in r.text, (path, r.status_code)


def test_the_follow_up_and_the_figures_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    with serving(open_store(postgres_url), tmp_path) as pg:
        wid = workorder_ids(pg, pg.manager)[HALL]
        url = f"/api/v1/workorders/{wid}/actions"
        for action in ("visit", "rectify", "close"):
            r = pg.post(url, {"action": action, "note": f"{action} note"}, pg.manager)
            assert r.status_code == 200, r.text
        assert r.json()["state"] == "closed"
        error_of(pg.post(url, {"action": "close", "note": ""}, pg.manager), 409)
        q = f"from=2026-11-01&to=2026-11-30&by=window&hall={HALL}"
        stats = pg.get(f"/api/v1/stats?{q}", pg.manager).json()
        assert stats["total"]["active"] == 5 and stats["total"]["good_rate"] == 0.6
        assert pg.client.get(f"/display/{HALL}/data").json()["month"]["active"] == 5


def test_a_console_started_mid_day_shows_the_feed_so_far(tmp_path: Path) -> None:
    with serving(SqliteStore(tmp_path / "county.db"), tmp_path, day=23) as a:  # the ratings' day
        login(a)
        page = a.client.get("/").text
        feed = json.loads(page.split('id="initial-ratings">')[1].split("</script>")[0])
        assert len(feed) == 5  # this hall's five, newest first; the other hall's is not shown
        assert {r["hall_id"] for r in feed} == {HALL} and "comment" not in feed[0]
        assert any(r["reasons_text"]["zh_CN"] == ["服务态度不好"] for r in feed)


def test_the_work_order_page_offers_what_the_role_may_do(api: Api) -> None:
    wid = workorder_ids(api, api.admin)[HALL]
    api.users.add_user("looker", "viewer", HALL, "correct-horse")
    r = api.client.post("/login", data=creds(api.client, "looker", "correct-horse"))
    page = api.client.get(f"/workorders/{wid}").text
    assert "act-visit" not in page and '<form method="post" action="/workorders' not in page
    login(api, "boss", HALL)
    page = api.client.get(f"/workorders/{wid}").text
    assert 'id="act-visit"' in page and 'id="act-appeal"' in page and 'id="act-extend"' not in page
    r = api.client.post(
        f"/workorders/{wid}/act", data={"action": "visit", "note": "x" * 3000, "csrf": form_csrf(page)}
    )
    assert r.status_code == 422 and "note too long" in r.text  # said on the page, not a 500
    r = api.client.post(
        f"/workorders/{wid}/act", data={"action": "close", "note": "", "csrf": form_csrf(page)}
    )
    assert r.status_code == 409 and "close" in r.text
