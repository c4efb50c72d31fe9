"""Fixtures for every test folder: real Mosquitto brokers (tests/support/mosquitto.py) and a
throw-away PostgreSQL (tests/support/postgres.py)."""

from tests.support.mosquitto import (  # noqa: F401 - pytest finds fixtures by name here
    bridged_brokers,
    broker_accounts,
    county_broker,
    hall_broker,
    hall_pair,
)
from tests.support.postgres import database_url, postgres_server, postgres_url  # noqa: F401
