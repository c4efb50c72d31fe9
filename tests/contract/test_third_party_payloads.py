"""Payloads as another maker's device or county system writes them: raw JSON text, typed by hand
from docs/contracts.md, never produced by our own models (which would hide what they refuse).

- a window id is whatever a hall calls its window (`A03`, `W01`, `综合窗口3`): 1-32 printable
  characters, never a topic part; hall and device ids keep the topic-segment pattern;
- an optional field given as `null` means absent, in every payload a device receives.
"""

from __future__ import annotations

import json

import pytest

from core import topics
from core.catalogue import Catalogue
from core.commands import CommandReply, IdentifyCommand, InviteCommand, RestartCommand
from core.device_config import DeviceConfig
from core.events import parse_event
from core.messages import Ack, DeviceStatus
from core.payload import PayloadError
from core.queries import ProgressReply
from county.receiver import Incoming, process_batch
from county.store import SqliteStore

# A rating from a third-party evaluator, as its maker typed it after the contract.
RATING = """{
  "schema": "hall.rating/1",
  "event_id": "0190f3a2-7b1c-7def-8a12-3456789abcde",
  "seq": 7,
  "hall_id": "east-hall",
  "device_id": "vendor-pad-3",
  "window_id": %s,
  "region_code": "110101",
  "channel": 4,
  "input": "touch",
  "case_id": "BJ2026113000017",
  "assess_number": 1,
  "item_code": "11010100001",
  "item_name": "居民身份证换领",
  "staff": [{"id": "S017", "name": "王芳"}],
  "level": 5,
  "reasons": [],
  "comment": "",
  "public": true,
  "invited_at": "2026-11-30T10:15:00+08:00",
  "rated_at": "2026-11-30T10:15:09+08:00"
}"""


def _rating(window_id: str) -> bytes:
    return (RATING % json.dumps(window_id, ensure_ascii=False)).encode()


@pytest.mark.parametrize("window_id", ["W01", "A03", "综合窗口3", "Window 12", "x", "窗" * 32])
def test_county_stores_ratings_from_any_window_name(tmp_path, window_id: str) -> None:
    store = SqliteStore(tmp_path / "county.db")
    try:
        msg = Incoming(topics.event("east-hall", "vendor-pad-3", "rating"), _rating(window_id))
        acks = process_batch(store, [msg])
        assert [a.result for a in acks[("east-hall", "vendor-pad-3")]] == ["stored"]
        assert store.rows("SELECT window_id FROM ratings") == [(window_id,)]
    finally:
        store.close()


@pytest.mark.parametrize("window_id", ["", "窗" * 33, "W01\n", "W\t01", "W\x0001"])
def test_window_id_must_be_1_to_32_printable_characters(tmp_path, window_id: str) -> None:
    store = SqliteStore(tmp_path / "county.db")
    try:
        msg = Incoming(topics.event("east-hall", "vendor-pad-3", "rating"), _rating(window_id))
        acks = process_batch(store, [msg])
        [item] = acks[("east-hall", "vendor-pad-3")]
        assert item.result == "rejected" and item.reason and "window_id" in item.reason
    finally:
        store.close()


@pytest.mark.parametrize(
    "field,value", [("hall_id", "East-Hall"), ("device_id", "W01"), ("device_id", "pad/3")]
)
def test_hall_and_device_ids_keep_the_topic_segment_pattern(field: str, value: str) -> None:
    body = json.loads(_rating("W01"))
    body[field] = value
    with pytest.raises(PayloadError, match=field):
        parse_event("rating", json.dumps(body))


@pytest.mark.parametrize("kind", ["expired", "signin", "signout"])
def test_other_events_take_any_window_name_too(kind: str) -> None:
    head = (
        f'"schema": "hall.{kind}/1", "event_id": "0190f3a2-7b1c-7def-8a12-3456789abcdf", "seq": 8, '
        '"hall_id": "east-hall", "device_id": "vendor-pad-3", "window_id": "综合窗口3"'
    )
    rest = {
        "expired": '"region_code": "110101", "case_id": "BJ1", "invited_at": "2026-11-30T10:15:00+08:00",'
        ' "expired_at": "2026-11-30T10:17:00+08:00"',
        "signin": '"staff": {"id": "S017", "name": "王芳"}, "at": "2026-11-30T08:30:00+08:00"',
        "signout": '"staff": {"id": "S017", "name": "王芳"}, "at": "2026-11-30T17:30:00+08:00"',
    }[kind]
    event = parse_event(kind, "{" + head + ", " + rest + "}")
    assert getattr(event, "window_id") == "综合窗口3"  # noqa: B009 - every event type but the base has it


def test_device_status_with_a_hall_window_name() -> None:
    raw = (
        '{"schema": "hall.status/1", "hall_id": "east-hall", "device_id": "vendor-pad-3",'
        ' "kind": "evaluator", "state": "online", "session": 3, "timestamp": 1764469000000,'
        ' "window_id": "W01"}'
    )
    assert DeviceStatus.from_json(raw).window_id == "W01"


# --- null means absent, in everything a device receives ---

