"""GA 467 frames and decoder, checked against frames written out by hand from the protocol text."""

from __future__ import annotations

import pytest

from drivers.errors import DeviceError
from drivers.idcard.ga467 import (
    MIN_REQUEST_LEN,
    SW3_TABLE,
    CardError,
    Command,
    Ga467Decoder,
    NoCard,
    RequestRejected,
    Response,
    SamFault,
    StatusKind,
    encode_request,
    encode_response,
    error_for,
    status_info,
    xor_checksum,
)

# Written out by hand: LEN = 00 03 (CMD PARA CHK), CHK = 00 ^ 03 ^ 20 ^ 01 = 22.
FIND_CARD_REQUEST = bytes.fromhex("AAAAAA9669 0003 2001 22")
# Response to find: LEN 00 08, SW 00 00 9F, data 00 00 00 00, CHK = 00^08^00^00^9F = 97.
CARD_FOUND_RESPONSE = bytes.fromhex("AAAAAA9669 0008 00009F 00000000 97")
NO_CARD_RESPONSE = bytes.fromhex("AAAAAA9669 0004 000080 84")


def test_requests_match_hand_written_bytes():
    assert encode_request(Command.FIND_CARD) == FIND_CARD_REQUEST
    assert encode_request(Command.SELECT_CARD) == bytes.fromhex("AAAAAA9669 0003 2002 21")
    assert encode_request(Command.READ_BASE_INFO) == bytes.fromhex("AAAAAA9669 0003 3001 32")
    assert encode_request(Command.RESET) == bytes.fromhex("AAAAAA9669 0003 10FF EC")
    assert encode_request(Command.STATUS) == bytes.fromhex("AAAAAA9669 0003 11FF ED")
    assert encode_request(Command.SAM_ID) == bytes.fromhex("AAAAAA9669 0003 12FF EE")


def test_responses_match_hand_written_bytes():
    assert encode_response(0x9F, bytes(4)) == CARD_FOUND_RESPONSE
    assert encode_response(0x80) == NO_CARD_RESPONSE


def test_xor_checksum_equals_plain_xor():
    for data in (b"", b"\x01", b"\x01\x02\x03", bytes(range(256)) * 5 + b"\x7f"):
        plain = 0
        for byte in data:
            plain ^= byte
        assert xor_checksum(data) == plain


def test_decoder_returns_bodies_and_parses_responses():
    decoder = Ga467Decoder()
    bodies = decoder.feed(CARD_FOUND_RESPONSE + NO_CARD_RESPONSE)
    responses = [Response.from_body(b) for b in bodies]
    assert [r.sw3 for r in responses] == [0x9F, 0x80]
    assert responses[0].data == bytes(4)
    assert responses[0].ok and not responses[1].ok
    assert decoder.pending == 0 and decoder.stats.frames == 2


def test_decoder_byte_by_byte():
    decoder = Ga467Decoder()
    out = []
    for byte in CARD_FOUND_RESPONSE:
        out += decoder.feed(bytes([byte]))
    assert out == [bytes.fromhex("00009F00000000")]


def test_bad_checksum_never_accepted_and_next_frame_found():
    decoder = Ga467Decoder()
    bad = bytearray(CARD_FOUND_RESPONSE)
    bad[-1] ^= 0x01
    bodies = decoder.feed(bytes(bad) + NO_CARD_RESPONSE)
    assert bodies == [bytes.fromhex("000080")]
    assert decoder.stats.bad_checksum == 1


def test_garbage_and_split_preamble():
    decoder = Ga467Decoder()
    assert decoder.feed(b"\x00\xff\xaa\xaa") == []
    assert decoder.pending == 2  # AA AA may start a preamble
    assert decoder.feed(b"\xaa\x96\x69" + NO_CARD_RESPONSE[5:]) == [bytes.fromhex("000080")]


def test_impossible_length_skipped():
    decoder = Ga467Decoder()
    # LEN 00 01 is shorter than SW1 SW2 SW3 CHK; LEN FF FF is longer than any answer.
    noise = bytes.fromhex("AAAAAA9669 0001 00") + bytes.fromhex("AAAAAA9669 FFFF")
    assert decoder.feed(noise + CARD_FOUND_RESPONSE) == [bytes.fromhex("00009F00000000")]
    assert decoder.stats.bad_length == 2


