import pytest

from core import topics
from core.levels import DISPLAY_ORDER, Level


def test_gbt_code_runs_the_other_way() -> None:
    assert Level.VERY_SATISFIED.gbt_code == 1
    assert Level.VERY_DISSATISFIED.gbt_code == 5
    assert [lv.zh for lv in DISPLAY_ORDER] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert Level.DISSATISFIED.is_bad and not Level.BASICALLY_SATISFIED.is_bad


def test_topics_round_trip() -> None:
    t = topics.event("hall-1", "eval-01", "rating")
    assert t == "hall/v1/hall-1/eval-01/event/rating"
    p = topics.parse(t)
    assert (p.hall, p.device, p.kind, p.name) == ("hall-1", "eval-01", "event", "rating")
    assert topics.parse(topics.status("h", "d")).kind == "status"
    assert topics.all_events("county") == "$share/county/hall/v1/+/+/event/+"


@pytest.mark.parametrize("bad", ["Hall", "-x", "a/b", "", "x" * 33, "a+b", "#"])
def test_bad_ids_refused(bad: str) -> None:
    with pytest.raises(topics.TopicError):
        topics.ack(bad, "d")
