import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.commands import CommandReply, InviteCommand
from core.device_config import DeviceConfig
from core.events import RatingEvent, parse_event
from core.messages import Ack, DeviceStatus
from core.payload import PayloadError
from tests.support.events import rating


def _raw(**change: object) -> dict[str, object]:
    body: dict[str, object] = json.loads(rating().to_json())
    body.update(change)
    return body


def test_rating_round_trip_keeps_offset() -> None:
    ev = rating(level=3)
    back = parse_event("rating", ev.to_json())
    assert back == ev
    body = json.loads(ev.to_json())
    assert body["schema"] == "hall.rating/1"
    assert body["rated_at"].endswith("+08:00")
    assert back.rated_at.utcoffset() == timedelta(hours=8)
    assert back.gbt_code == 3


@pytest.mark.parametrize("level", [1, 2])
def test_bad_rating_needs_reason_or_comment(level: int) -> None:
    with pytest.raises(PayloadError, match="needs at least one reason or a comment"):
        RatingEvent.from_json(json.dumps(_raw(level=level)))
    assert RatingEvent.from_json(json.dumps(_raw(level=level, reasons=["R01"]))).level == level
    assert RatingEvent.from_json(json.dumps(_raw(level=level, comment="等了很久"))).comment == "等了很久"
    with pytest.raises(PayloadError):
        RatingEvent.from_json(json.dumps(_raw(level=level, comment="   ")))


@pytest.mark.parametrize("level", [0, 6, 2.5])
def test_level_out_of_range_refused(level: object) -> None:
    with pytest.raises(PayloadError, match="level"):
        RatingEvent.from_json(json.dumps(_raw(level=level)))


def test_unknown_field_refused() -> None:
    with pytest.raises(PayloadError, match="citizen_name"):
        RatingEvent.from_json(json.dumps(_raw(citizen_name="张三")))


def test_schema_mismatch_refused() -> None:
    with pytest.raises(PayloadError, match=r"expected 'hall\.rating/1'"):
        RatingEvent.from_json(json.dumps(_raw(schema="hall.rating/2")))
    with pytest.raises(PayloadError, match="schema"):
        Ack.from_json(json.dumps({"schema": "hall.rating/1", "acks": []}))


def test_missing_schema_is_filled_in() -> None:
    body = _raw()
    del body["schema"]
    assert RatingEvent.from_json(json.dumps(body)).schema_ == "hall.rating/1"


def test_timestamps_need_an_offset() -> None:
    with pytest.raises(PayloadError, match="rated_at"):
        RatingEvent.from_json(json.dumps(_raw(rated_at="2025-11-13T10:00:00")))
    utc = datetime(2025, 11, 13, 2, 0, tzinfo=UTC)
    ev = RatingEvent.from_json(
        json.dumps(
            _raw(
                invited_at=utc.isoformat(), rated_at=utc.astimezone(timezone(timedelta(hours=8))).isoformat()
            )
        )
    )
    assert ev.rated_at == ev.invited_at


def test_rated_before_invited_refused() -> None:
    t = datetime(2025, 11, 13, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(PayloadError, match="before invited_at"):
        RatingEvent.from_json(
            json.dumps(_raw(invited_at=t.isoformat(), rated_at=(t - timedelta(1)).isoformat()))
        )


def test_bad_json_is_one_line() -> None:
    with pytest.raises(PayloadError) as err:
        RatingEvent.from_json(b"{not json")
    assert "\n" not in str(err.value)


def test_unknown_event_type() -> None:
    with pytest.raises(PayloadError, match="unknown event type"):
        parse_event("teleport", b"{}")


def test_region_code_and_ids_checked() -> None:
    with pytest.raises(PayloadError, match="region_code"):
        RatingEvent.from_json(json.dumps(_raw(region_code="11")))
    with pytest.raises(PayloadError, match="device_id"):
        RatingEvent.from_json(json.dumps(_raw(device_id="Eval 01")))


def test_ack_and_status_models() -> None:
    ack = Ack.from_json(b'{"schema":"hall.ack/1","acks":[{"event_id":"x","result":"duplicate"}]}')
    assert ack.acks[0].result == "duplicate"
    with pytest.raises(PayloadError):
        Ack.from_json(b'{"acks":[{"event_id":"x","result":"lost"}]}')
    st = DeviceStatus(hall_id="h", device_id="d", kind="evaluator", state="online", session=3, timestamp=1)
    assert json.loads(st.to_json())["state"] == "online"


def test_device_config_keeps_unknown_fields() -> None:
    cfg = DeviceConfig.from_json('{"schema":"hall.config/1","window_name":"3号窗口","future_key":1}')
    assert cfg.window_name == "3号窗口" and cfg.model_extra == {"future_key": 1}
    assert cfg.reasons and cfg.staff_by_card("nope") is None


def test_invite_and_reply() -> None:
    inv = InviteCommand.from_json(b'{"case_id":"C1","staff":[{"id":"s1","name":"\xe7\x8e\x8b"}]}')
    assert inv.assess_number == 1
    with pytest.raises(PayloadError, match="assess_number"):
        InviteCommand.from_json(b'{"case_id":"C1","assess_number":3}')
    assert json.loads(CommandReply(result="refused", reason="x").to_json())["schema"] == "hall.cmd-reply/1"
