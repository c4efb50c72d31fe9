"""The county's answers to kiosk queries (`county/v1/query/{kind}`, MQTT 5 request/response).

`QueryService.answer()` is pure (payload in, payload out) so it tests without a broker;
`QueryService.on_message()` is the paho glue: it answers on the request's response topic with
its correlation data. The ID number of a query is used for one HMAC lookup and then dropped:
it is never logged, stored or put in an error message.
"""

from __future__ import annotations

import logging
from typing import Protocol

import paho.mqtt.client as mqtt

from core import requests, topics
from core.clock import CHINA_TZ, Clock, now
from core.payload import PayloadError
from core.queries import ProgressQuery, ProgressReply
from county.cases import CaseStore, StoredCase
from county.workdays import WorkCalendar

log = logging.getLogger("county.queries")

MAX_CASES = 50  # a reply lists at most this many cases, newest first


class RatingLookup(Protocol):
    """The receiver's event store, as far as queries need it."""

    def is_rated(self, case_id: str, assess_number: int) -> bool:
        """Whether a rating (any channel, system default included) is stored for this round."""
        ...


class QueryService:
    def __init__(
        self,
        cases: CaseStore,
        ratings: RatingLookup,
        clock: Clock,
        *,
        rating_window_days: int = 5,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self.cases = cases
        self.ratings = ratings
        self.clock = clock
        self.rating_window_days = rating_window_days
        # the same calendar as the county's default job, so the kiosk and the county agree on every date
        self.calendar = calendar if calendar is not None else WorkCalendar()

    # -- rules -----------------------------------------------------------------------------

    def rateable(self, case: StoredCase) -> bool:
        """A finished case whose open rating round has no rating yet, within the rating window.

        Past the window (5 working days by default, China's official working days) the county's
        system default (基本满意, channel 7) applies, so a kiosk must not offer a rating any more
        even if the default has not been stored yet.
        """
        if case.state != 3:
            return False
        if case.finished_at is not None:
            last = self.calendar.add_workdays(
                case.finished_at.astimezone(CHINA_TZ).date(), self.rating_window_days
            )
            if now(self.clock).date() > last:
                return False
        return not self.ratings.is_rated(case.case_id, case.rating_round)

    # -- answers -----------------------------------------------------------------------------

    def answer(self, kind: str, payload: bytes, reply_to: topics.DeviceTopic | None = None) -> ProgressReply:
        """The reply to one query; `reply_to` (the parsed response topic) must be the asker's own."""
        if kind != "progress":
            return ProgressReply(result="error", reason=f"unknown query kind {kind!r}")
        try:
            q = ProgressQuery.from_json(payload)
        except PayloadError as e:
            # the message names fields and reasons only, never the values
            return ProgressReply(result="error", reason=str(e))
        if reply_to is not None and (reply_to.hall, reply_to.device) != (q.hall_id, q.device_id):
            return ProgressReply(
                result="error", reason="response topic is not the asking device's reply topic"
            )
        return self.progress(q)

    def progress(self, q: ProgressQuery) -> ProgressReply:
        try:
            if q.case_id is not None:
                one = self.cases.by_case_id(q.case_id)
                found = [one] if one is not None else []
            else:
                assert q.id_number is not None
                found = self.cases.by_id_number(q.id_number)
            if not found:
                return ProgressReply(result="not_found")
            return ProgressReply(
                result="ok", cases=[c.progress(rateable=self.rateable(c)) for c in found[:MAX_CASES]]
            )
        except Exception as e:  # a broken store must still answer, so the kiosk can say so
            log.error("progress query from %s failed: %s", q.device_id, type(e).__name__)
            return ProgressReply(result="error", reason="case store unavailable")

    # -- paho glue -------------------------------------------------------------------------------

    def on_message(self, client: mqtt.Client, msg: mqtt.MQTTMessage) -> None:
        props = getattr(msg, "properties", None)
        response_topic = requests.response_topic(props)
        try:
            kind = topics.parse_query(msg.topic)
        except topics.TopicError as e:
            log.warning("ignored: %s", e)
            return
        if not response_topic:
            log.warning("query on %s without a response topic: nobody to answer", msg.topic)
            return
        try:
            target = topics.parse(response_topic)
        except topics.TopicError:
            log.warning("query on %s: response topic is not a device reply topic, refused", msg.topic)
            return
        if target.kind != "reply":
            log.warning("query on %s: response topic is not a device reply topic, refused", msg.topic)
            return
        reply = self.answer(kind, bytes(msg.payload), target)
        log.info(
            "query %s from %s/%s: %s (%d cases)",
            kind,
            target.hall,
            target.device,
            reply.result,
            len(reply.cases),
        )
        client.publish(response_topic, reply.to_json(), qos=1, properties=requests.answer_properties(props))
