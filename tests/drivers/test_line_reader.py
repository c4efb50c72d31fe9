"""LineDecoder and RepeatFilter: pure, fed bytes, fake clock."""

import pytest

from core.clock import FakeClock
from drivers.line_reader import LineDecoder, RepeatFilter


@pytest.mark.parametrize(
    ("terminator", "data", "codes"),
    [
        ("CR", b"A1\rB2\r", ["A1", "B2"]),
        ("LF", b"A1\nB2\n", ["A1", "B2"]),
        ("CRLF", b"A1\r\nB2\r\n", ["A1", "B2"]),
        ("CRLF", b"A\r1\r\n", ["A\r1"]),  # a bare CR is data when the terminator is CRLF
        ("ANY", b"A1\rB2\nC3\r\n", ["A1", "B2", "C3"]),
    ],
)
def test_terminators(terminator, data, codes):
    assert LineDecoder(terminator).feed(data) == codes


def test_split_anywhere_gives_the_same_codes():
    data = "6901234567892\r\n扫码内容 QR\r\n".encode()
    for cut in range(len(data) + 1):
        dec = LineDecoder("CRLF")
        assert dec.feed(data[:cut]) + dec.feed(data[cut:]) == ["6901234567892", "扫码内容 QR"]


def test_prefix_and_suffix_are_stripped_when_present():
    dec = LineDecoder("CR", prefix="]Q1", suffix="#")
    assert dec.feed(b"]Q1ABC#\rDEF\r") == ["ABC", "DEF"]


def test_overlong_line_is_skipped_to_the_next_terminator_and_counted():
    dec = LineDecoder("CR", max_length=8)
    assert dec.feed(b"x" * 20) == []
    assert dec.feed(b"yyy\rOK\r") == ["OK"]
    assert dec.rejected == 1


def test_undecodable_line_is_rejected_not_raised():
    dec = LineDecoder("LF")
    assert dec.feed(b"\xff\xfe\n12\n") == ["12"]
    assert dec.rejected == 1


def test_gb18030_scanner():
    dec = LineDecoder("CR", encoding="gb18030")
    assert dec.feed("张三\r".encode("gb18030")) == ["张三"]


def test_bad_terminator_is_a_clear_error():
    with pytest.raises(ValueError, match="CR, LF, CRLF or ANY"):
        LineDecoder("TAB")  # type: ignore[arg-type]


def test_repeat_within_interval_reported_once():
    clock = FakeClock()
    f = RepeatFilter(2.0, clock)
    assert f.accept("A")
    clock.advance(1.0)
    assert not f.accept("A")
    assert f.accept("B")
    clock.advance(0.9)  # 1.9 s since A was reported
    assert not f.accept("A")
    clock.advance(0.1)  # 2 s since A was reported: a new read, however often it was swiped between
    assert f.accept("A")


def test_a_clerk_who_keeps_swiping_is_heard_every_interval():
    """The window runs from the last *reported* read and does not slide on ignored ones: a clerk
    who thinks the swipe failed and swipes every second is heard again every 2 s."""
    clock = FakeClock()
    f = RepeatFilter(2.0, clock)
    reported = []
    for _ in range(7):
        reported.append(f.accept("A"))
        clock.advance(1.0)
    assert reported == [True, False, True, False, True, False, True]


def test_repeat_filter_zero_interval_reports_everything():
    clock = FakeClock()
    f = RepeatFilter(0.0, clock)
    assert f.accept("A") and f.accept("A")


def test_reader_drops_a_fragment_after_an_idle_gap():
    from drivers.line_reader import CodeRead, LineReader
    from tests.support.serial_sim import Recorder
    from tests.support.wire import WirePort

    clock = FakeClock()
    reader = LineReader("loop://", terminator="CR", clock=clock, line_gap_s=0.5)
    rec = Recorder(reader)
    reader.attach(WirePort())  # type: ignore[arg-type]
    reader.on_bytes(b"12AB", clock.monotonic())  # noise, or a scan cut short
    clock.advance(0.4)
    reader.on_tick(clock.monotonic())
    reader.on_bytes(b"34\r", clock.monotonic())  # still one burst: kept
    clock.advance(0.1)
    reader.on_bytes(b"frag", clock.monotonic())
    clock.advance(0.6)
    reader.on_tick(clock.monotonic())
    reader.on_bytes(b"OK\r", clock.monotonic())
    assert rec.events == [CodeRead("scanner", "12AB34"), CodeRead("scanner", "OK")]
    assert reader.decoder.rejected == 1
