"""The county's query side as a running service: answers `county/v1/query/+` and publishes the
retained catalogue, on its own MQTT connection beside the receiver.

Apart from the receiver on purpose: queries need no persistent session (a query asked while the
county is away is answered by the kiosk's own timeout, not hours later), and a slow case lookup
must never hold up storing events. It reads the receiver's database through its own connection
to know which cases are rated already.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from core import topics
from core.clock import Clock, SystemClock
from core.mqtt_client import connect_async, make_client
from county.cases import CaseStore, load_or_create_key
from county.catalogue import load_catalogue, publish_catalogue
from county.queries import QueryService
from county.settings import CountySettings
from county.store import EventStore, open_store
from county.workdays import WorkCalendar

log = logging.getLogger("county.query_service")


class StoreRatings:
    """`RatingLookup` over the receiver's event store (ratings are unique per case and round)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def is_rated(self, case_id: str, assess_number: int) -> bool:
        rows = self.store.rows(
            "SELECT 1 FROM ratings WHERE case_id = ? AND assess_number = ? LIMIT 1", (case_id, assess_number)
        )
        return bool(rows)


class QueryResponder:
    def __init__(
        self, settings: CountySettings, clock: Clock | None = None, calendar: WorkCalendar | None = None
    ) -> None:
        self.settings = settings
        self.catalogue = load_catalogue(settings.catalogue_file)  # CatalogueError: bad file, say so at start
        self.cases = CaseStore(settings.cases_url, load_or_create_key(settings.id_key_path))
        self.events = open_store(settings.database)
        self.service = QueryService(
            self.cases,
            StoreRatings(self.events),
            clock or SystemClock(),
            rating_window_days=settings.rating_window_days,
            calendar=calendar if calendar is not None else WorkCalendar(settings.workday_overrides),
        )
        # clean start, no session to keep: the process id keeps a standby receiver with the same
        # client_id (county/partition.py) from taking this connection over, and back, forever
        self.client = make_client(settings.mqtt, f"{settings.client_id}-queries-{os.getpid()}")
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        if rc.is_failure:
            log.error("county broker refused the query connection: %s", rc)
            return
        client.subscribe(topics.all_queries(self.settings.share_group), qos=1)
        publish_catalogue(client, self.catalogue)

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.service.on_message(client, msg)

    def start(self) -> None:
        connect_async(self.client, self.settings.mqtt, clean_start=True)
        self.client.loop_start()
        log.info("answering kiosk queries from %s (%d cases)", self.settings.cases_url, self.cases.count())

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.cases.close()
        self.events.close()
