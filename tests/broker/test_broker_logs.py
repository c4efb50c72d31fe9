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


def test_brokers_start_and_reload_without_acl_warnings(hall_pair):
    """Every ACL rule for all devices names %u, or sits in a device's own block: Mosquitto warned
    three times at every start and reload about patterns without %u/%c."""
    hall_pair.accounts.add("eval-01")  # a device account: its ACL block, then a reload (SIGHUP)
    time.sleep(0.5)
    for broker in (hall_pair.hall, hall_pair.county):
        text = broker.log.read_text(errors="replace")
        assert "Warning: ACL" not in text, text
        assert "Error" not in text, text
