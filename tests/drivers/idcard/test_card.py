"""Card layout, GB 11643 check digit, GB/T 3304 nations, masking."""

from __future__ import annotations

from datetime import date

import pytest

from core import gb11643
from drivers.idcard.card import (
    LONG_TERM,
    TEXT_LEN,
    CardDataError,
    Sex,
    encode_base_info,
    encode_text,
    parse_base_info,
)
from drivers.idcard.nations import NATIONS, nation_name


def ucs2(text: str, size: int) -> bytes:
    raw = text.encode("utf-16-le")
    return raw + b"\x20\x00" * ((size - len(raw)) // 2)


def hand_built_text(valid_to: str = "20350601", id_number: str = "110101198503121239") -> bytes:
    # Built field by field from the layout table in docs/idcard-ga467.md, independently of encode_text.
    return b"".join(
        (
            ucs2("张伟", 30),
            ucs2("1", 2),
            ucs2("01", 4),
            ucs2("19850312", 16),
            ucs2("北京市东城区南池子大街12号", 70),
            ucs2(id_number, 36),
            ucs2("北京市公安局东城分局", 30),
            ucs2("20150601", 16),
            ucs2(valid_to, 16),
            ucs2("", 36),
        )
    )


def base_info(text: bytes, photo: bytes = b"WL" + bytes(1022)) -> bytes:
    return b"\x01\x00\x04\x00" + text + photo


def test_parse_hand_built_card():
    card = parse_base_info(base_info(hand_built_text()))
    assert card.name == "张伟"
    assert card.sex is Sex.MALE and card.sex.zh == "男"
    assert card.nation_code == "01" and card.nation == "汉"
    assert card.birth_date == date(1985, 3, 12)
    assert card.address == "北京市东城区南池子大街12号"
    assert card.id_number == "110101198503121239"
    assert card.id_number_valid
    assert card.issuing_authority == "北京市公安局东城分局"
    assert card.valid_from == date(2015, 6, 1)
    assert card.valid_to == date(2035, 6, 1)
    assert len(card.photo_wlt) == 1024 and card.photo_wlt.startswith(b"WL")


def test_long_term_card():
    card = parse_base_info(base_info(hand_built_text(valid_to="长期")))
    assert card.valid_to == LONG_TERM and card.long_term
    assert card.fields()["valid_to"] == "长期"


def test_expiry():
    card = parse_base_info(base_info(hand_built_text()))
    assert not card.expired(date(2035, 6, 1)) and card.expired(date(2035, 6, 2))
    long_term = parse_base_info(base_info(hand_built_text(valid_to="长期")))
    assert not long_term.expired(date(2200, 1, 1))


def test_wrong_check_digit_is_flagged_not_refused():
    card = parse_base_info(base_info(hand_built_text(id_number="110101198503121238")))
    assert not card.id_number_valid


def test_repr_masks_and_hides_photo_and_address():
    card = parse_base_info(base_info(hand_built_text()))
    text = repr(card)
    assert "张*" in text and "张伟" not in text
    assert "110***********1239" in text and "110101198503121239" not in text
    assert "南池子" not in text and "WL" not in text and "photo" not in text
    assert str(card) == text


def test_fields_masked_and_unmasked():
    card = parse_base_info(base_info(hand_built_text()))
    assert card.fields() == {
        "id_number": "110***********1239",
        "name": "张*",
        "sex": "男",
        "nation": "汉",
        "birth_date": "1985-03-12",
        "valid_from": "2015-06-01",
        "valid_to": "2035-06-01",
        "id_number_valid": True,
    }
    shown = card.fields(show_pii=True)
    assert shown["name"] == "张伟" and shown["id_number"] == "110101198503121239"


def test_encode_text_matches_hand_built_layout():
    assert (
        encode_text(
            name="张伟",
            sex="1",
            nation_code="01",
            birth_date="19850312",
            address="北京市东城区南池子大街12号",
            id_number="110101198503121239",
            issuing_authority="北京市公安局东城分局",
            valid_from="20150601",
            valid_to="20350601",
        )
        == hand_built_text()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x01", "too short"),
        (b"\x00\x80\x04\x00" + bytes(2000), "text length is 128"),
        (b"\x01\x00\x04\x00" + bytes(300), "lengths announce 1284"),
    ],
)
def test_malformed_answers_are_clear_errors(data, message):
    with pytest.raises(CardDataError, match=message):
        parse_base_info(data)


def test_bad_date_and_sex_are_clear_errors():
    text = bytearray(hand_built_text())
    text[36:52] = ucs2("19851332", 16)  # birth date: month 13
    with pytest.raises(CardDataError, match="birth date is not a real date"):
        parse_base_info(base_info(bytes(text)))
    text = bytearray(hand_built_text())
    text[30:32] = ucs2("5", 2)
    with pytest.raises(CardDataError, match="sex code '5'"):
        parse_base_info(base_info(bytes(text)))


def test_text_that_is_not_ucs2():
    text = bytearray(hand_built_text())
    text[0:2] = b"\x00\xd8"  # a lone high surrogate
    with pytest.raises(CardDataError, match="name is not UCS-2"):
        parse_base_info(base_info(bytes(text)))


def test_foreign_resident_card_type_is_refused_clearly():
    text = bytearray(hand_built_text())
    text[TEXT_LEN - 2 : TEXT_LEN] = "I".encode("utf-16-le")
    with pytest.raises(CardDataError, match="card type I"):
        parse_base_info(base_info(bytes(text)))


def test_encode_base_info_layout():
    data = encode_base_info(bytes(256), bytes(1024))
    assert data[:4] == bytes.fromhex("01000400") and len(data) == 1284


# GB 11643 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "110101198503121239", "44030520150601118X", "11010519491231002x"],
)
def test_valid_numbers(number):
    assert gb11643.is_valid(number)


@pytest.mark.parametrize(
    "number",
    ["110105194912310021", "11010519491231002", "1101051949123100XX", "11010519491231002Y", "１" * 18, ""],
)
def test_invalid_numbers(number):
    assert not gb11643.is_valid(number)


def test_check_digit_every_remainder():
    # Change the last body digit through 0..9: each remainder maps to a distinct check character.
    seen = {gb11643.check_digit(f"1101051949123100{d}") for d in range(10)}
    assert len(seen) == 10
    with pytest.raises(ValueError):
        gb11643.check_digit("123")


# GB/T 3304 ------------------------------------------------------------------------------------


def test_nation_table():
    assert len(NATIONS) == 58
    assert nation_name("01") == "汉"
    assert nation_name("05") == "维吾尔"
    assert nation_name("56") == "基诺"
    assert nation_name("97") == "其他"
    assert nation_name("98") == "外国血统中国籍人士"
    assert nation_name("57") is None


def test_unknown_nation_code_kept():
    text = bytearray(hand_built_text())
    text[32:36] = ucs2("57", 4)
    card = parse_base_info(base_info(bytes(text)))
    assert card.nation is None and card.fields()["nation"] == "57"
