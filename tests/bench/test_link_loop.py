"""The scale model's light devices: real links and outboxes driven from one thread (bench/link_loop.py)
against a real hall broker: they connect, deliver each event until the county acks it, hold and
resume like threaded links, and survive a broker restart."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.link_loop import LinkLoop, raise_open_files_limit
from core.accounts import COUNTY_SERVICE
from core.config import DeviceSettings
from core.link import Link
from core.outbox import Outbox
from tests.support.acker import Acker
from tests.support.events import rating
from tests.support.mosquitto import HALL_ID, Accounts, Broker, settings_for

pytestmark = pytest.mark.broker
N = 12


@pytest.fixture
def fleet(hall_broker: Broker, broker_accounts: Accounts, tmp_path: Path) -> Iterator[LinkLoop]:
    devices = [f"light-{i:02d}" for i in range(N)]
    broker_accounts.add_many(devices)
    links = []
    for d in devices:
        settings = DeviceSettings(
            device_id=d,
            hall_id=HALL_ID,
            state_dir=tmp_path / d,
            mqtt=settings_for(hall_broker, broker_accounts, d),
        )
        links.append(Link(settings, kind="evaluator", outbox=Outbox(tmp_path / d / "outbox.db")))
    loop = LinkLoop(links, poll_s=0.5)
    yield loop
    loop.close()
    for link in links:
        assert link.outbox is not None
        link.outbox.close()


def drained(loop: LinkLoop) -> bool:
    return all(link.outbox is not None and link.outbox.backlog().unacked == 0 for link in loop.links)


def test_one_thread_connects_delivers_and_records_every_ack(
    hall_broker: Broker, broker_accounts: Accounts, fleet: LinkLoop
) -> None:
    assert raise_open_files_limit() >= 1024
    acker = Acker(settings_for(hall_broker, broker_accounts, COUNTY_SERVICE))
    threads = threading.active_count()
    try:
        assert fleet.run_until(lambda: fleet.connected() == N, 20)
        acked: list[str] = []
        for link in fleet.links:
            link.on_acked = lambda items: acked.extend(i.event_id for i in items)
        put = []
        for k in range(5):
            for link in fleet.links:
                assert link.outbox is not None
                put.append(link.outbox.put(rating(HALL_ID, link.device_id, case_id=f"{link.device_id}-{k}")))
                link.wake()
                fleet.kick(link)
        assert fleet.run_until(lambda: len(acked) == len(put), 20)
        assert sorted(acked) == sorted(e.event_id for e in put)
        assert acker.wait_for(len(put)) and len(acker.arrivals) == len(put)  # each sent once
        assert threading.active_count() == threads  # no thread per link
    finally:
        acker.close()


def test_a_broker_restart_is_survived_and_nothing_is_lost(
    hall_broker: Broker, broker_accounts: Accounts, fleet: LinkLoop
) -> None:
    assert fleet.run_until(lambda: fleet.connected() == N, 20)
    hall_broker.kill()
    assert fleet.run_until(lambda: fleet.connected() == 0, 20)
    put = []
    for link in fleet.links:  # pressed while the broker is down: in the outbox only
        assert link.outbox is not None
        put.append(link.outbox.put(rating(HALL_ID, link.device_id, case_id=f"{link.device_id}-x")))
        link.wake()
        fleet.kick(link)
    fleet.run_until(lambda: False, 1.0)
    hall_broker.start()
    acker = Acker(settings_for(hall_broker, broker_accounts, COUNTY_SERVICE))
    try:
        assert fleet.run_until(lambda: fleet.connected() == N, 30)
        assert fleet.run_until(lambda: drained(fleet), 30)
        assert acker.unique() == {e.event_id for e in put}
    finally:
        acker.close()
