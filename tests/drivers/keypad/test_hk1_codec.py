"""hk1 frames and decoder: pure, fed bytes."""

import pytest

from drivers.errors import FrameError
from drivers.keypad import hk1
from drivers.keypad.hk1 import Cmd, Frame, Hk1Decoder, crc16, decode_frame, encode_frame


def test_crc16_modbus_check_value():
    assert crc16(b"123456789") == 0x4B37


def test_key_frame_layout():
    raw = encode_frame(0x07, Cmd.KEY, b"\x05")
    assert raw[0] == 0x02 and raw[-1] == 0x03
    assert raw[1] == 3  # LEN = SEQ + CMD + 1 byte of DATA
    assert raw[2:5] == b"\x07\x01\x05"
    assert int.from_bytes(raw[5:7], "little") == crc16(raw[1:5])
    assert decode_frame(raw) == Frame(7, Cmd.KEY, b"\x05")


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"\x02\x02\x00\x03", "too short"),
        (b"\x05\x02\x00\x03\x00\x00\x03", "start with 02"),
        (b"\x02\x03\x00\x03\x00\x00\x03", "does not match"),
        (b"\x02\x02\x00\x03\x00\x00\x04", "end with 03"),
        (b"\x02\x02\x00\x03\x00\x00\x03", "CRC mismatch"),
    ],
)
def test_decode_frame_says_what_is_wrong(raw, why):
    with pytest.raises(FrameError, match=why):
        decode_frame(raw)


def test_encode_rejects_out_of_range_fields():
    with pytest.raises(ValueError):
        encode_frame(256, Cmd.KEY)
    with pytest.raises(ValueError):
        encode_frame(0, Cmd.KEY, bytes(254))
    assert len(encode_frame(0, Cmd.KEY, bytes(253))) == 260


def test_etx_bytes_inside_data_and_crc_do_not_split_frames():
    # find a frame whose CRC contains an 03 byte, plus 03/02 bytes in DATA
    for seq in range(256):
        raw = encode_frame(seq, Cmd.HELLO, b"\x03\x02\x03")
        if 0x03 in raw[-3:-1]:
            break
    dec = Hk1Decoder()
    assert dec.feed(raw + raw) == [decode_frame(raw)] * 2


def test_split_at_every_position():
    frames = [encode_frame(i, Cmd.KEY, bytes((i % 5 + 1,))) for i in range(3)]
    stream = b"".join(frames)
    for cut in range(len(stream) + 1):
        dec = Hk1Decoder()
        got = dec.feed(stream[:cut]) + dec.feed(stream[cut:])
        assert [f.encode() for f in got] == frames


def test_one_byte_at_a_time():
    raw = encode_frame(1, Cmd.HEARTBEAT)
    dec = Hk1Decoder()
    got = [f for b in raw for f in dec.feed(bytes((b,)))]
    assert got == [Frame(1, Cmd.HEARTBEAT)]


def test_garbage_before_between_and_after():
    a, b = encode_frame(1, Cmd.KEY, b"\x01"), encode_frame(2, Cmd.KEY, b"\x02")
    dec = Hk1Decoder()
    got = dec.feed(b"\xff\x02\x00junk" + a + b"\x07\x02" + b + b"\x02")
    assert got == [decode_frame(a), decode_frame(b)]
    assert dec.rejected == 2 and dec.pending == 1  # 02 00, and 02 before b; the last 02 waits


def test_garbage_that_looks_like_a_long_frame_holds_the_next_frame_until_flush():
    a, b = encode_frame(1, Cmd.KEY, b"\x01"), encode_frame(2, Cmd.KEY, b"\x02")
    dec = Hk1Decoder()
    # 02 02 99 fails its checks; then 02 99 promises 153 bytes and holds b
    got = dec.feed(a + b"\x02\x02\x99" + b)
    assert got == [decode_frame(a)]
    assert dec.flush() == [decode_frame(b)]


def test_corrupted_frame_is_dropped_and_the_next_one_found():
    good = encode_frame(9, Cmd.KEY, b"\x03")
    bad = bytearray(good)
    bad[4] ^= 0x08  # DATA 03 -> 0B
    dec = Hk1Decoder()
    assert dec.feed(bytes(bad) + good) == [decode_frame(good)]
    assert dec.rejected == 1


def test_stale_partial_frame_swallowing_a_good_one_is_released_by_flush():
    good = encode_frame(3, Cmd.KEY, b"\x04")
    dec = Hk1Decoder()
    assert dec.feed(b"\x02\xf0" + good) == []  # LEN 240 promises bytes that never come
    assert dec.flush() == [decode_frame(good)]
    assert dec.pending == 0


def test_truncated_frame_then_flush_accepts_nothing():
    good = encode_frame(3, Cmd.KEY, b"\x04")
    dec = Hk1Decoder()
    assert dec.feed(good[:5]) == []
    assert dec.flush() == []
    assert dec.feed(good) == [decode_frame(good)]


def test_hello_data_round_trip_and_bad_hello():
    data = hk1.hello_data((2, 7), "KP2024-000123")
    assert data == b"\x01\x02\x07KP2024-000123"
    assert hk1.parse_hello(data) == (1, "2.7", "KP2024-000123")
    assert hk1.parse_hello(b"\x01\x02") is None
    assert hk1.parse_hello(b"\x01\x02\x07\xff") is None
    assert hk1.parse_hello(b"\x01\x02\x07\x00") is None
    with pytest.raises(ValueError):
        hk1.hello_data((1, 0), "X" * 33)