def test_flush_gives_up_a_partial_frame_and_finds_the_one_behind():
    decoder = Ga467Decoder()
    long_len = bytes.fromhex("AAAAAA9669 0100 000090")  # LEN hit: claims 256 bytes
    assert decoder.feed(long_len + CARD_FOUND_RESPONSE) == []
    assert decoder.flush() == [bytes.fromhex("00009F00000000")]
    assert decoder.pending == 0


def test_clear_drops_a_partial_frame():
    decoder = Ga467Decoder()
    decoder.feed(CARD_FOUND_RESPONSE[:9])
    assert decoder.pending == 9
    assert decoder.clear() == 9
    assert decoder.feed(NO_CARD_RESPONSE) == [bytes.fromhex("000080")]


def test_request_decoder_accepts_shortest_request():
    decoder = Ga467Decoder(min_len=MIN_REQUEST_LEN)
    assert decoder.feed(FIND_CARD_REQUEST) == [bytes.fromhex("2001")]


def test_preamble_inside_data_does_not_split_a_frame():
    data = bytes.fromhex("AAAAAA9669 0010") + bytes(20)
    frame = encode_response(0x90, data)
    assert Ga467Decoder().feed(frame) == [bytes.fromhex("000090") + data]


@pytest.mark.parametrize("sw3", sorted(SW3_TABLE))
def test_every_documented_code_has_chinese_and_english(sw3):
    info = status_info(sw3)
    assert info.code == sw3
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.zh)
    assert info.en.isascii() and info.en
    assert f"SW3={sw3:02X}" in info.text()


def test_codes_map_to_error_types():
    assert isinstance(error_for(0x80), NoCard)
    for code in (0x81, 0x31, 0x32, 0x33, 0x40, 0x41):
        assert isinstance(error_for(code), CardError)
    for code in (0x10, 0x11, 0x21):
        assert isinstance(error_for(code), RequestRejected)
    for code in (0x23, 0x24, 0x60, 0x66, 0x77):
        assert isinstance(error_for(code), SamFault)
    error = error_for(0x41, Command.READ_BASE_INFO)
    assert isinstance(error, DeviceError)
    assert str(error) == (
        "ID card reader answered to read_base_info: SW3=41 读证/卡操作失败 / reading the card failed"
    )
    with pytest.raises(ValueError):
        error_for(0x90)


def test_undocumented_code_is_said_to_be_so():
    info = status_info(0x77)
    assert info.kind is StatusKind.SAM
    assert "undocumented" in info.en


def test_response_repr_hides_data():
    response = Response(0, 0, 0x90, "张伟".encode("utf-16-le"))
    assert "data" not in repr(response)


def test_plausible_response_shapes():
    from drivers.idcard.ga467 import expect_answer_to, plausible_response

    base_info = bytes.fromhex("01000400") + bytes(1280)
    assert plausible_response(bytes.fromhex("00009F00000000"), Command.FIND_CARD)
    assert plausible_response(bytes.fromhex("000080"), Command.FIND_CARD)
    assert not plausible_response(bytes.fromhex("00008000"), Command.FIND_CARD)  # error with data
    assert not plausible_response(bytes.fromhex("010080"))  # SW1 must be 00
    assert plausible_response(bytes.fromhex("000090") + bytes(8), Command.SELECT_CARD)
    assert not plausible_response(bytes.fromhex("000090") + bytes(8), Command.READ_BASE_INFO)
    assert plausible_response(bytes.fromhex("000090") + base_info, Command.READ_BASE_INFO)
    assert not plausible_response(bytes.fromhex("000090") + base_info[:-1], Command.READ_BASE_INFO)
    fingerprint = bytes.fromhex("010004000400") + bytes(256 + 1024 + 1024)
    assert plausible_response(bytes.fromhex("000090") + fingerprint, Command.READ_BASE_INFO)
    assert plausible_response(bytes.fromhex("000090") + bytes(16), Command.SAM_ID)
    assert plausible_response(bytes.fromhex("000090"), Command.RESET)
    assert plausible_response(bytes.fromhex("000077"))  # undocumented code, no data: reported
    decoder = Ga467Decoder(accept=expect_answer_to(Command.SELECT_CARD))
    assert decoder.feed(encode_response(0x90, bytes(16))) == []
    assert decoder.stats.bad_shape == 1
