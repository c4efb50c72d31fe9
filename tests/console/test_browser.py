"""The console in real headless Chromium against a real county side (brokers, hall-county,
hall-console, device processes): what a hall manager does in a day, and what another hall's
manager must not see. Screenshots of every page in both languages go to
artifacts/screenshots/console/ (looked at by a person; here they must exist)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.clock import CHINA_TZ
from core.levels import Level
from tests.console.harness import CHROMIUM, CHROMIUM_ARGS, County, county_side
from tests.support.console import PASSWORD
from tests.support.events import rating
from tests.support.mosquitto import HALL_ID

pytestmark = [pytest.mark.browser, pytest.mark.broker]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "console"
SIZES = {"desk": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module")
def side(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    with county_side(tmp_path_factory.mktemp("console"), display_refresh_s="1") as s:
        s.start_device("eval-01")
        s.start_device("eval-02")
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def login(browser: Any, side: County, user: str, lang: str = "zh_CN", size: str = "desk") -> Any:
    w, h = SIZES[size]
    page = browser.new_page(viewport={"width": w, "height": h})
    page.goto(side.console.url + "/login")
    if lang == "en":
        page.goto(side.console.url + "/lang/en?next=/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(side.console.url + "/")
    return page


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000


def now_cst() -> datetime:
    return datetime.now(CHINA_TZ)


def bad_rating(device: str = "eval-02", case: str | None = None) -> Any:
    t = now_cst()
    return rating(
        HALL_ID,
        device,
        level=Level.VERY_DISSATISFIED,
        reasons=["R01", "R05"],
        case_id=case or f"C-{uuid.uuid4().hex[:10]}",
        invited_at=t - timedelta(seconds=20),
        rated_at=t,
        window_id="w-02",
    )


def api(
    side: County,
    path: str,
    token: str | None = None,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    cookie: str | None = None,
) -> tuple[int, Any]:
    req = urllib.request.Request(
        side.console.url + path, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if cookie:
        req.add_header("Cookie", cookie)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw.startswith(b"{") else raw.decode()


def test_login_then_the_grid_follows_a_killed_device(browser: Any, side: County) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(side.console.url + "/")
    assert "/login" in page.url  # no session: the login page, not the console
    shot(page, "login-zh_CN")
    page.fill("input[name=username]", "mgr")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    page.goto(side.console.url + "/lang/en?next=/login")
    shot(page, "login-en")
    page.close()

    page = login(browser, side, "mgr")
    tile = page.locator("#dev-test-hall-eval-01")
    expect(tile).to_have_attribute("data-health", "online", timeout=15_000)
    expect(page.locator("body")).to_have_attribute("data-live", "1", timeout=10_000)
    shot(page, "overview-zh_CN")
    side.kill_device("eval-01")  # SIGKILL: the broker publishes its last will
    expect(tile).to_have_attribute("data-health", "offline", timeout=10_000)
    expect(tile.locator(".health")).to_have_text("离线")
    side.start_device("eval-01")
    expect(tile).to_have_attribute("data-health", "online", timeout=15_000)
    page.close()


def test_a_bad_rating_appears_in_the_live_feed_with_its_reasons_as_words(browser: Any, side: County) -> None:
    page = login(browser, side, "mgr")
    expect(page.locator("body")).to_have_attribute("data-live", "1", timeout=10_000)
    ev = bad_rating()
    side.publish_rating(ev)
    item = page.locator(f'#feed li[data-event="{ev.event_id}"]')
    expect(item).to_be_visible(timeout=10_000)
    expect(item).to_contain_text("非常不满意")
    expect(item).to_contain_text("服务态度不好")  # R01 as words, not the code
    expect(page.locator("#dev-test-hall-eval-02")).to_contain_text("非常不满意")
    page.goto(side.console.url + "/lang/en?next=/")
    expect(page.locator(f'#feed li[data-event="{ev.event_id}"]')).to_contain_text("Unfriendly service")
    shot(page, "overview-en")
    page.close()
    for lang in ("zh_CN", "en"):
        phone = login(browser, side, "mgr", lang=lang, size="phone")
        expect(phone.locator("#dev-test-hall-eval-02")).to_be_visible()
        shot(phone, f"overview-{lang}-phone")
        phone.close()


def test_identify_from_the_grid_shows_the_device_answer(browser: Any, side: County) -> None:
    page = login(browser, side, "mgr", lang="en")
    tile = page.locator("#dev-test-hall-eval-02")
    expect(tile).to_have_attribute("data-health", "online", timeout=15_000)
    tile.locator("button", has_text="Identify").click()
    # this test device is a bare link: it answers, and says it takes no commands
    expect(tile.locator(".answer")).to_contain_text("does not take commands", timeout=10_000)
    page.close()


def test_another_halls_manager_gets_403_in_page_and_api(browser: Any, side: County) -> None:
    page = login(browser, side, "other")
    expect(page.locator("#dev-test-hall-eval-02")).to_have_count(0)  # not even in their grid
    resp = page.goto(side.console.url + f"/?hall={HALL_ID}")
    assert resp is not None and resp.status == 403
    shot(page, "forbidden-zh_CN")
    page.goto(side.console.url + f"/lang/en?next=/?hall={HALL_ID}")
    expect(page.locator("h1")).to_contain_text("Not your hall")
    shot(page, "forbidden-en")
    r = page.request.get(side.console.url + f"/api/v1/devices?hall={HALL_ID}")
    assert r.status == 403 and "error" in r.json()
    r = page.request.get(side.console.url + f"/api/v1/stream?hall={HALL_ID}")
    assert r.status == 403
    page.close()


def test_a_bad_rating_rings_in_the_queue_and_is_followed_up_to_closed(browser: Any, side: County) -> None:
    page = login(browser, side, "mgr")
    page.goto(side.console.url + "/workorders")
    expect(page.locator("body")).to_have_attribute("data-live", "1", timeout=10_000)
    ev = bad_rating(case="C-ring-1")
    side.publish_rating(ev)
    row = page.locator("#queue tr", has_text="C-ring-1")
    expect(row).to_be_visible(timeout=10_000)
    expect(page).to_have_title(re.compile(r"^\(1\) "))  # the title badge
    expect(page.locator("#wo-badge")).to_have_text("1")
    expect(row).to_contain_text("待回访")
    expect(row).to_contain_text("服务态度不好")
    expect(row.locator(".due")).to_contain_text("个工作日")  # the countdown to the due day
    shot(page, "workorders-zh_CN")
    wid = int(row.get_attribute("data-id") or 0)
    page.goto(side.console.url + f"/workorders/{wid}")
    expect(page.locator("h1")).to_contain_text("待回访")
    page.fill("#act-visit textarea", "值班长 张工 致电回访，已致歉，群众表示理解")
    page.click("#act-visit button")
    expect(page.locator("h1")).to_contain_text("已回访")
    expect(page.locator("#history")).to_contain_text("mgr")  # the real user, not a shared account
    shot(page, "workorder-zh_CN")
    page.fill("#act-rectify textarea", "窗口增设引导员，材料清单张贴上墙")
    page.click("#act-rectify button")
    expect(page.locator("h1")).to_contain_text("已整改")
    page.click("#act-close button")
    expect(page.locator("h1")).to_contain_text("已办结")
    expect(page.locator(".actions form")).to_have_count(0)  # nothing left to do
    page.goto(side.console.url + "/lang/en?next=" + f"/workorders/{wid}")
    expect(page.locator("h1")).to_contain_text("Closed")
    shot(page, "workorder-en")
    page.goto(side.console.url + "/workorders")
    shot(page, "workorders-en")
    page.close()

    other = login(browser, side, "other")
    resp = other.goto(side.console.url + f"/workorders/{wid}")
    assert resp is not None and resp.status == 403
    r = other.request.get(side.console.url + f"/api/v1/workorders/{wid}")
    assert r.status == 403 and HALL_ID in r.json()["error"]
    r = other.request.post(
        side.console.url + f"/api/v1/workorders/{wid}/actions", data={"action": "appeal", "note": "x"}
    )
    assert r.status == 403
    r = other.request.get(side.console.url + f"/stats/download.csv?hall={HALL_ID}")
    assert r.status == 403
    r = other.request.get(side.console.url + f"/stats/report.xlsx?month={now_cst():%Y-%m}&hall={HALL_ID}")
    assert r.status == 403
    other.close()


def test_statistics_pages_and_downloads(browser: Any, side: County) -> None:
    for lang in ("zh_CN", "en"):
        page = login(browser, side, "mgr", lang=lang)
        page.goto(side.console.url + "/stats?by=window")
        expect(page.locator("#stats-table tbody tr")).not_to_have_count(0)
        expect(page.locator("#chart canvas")).to_have_count(1)  # uPlot drew the trend
        shot(page, f"stats-{lang}")
        with page.expect_download() as dl:
            page.click("a[href^='/stats/download.csv']")
        assert dl.value.suggested_filename.endswith(".csv")
        page.close()
        phone = login(browser, side, "mgr", lang=lang, size="phone")
        phone.goto(side.console.url + "/stats?by=staff")
        shot(phone, f"stats-{lang}-phone")
        phone.goto(side.console.url + "/workorders")
        shot(phone, f"workorders-{lang}-phone")
        phone.close()


def test_the_public_screen_shows_new_figures_without_login(browser: Any, side: County) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(side.console.url + f"/display/{HALL_ID}")
    assert "/login" not in page.url
    before = int(page.locator("#today-active").inner_text())
    t = now_cst()
    side.publish_rating(
        rating(
            HALL_ID,
            "eval-01",
            level=Level.VERY_SATISFIED,
            window_id="w-01",
            case_id=f"C-{uuid.uuid4().hex[:10]}",
            invited_at=t - timedelta(seconds=9),
            rated_at=t,
        )
    )
    expect(page.locator("#today-active")).to_have_text(str(before + 1), timeout=15_000)  # no reload
    expect(page.locator("#windows")).to_contain_text("w-01")
    shot(page, "display-zh_CN")
    page.goto(side.console.url + f"/lang/en?next=/display/{HALL_ID}")
    shot(page, "display-en")
    page.close()
