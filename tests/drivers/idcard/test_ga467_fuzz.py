"""Property tests of the GA 467 decoder and card parser: hostile bytes never crash them, never make them
accept a corrupted frame, and never hide a good frame that follows the noise."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drivers.errors import DriverError
from drivers.idcard.card import CardDataError, parse_base_info
from drivers.idcard.ga467 import (
    PREAMBLE,
    Command,
    Ga467Decoder,
    encode_frame,
    encode_response,
    expect_answer_to,
)
from drivers.sim.idcard import FIXTURE_CARDS

bodies = st.builds(
    lambda sw, data: bytes(sw) + data,
    st.lists(st.integers(0, 255), min_size=3, max_size=3),
    st.binary(max_size=300),
)
frames = bodies.map(encode_frame)
# Noise that holds no preamble: the first preamble the decoder sees is then a real frame's.
garbage = st.binary(max_size=200).filter(lambda b: PREAMBLE not in b)


def feed_all(decoder: Ga467Decoder, chunks: list[bytes]) -> list[bytes]:
    out: list[bytes] = []
    for chunk in chunks:
        out += decoder.feed(chunk)
    return out


def assert_only_true_frames(accepted: list[bytes], stream: bytes) -> None:
    """Every accepted body, re-framed, occurs in the input: nothing invented, nothing with a bad CHK."""
    for body in accepted:
        assert encode_frame(body) in stream


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.integers(1, 64))
def test_random_bytes(data, chunk):
    decoder = Ga467Decoder()
    accepted = feed_all(decoder, [data[i : i + chunk] for i in range(0, len(data), chunk)])
    assert_only_true_frames(accepted, data)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=1000))
def test_random_bytes_after_a_preamble(tail):
    data = PREAMBLE + tail
    accepted = Ga467Decoder().feed(data)
    assert_only_true_frames(accepted, data)


@settings(max_examples=500, deadline=None)
@given(
    bodies,
    st.data(),
)
def test_mutated_frame_rejected_and_next_frame_found(body, data):
    frame = bytearray(encode_frame(body))
    position = data.draw(st.integers(0, len(frame) - 1), label="position")
    flip = data.draw(st.integers(1, 255), label="xor")
    frame[position] ^= flip
    follower = encode_response(0x90, b"after")
    stream = bytes(frame) + follower
    decoder = Ga467Decoder()
    accepted = decoder.feed(stream)
    # A corrupted LEN may leave the decoder waiting for bytes that never come: the driver flushes
    # it on its answer timeout, and the frame buffered behind is found.
    accepted += decoder.flush()
    assert_only_true_frames(accepted, stream)
    assert body not in accepted or encode_frame(body) in stream
    assert accepted[-1] == bytes.fromhex("000090") + b"after"
    assert decoder.pending == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(frames, min_size=1, max_size=4))
def test_split_at_every_position(frame_list):
    stream = b"".join(frame_list)
    expected = [f[7:-1] for f in frame_list]
    for cut in range(len(stream) + 1):
        decoder = Ga467Decoder()
        assert feed_all(decoder, [stream[:cut], stream[cut:]]) == expected
        assert decoder.pending == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(frames, min_size=1, max_size=10), st.integers(1, 40))
def test_back_to_back_frames_in_any_chunking(frame_list, chunk):
    stream = b"".join(frame_list)
    accepted = feed_all(Ga467Decoder(), [stream[i : i + chunk] for i in range(0, len(stream), chunk)])
    assert accepted == [f[7:-1] for f in frame_list]


@settings(max_examples=500, deadline=None)
@given(garbage, st.lists(frames, min_size=1, max_size=3), garbage, st.integers(1, 50))
def test_leading_and_trailing_garbage(lead, frame_list, trail, chunk):
    stream = lead + b"".join(frame_list) + trail
    decoder = Ga467Decoder()
    accepted = feed_all(decoder, [stream[i : i + chunk] for i in range(0, len(stream), chunk)])
    assert accepted == [f[7:-1] for f in frame_list]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(frames, garbage), max_size=8), st.integers(1, 50))
def test_frames_interleaved_with_garbage(parts, chunk):
    stream = b"".join(parts)
    # Two noise parts side by side could spell a preamble; such streams are the other tests' business.
    assume(stream.count(PREAMBLE) == sum(1 for p in parts if p.startswith(PREAMBLE)))
    accepted = feed_all(Ga467Decoder(), [stream[i : i + chunk] for i in range(0, len(stream), chunk)])
    assert_only_true_frames(accepted, stream)
    # Every whole frame we put in comes out, in order (garbage has no preamble to derail it).
    wanted = [p[7:-1] for p in parts if p.startswith(PREAMBLE)]
    it = iter(accepted)
    assert all(any(w == got for got in it) for w in wanted)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=1400))
def test_card_parser_raises_only_card_data_error(data):
    try:
        parse_base_info(data)
    except CardDataError as err:
        assert isinstance(err, DriverError) and "\n" not in str(err)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_card_parser_on_random_text(text):
    try:
        card = parse_base_info(b"\x01\x00\x04\x00" + text + bytes(1024))
    except CardDataError:
        return
    assert len(card.photo_wlt) == 1024


# With the command known (as the driver knows it), no frame hit by one corrupted byte gets through:
# the checksum catches body bytes, the expected length catches LEN, a broken preamble is not a frame.

ANSWERS = [
    (Command.FIND_CARD, encode_response(0x9F, bytes(4))),
    (Command.FIND_CARD, encode_response(0x80)),
    (Command.SELECT_CARD, encode_response(0x90, bytes(8))),
    (Command.SAM_ID, encode_response(0x90, bytes(range(16)))),
    (Command.READ_BASE_INFO, encode_response(0x90, FIXTURE_CARDS["li"].base_info())),
    (Command.READ_BASE_INFO, encode_response(0x41)),
]


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(ANSWERS), st.data(), garbage, st.booleans())
def test_one_corrupted_byte_is_never_accepted(answer, data, tail, follow):
    command, frame = answer
    corrupted = bytearray(frame)
    position = data.draw(st.integers(0, len(frame) - 1), label="position")
    corrupted[position] ^= data.draw(st.integers(1, 255), label="xor")
    follower = frame if follow else b""  # the same answer, intact, right behind
    stream = bytes(corrupted) + tail + follower
    decoder = Ga467Decoder(accept=expect_answer_to(command))
    accepted = decoder.feed(stream)
    accepted += decoder.flush()  # the driver's timeout
    true_frames = [frame[7:-1]] * (accepted.count(frame[7:-1]))
    assert accepted == true_frames  # nothing but intact answers
    if follow:
        assert accepted == [frame[7:-1]]  # and the intact one behind the damage always comes through
    accepted += decoder.feed(frame)  # the answer to the next request
    assert accepted[-1] == frame[7:-1]
