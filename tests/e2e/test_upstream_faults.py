"""Every rating reaches the province exactly once (docs/county.md "Upstream"), through faults.

A device process sends 2,000 ratings through hall broker → bridge → county broker → county
service → the simulated province, while the test makes the province answer 500, answer slowly,
hang, refuse connections, and kills the county service with SIGKILL twice (once while reports
are in flight). At the end the province holds each (projectNo, assessNumber) once with the
right fields, the county's queue is empty, and no report was confirmed twice. The repeats the
province absorbed by the Idempotency-Key are printed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from core import topics
from core.clock import CHINA_TZ
from core.upstream import UpstreamStatus
from county.upstream.province_sim import Province
from tests.e2e.procs import Device
from tests.support.county import CountyProcess, county_process
from tests.support.mosquitto import HallPair
from tests.support.mqtt_helpers import connect

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420), pytest.mark.xdist_group("e2e")]

DEV = "eval-up"
COUNT = 2000
AREA = "330102000000"


def wait_for(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out: {what}")


def queued(county: CountyProcess) -> int:
    store = county.store()
    try:
        return int(store.rows("SELECT count(*) FROM upstream_queue")[0][0])
    finally:
        store.close()


def test_2000_ratings_reach_the_province_once(hall_pair: HallPair, tmp_path: Path) -> None:
    token = tmp_path / "province.token"
    token.write_text("e2e-token\n")
    province = Province("e2e-token", expect={"areaCode": AREA, "deptCode": "E2E", "dataSource": "county-e2e"})
    province.start()
    upstream = (
        f'{{url = "{province.url}", profile = "zj", area_code = "{AREA}", dept_code = "E2E",'
        f' data_source = "county-e2e", token_file = "{token}", concurrency = 8, timeout_s = 1.0,'
        " backoff_initial_s = 0.2, backoff_max_s = 2.0, status_every_s = 0.5}"
    )
    county = county_process(hall_pair, tmp_path / "county", upstream=upstream)
    device = Device(
        url=hall_pair.hall.url,
        password_file=hall_pair.accounts.password_file(DEV),
        state=tmp_path / "device",
        hall=hall_pair.hall_id,
        device=DEV,
        count=COUNT,
        rate=60.0,
        log=tmp_path / "device.log",
    )
    watch = connect(hall_pair.monitor(at_county=True), "e2e-upstream-watch")
    watch.subscribe([topics.UPSTREAM_STATUS])
    statuses: list[UpstreamStatus] = []

    def drain_status() -> None:
        for m in watch.get_none(0):
            statuses.append(UpstreamStatus.from_json(bytes(m.payload)))

    def advance(n: int) -> None:
        """Let the device put `n` more ratings (fewer when it is near its end: faults go on anyway)."""
        device.wait_put(min(COUNT, device.last_put() + n), timeout=90)

    def accepted() -> int:
        return int(province.state.stats().get("accepted", 0))

    try:
        county.start()
        device.start()
        wait_for(lambda: accepted() >= 100, 60, "the first reports to reach the province")

        # 1. the province answers 500
        province.fault(mode="500")
        advance(150)
        province.fault(mode="ok")
        wait_for(lambda: accepted() >= device.last_put() - 50, 60, "the province to catch up after 500s")

        # 2. slow answers, and the county killed (SIGKILL) while reports are in flight
        province.fault(delay_s=0.8)
        mark = accepted()
        wait_for(lambda: accepted() > mark + 8, 30, "slow answers to come through")
        county.kill()
        province.fault(delay_s=0)
        advance(100)
        county.start()

        # 3. the province hangs (no answer within the county's timeout)
        advance(80)
        province.fault(mode="hang", hang_s=3.0)
        advance(150)
        province.fault(mode="ok")

        # 4. the province refuses connections, and the county is killed again meanwhile
        advance(80)
        province.pause()
        advance(150)
        county.kill()
        advance(50)
        county.start()
        advance(100)
        drain_status()
        province.resume()

        device.wait_line(lambda ln: ln == "all put", timeout=120)
        wait_for(
            lambda: accepted() >= COUNT and queued(county) == 0,
            120,
            "the province to hold every rating and the county's queue to drain",
        )
        time.sleep(1.5)  # a late repeat, if any, would show now

        def published_empty() -> bool:
            drain_status()
            return bool(statuses) and statuses[-1].waiting == 0 and statuses[-1].unreachable_since is None

        wait_for(published_empty, 10, "the county to publish an empty queue")
        store = county.store()
        ratings = {
            r[0]: r
            for r in store.rows(
                "SELECT event_id, case_id, assess_number, level, channel, rated_at, item_code FROM ratings"
            )
        }
        sent = store.rows("SELECT event_id, attempts, duplicate FROM upstream_sent")
        left = store.rows("SELECT count(*) FROM upstream_queue")[0][0]
        store.close()
        assert device.terminate() == 0
        assert county.stop() == 0
    finally:
        device.kill()
        county.kill()
        watch.close()
        province.stop()

    st = province.state.stats()
    records = province.state.records
    assert len(ratings) == COUNT
    assert left == 0, "the county's queue is empty"
    assert st["accepted"] == COUNT and len(records) == COUNT, "each (projectNo, assessNumber) once"
    assert st.get("duplicate_case", 0) == 0, "no report came twice under two keys"
    assert st.get("refused", 0) == 0 and st.get("bad", 0) == 0
    # no report was confirmed twice: one confirmation row per rating, none extra
    assert len(sent) == COUNT and {r[0] for r in sent} == set(ratings)
    for event_id, case_id, number, level, channel, rated_at, item_code in ratings.values():
        rec = records[(case_id, number)]
        want_time = datetime.fromisoformat(rated_at).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
        assert (rec["_key"], rec["satisfaction"], rec["pf"], rec["assessTime"], rec["taskCode"]) == (
            event_id,
            level,
            channel,
            want_time,
            item_code,
        )
        assert (rec["areaCode"], rec["isDefault"], rec["userProp"]) == (AREA, 0, 1)
    assert st["fault_500"] > 0 and st["fault_hang"] > 0, "the faults happened"
    down = [s for s in statuses if s.unreachable_since is not None]
    assert down, "operators saw the province down"
    assert any("Connect" in (s.last_error or "") for s in down), "and the refused connections"
    absorbed = st.get("duplicate_key", 0)
    confirmed_as_duplicate = sum(1 for r in sent if r[2])
    print(
        f"\nupstream e2e: {COUNT} ratings reported once; {st['posts']} posts, {absorbed} repeats absorbed"
        f" by the Idempotency-Key ({confirmed_as_duplicate} confirmed to the county as duplicates)"
    )
    print(json.dumps(st))