CONFIG_WITH_NULLS = """{
  "schema": "hall.config/1",
  "window_name": "综合窗口3",
  "window_name_en": null,
  "staff": [
    {"id": "S017", "name": "王芳", "card": "0004521873", "title": null, "photo": null},
    {"id": "S018", "name": "李强", "card": "0004521874", "photo": "https://county.example/p/S018.jpg"}
  ],
  "reasons": [{"code": "R01", "text": "服务态度不好", "text_en": null}],
  "keypad_reason": null,
  "allow_free_rating": null,
  "language": null,
  "rating_url": null,
  "invite_ttl_s": null,
  "channel": null
}"""


def test_a_roster_with_photo_null_is_taken_and_the_clerk_can_sign_in() -> None:
    cfg = DeviceConfig.from_json(CONFIG_WITH_NULLS)
    clerk = cfg.staff_by_card("0004521873")
    assert clerk is not None and clerk.name == "王芳"
    assert clerk.photo == "" and clerk.title == ""
    assert cfg.keypad_reason == "R00" and cfg.allow_free_rating is True and cfg.language == "zh_CN"
    assert cfg.invite_ttl_s == 120.0 and cfg.channel is None and cfg.window_name_en == ""


def test_a_required_field_given_as_null_is_still_refused() -> None:
    with pytest.raises(PayloadError, match=r"staff\.0\.card"):
        DeviceConfig.from_json(
            '{"schema": "hall.config/1", "staff": [{"id": "S1", "name": "王芳", "card": null}]}'
        )
    with pytest.raises(PayloadError, match="case_id"):
        InviteCommand.from_json('{"schema": "hall.invite/1", "case_id": null}')


def test_invite_and_commands_with_nulls() -> None:
    inv = InviteCommand.from_json(
        '{"schema": "hall.invite/1", "case_id": "BJ2026113000017", "assess_number": null, "item_code": null,'
        ' "item_name": null, "staff": null, "applicant_masked": null, "expires_in_s": null}'
    )
    assert (inv.assess_number, inv.staff, inv.expires_in_s, inv.applicant_masked) == (1, [], None, None)
    assert IdentifyCommand.from_json('{"schema": "hall.identify/1", "seconds": null}').seconds == 5.0
    assert RestartCommand.from_json('{"schema": "hall.restart/1", "reason": null}').reason == ""
    reply = CommandReply.from_json('{"schema": "hall.cmd-reply/1", "result": "busy", "reason": null}')
    assert reply.reason is None


def test_ack_and_progress_answer_with_nulls() -> None:
    ack = Ack.from_json(
        '{"schema": "hall.ack/1", "acks": [{"event_id": "e1", "result": "stored", "reason": null}]}'
    )
    assert ack.acks[0].reason is None
    reply = ProgressReply.from_json("""{
      "schema": "hall.progress/1", "result": "ok", "reason": null,
      "cases": [{"case_id": "BJ1", "item_code": "11010100001", "item_name": "居民身份证换领", "case_type": 2,
                 "applicant_masked": "张*", "accepted_at": "2026-11-28T09:00:00+08:00", "promised_at": null,
                 "state": 2, "rateable": false, "assess_number": null, "window_id": null, "staff": null,
                 "steps": [{"name": "受理", "handler_masked": null, "started_at": "2026-11-28T09:00:00+08:00",
                            "ended_at": null, "status": 2}]}]
    }""")
    case = reply.cases[0]
    assert case.assess_number == 1 and case.staff == [] and case.steps[0].handler_masked == ""


def test_catalogue_with_nulls() -> None:
    cat = Catalogue.from_json("""{
      "schema": "hall.catalogue/1", "version": "2026-11", "published_at": "2026-11-30T08:00:00+08:00",
      "region_code": "110101", "languages": null,
      "departments": [{"code": "GA", "names": {"zh_CN": "公安局"}}],
      "categories": [{"code": "HJ", "names": {"zh_CN": "户籍"}}],
      "items": [{"code": "11010100001", "department": "GA", "category": "HJ", "item_type": null,
                 "case_type": 1, "legal_days": null, "promised_days": null, "visits": null, "phone": null,
                 "complaint_phone": null, "online_url": null,
                 "texts": {"zh_CN": {"name": "居民身份证换领", "conditions": null, "fees": null,
                                     "materials": [{"name": "户口簿", "form": null, "copies": null,
                                                    "required": null, "note": null}]}}}]
    }""")
    item = cat.items[0]
    assert item.visits == 1 and item.phone == "" and cat.languages == ["zh_CN"]
    assert item.text("zh_CN").materials[0].copies == 1


# --- an operator's evaluator.toml names the window as the hall does ---


@pytest.mark.parametrize("window_id", ["W01", "综合窗口3", "A03"])
def test_evaluator_config_takes_the_halls_window_name(tmp_path, window_id: str) -> None:
    from evaluator.settings import EvaluatorSettings

    f = tmp_path / "evaluator.toml"
    f.write_text(f'device_id = "eval-03"\nwindow_id = "{window_id}"\n', encoding="utf-8")
    assert EvaluatorSettings.load(f).window_id == window_id


def test_evaluator_config_keeps_the_pattern_for_device_ids(tmp_path) -> None:
    from core.config import ConfigError
    from evaluator.settings import EvaluatorSettings

    f = tmp_path / "evaluator.toml"
    f.write_text('device_id = "W01"\nwindow_id = "W01"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="device_id"):
        EvaluatorSettings.load(f)
