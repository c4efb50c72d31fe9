"""What the brokers write to their logs: an operator reads these, so no noise that means nothing."""

from __future__ import annotations

import time

import pytest

from tests.support.mosquitto import Broker

pytestmark = pytest.mark.broker


def _lines(broker: Broker) -> list[str]:
    return broker.log.read_text(errors="replace").splitlines()


def test_a_minute_of_county_outage_costs_the_hall_broker_log_at_most_20_lines(hall_pair):
    """The bridges back off (restart_timeout 15 30): 1-2 s retries wrote ~2 lines a second."""
    hall_pair.county.kill()
    before = len(_lines(hall_pair.hall))
    time.sleep(60)
    during = _lines(hall_pair.hall)[before:]
    assert len(during) <= 20, "\n".join(during)
    assert any("Error creating bridge" in line for line in during)  # it did keep trying
    hall_pair.county.start()
    hall_pair.wait_bridge()  # and comes back by itself
