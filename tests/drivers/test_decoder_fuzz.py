"""Property tests for every decoder in this area (hk1 frames, lines), with hypothesis.

For each: random bytes never raise; valid frames back to back, cut anywhere, come out exactly;
a mutated frame is never accepted; a valid frame after garbage is still found (after the idle
`flush()` the driver does). The ~1 M-frame runs are in bench/fuzz_decoders.py.
"""

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drivers.keypad.hk1 import Frame, Hk1Decoder
from drivers.line_reader import LineDecoder

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

frames = st.builds(
    Frame,
    seq=st.integers(0, 255),
    cmd=st.integers(0, 255),
    data=st.binary(max_size=40) | st.binary(min_size=200, max_size=253),
)
garbage = st.binary(max_size=300)


def _feed_in_chunks(dec, stream, cuts):
    out = []
    points = sorted({c % (len(stream) + 1) for c in cuts})
    last = 0
    for p in [*points, len(stream)]:
        out += dec.feed(stream[last:p])
        last = p
    return out


@FUZZ
@given(st.binary(max_size=2000))
def test_hk1_random_bytes_never_raise_and_only_yield_frames_present_in_the_input(data):
    dec = Hk1Decoder()
    out = dec.feed(data) + dec.flush()
    for frame in out:
        assert frame.encode() in data


@FUZZ
@given(st.lists(frames, min_size=1, max_size=8), st.lists(st.integers(0, 10_000), max_size=12))
def test_hk1_frames_back_to_back_cut_anywhere(fs, cuts):
    stream = b"".join(f.encode() for f in fs)
    assert _feed_in_chunks(Hk1Decoder(), stream, cuts) == fs


@FUZZ
@given(frames, st.data())
def test_hk1_mutated_frame_is_never_accepted(frame, data):
    raw = bytearray(frame.encode())
    kind = data.draw(st.sampled_from(["flip", "replace", "delete", "insert"]))
    pos = data.draw(st.integers(0, len(raw) - 1))
    if kind == "flip":
        raw[pos] ^= 1 << data.draw(st.integers(0, 7))
    elif kind == "replace":
        value = data.draw(st.integers(0, 255))
        assume(value != raw[pos])
        raw[pos] = value
    elif kind == "delete":
        del raw[pos]
    else:  # inside the frame: before the STX it would just be garbage
        raw.insert(max(1, pos), data.draw(st.integers(0, 255)))
    dec = Hk1Decoder()
    out = dec.feed(bytes(raw)) + dec.flush()
    # One byte changed, lost or added: CRC-16 and the framing checks leave nothing to accept,
    # unless the mutation left the whole original intact (an 02 inserted right after the STX is
    # just garbage before the frame). A coincidental valid frame has odds of about 2^-24.
    intact = frame.encode() in bytes(raw)
    assert out == ([frame] if intact else [])


@FUZZ
@given(garbage, frames, garbage, st.lists(st.integers(0, 10_000), max_size=6))
def test_hk1_valid_frame_after_garbage_is_found(before, frame, after, cuts):
    stream = before + frame.encode() + after
    dec = Hk1Decoder()
    out = _feed_in_chunks(dec, stream, cuts) + dec.flush()
    assert frame in out


@FUZZ
@given(st.lists(st.tuples(garbage, frames), min_size=1, max_size=5))
def test_hk1_frames_interleaved_with_garbage_are_all_found_in_order(parts):
    stream = b"".join(g + f.encode() for g, f in parts)
    dec = Hk1Decoder()
    out = dec.feed(stream) + dec.flush()
    wanted = [f for _, f in parts]
    it = iter(out)
    assert all(any(got == w for got in it) for w in wanted), (out, wanted)


# -- line reader ----------------------------------------------------------------------------------

codes = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), min_size=1, max_size=60)
terminators = st.sampled_from([("CR", b"\r"), ("LF", b"\n"), ("CRLF", b"\r\n"), ("ANY", b"\r\n")])


@FUZZ
@given(st.binary(max_size=5000), terminators)
def test_lines_random_bytes_never_raise(data, term):
    dec = LineDecoder(term[0], max_length=256)
    for code in dec.feed(data):
        assert code and len(code.encode()) <= 256


@FUZZ
@given(st.lists(codes, min_size=1, max_size=8), terminators, st.lists(st.integers(0, 10_000), max_size=12))
def test_lines_back_to_back_cut_anywhere(lines, term, cuts):
    name, end = term
    stream = b"".join(c.encode() + end for c in lines)
    assert _feed_in_chunks(LineDecoder(name), stream, cuts) == lines


@FUZZ
@given(st.binary(max_size=600), codes, terminators)
def test_line_after_garbage_and_a_terminator_is_found(junk, code, term):
    name, end = term
    dec = LineDecoder(name, max_length=256)
    out = dec.feed(junk + end + code.encode() + end)
    assert out[-1] == code
