import pytest

from tests.support.mqtt_helpers import connect

pytestmark = pytest.mark.broker


def test_bridge_carries_an_event_to_the_county(hall_pair):
    svc = connect(hall_pair.county_service(), "svc-smoke")
    assert svc.subscribe(["hall/v1/+/+/event/+"]) == [1]
    dev = connect(hall_pair.device("eval-01"), "eval-01")
    assert dev.publish("hall/v1/test-hall/eval-01/event/rating", b"{}") == 0
    m = svc.get(10)
    assert m.topic == "hall/v1/test-hall/eval-01/event/rating"
    dev.close()
    svc.close()
