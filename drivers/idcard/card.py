"""The resident ID card record (居民身份证) and the parser of GA 467 read-base-info data.

Layout of the answer to read base information (30 01), after SW1 SW2 SW3 (docs/idcard-ga467.md, contract):
text length (2, big-endian, 01 00 = 256), photo length (2, 04 00 = 1024), 256 bytes UCS-2LE text,
then the 1024-byte WLT photo. The text is fixed-width fields padded with spaces.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from core import gb11643
from core.privacy import mask_id_number, mask_name
from drivers.errors import DeviceError
from drivers.idcard.nations import nation_name

TEXT_LEN: Final = 256
PHOTO_LEN: Final = 1024
LONG_TERM: Final = "长期"
LongTerm = Literal["长期"]

# (field, bytes) in card order; 256 bytes in all.
TEXT_FIELDS: Final = (
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("issuing_authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)
assert sum(size for _, size in TEXT_FIELDS) == TEXT_LEN


class CardDataError(DeviceError):
    """The reader answered 'success' but the card data does not follow the resident ID card layout."""


class Sex(enum.Enum):
    """GB/T 2261.1-2003 sex codes."""

    UNKNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    UNSTATED = "9"

    @property
    def zh(self) -> str:
        return {"0": "未知", "1": "男", "2": "女", "9": "未说明"}[self.value]

    @property
    def en(self) -> str:
        return {"0": "unknown", "1": "male", "2": "female", "9": "not stated"}[self.value]


@dataclass(frozen=True)
class IdCard:
    """One resident ID card as read. `repr` masks the name and ID number and leaves out the rest of the
    personal data; the photo is kept as the encrypted WLT bytes, never decoded, shown or sent."""

    name: str
    sex: Sex
    nation_code: str
    birth_date: date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: date
    valid_to: date | LongTerm
    photo_wlt: bytes = field(default=b"", repr=False, compare=False)

    @property
    def nation(self) -> str | None:
        """Name as printed on the card (汉, 蒙古, ...); None for a code outside GB/T 3304."""
        return nation_name(self.nation_code)

    @property
    def id_number_valid(self) -> bool:
        """The GB 11643 check digit (ISO 7064 MOD 11-2) holds."""
        return gb11643.is_valid(self.id_number)

    @property
    def long_term(self) -> bool:
        return self.valid_to == LONG_TERM

    def expired(self, today: date) -> bool:
        """Past its valid-to date on `today` (a 长期 card never expires). The card's last valid day
        is the valid-to date itself."""
        return not isinstance(self.valid_to, str) and today > self.valid_to

    def fields(self, *, show_pii: bool = False) -> dict[str, Any]:
        """The card as JSON-ready fields (field diagnostics, docs/drivers.md); name and ID masked
        by default."""
        return {
            "id_number": self.id_number if show_pii else mask_id_number(self.id_number),
            "name": self.name if show_pii else mask_name(self.name),
            "sex": self.sex.zh,
            "nation": self.nation if self.nation is not None else self.nation_code,
            "birth_date": self.birth_date.isoformat(),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": LONG_TERM if isinstance(self.valid_to, str) else self.valid_to.isoformat(),
            "id_number_valid": self.id_number_valid,
        }

    def __repr__(self) -> str:
        valid_to = self.valid_to if isinstance(self.valid_to, str) else self.valid_to.isoformat()
        return (
            f"IdCard(name={mask_name(self.name)!r}, sex={self.sex.zh}, nation={self.nation}, "
            f"id_number={mask_id_number(self.id_number)!r}, id_number_valid={self.id_number_valid}, "
            f"valid_to={valid_to})"
        )

    __str__ = __repr__


def _date(text: str, what: str) -> date:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise CardDataError(f"ID card {what} is not a YYYYMMDD date: {len(text)} characters")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as err:
        raise CardDataError(f"ID card {what} is not a real date: {err}") from None


def parse_text(text: bytes) -> dict[str, str]:
    """Split the 256-byte UCS-2LE text into its fields, padding removed."""
    if len(text) != TEXT_LEN:
        raise CardDataError(f"ID card text is {len(text)} bytes, expected {TEXT_LEN}")
    out: dict[str, str] = {}
    offset = 0
    for name, size in TEXT_FIELDS:
        chunk = text[offset : offset + size]
        offset += size
        try:
            value = chunk.decode("utf-16-le")
        except UnicodeDecodeError:
            raise CardDataError(f"ID card field {name} is not UCS-2 text") from None
        out[name] = value.strip(" \x00")
    return out


def parse_base_info(data: bytes) -> IdCard:
    """Parse the data of a successful read-base-info answer (without SW1 SW2 SW3)."""
    if len(data) < 4:
        raise CardDataError(f"read base info answer too short: {len(data)} bytes")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len != TEXT_LEN:
        raise CardDataError(f"ID card text length is {text_len}, expected {TEXT_LEN}")
    if len(data) < 4 + text_len + photo_len:
        raise CardDataError(
            f"read base info answer is {len(data)} bytes, its lengths announce {4 + text_len + photo_len}"
        )
    text = parse_text(data[4 : 4 + text_len])
    photo = bytes(data[4 + text_len : 4 + text_len + photo_len])
    # Foreign permanent resident cards (type I / Y in the reserved area) use another layout.
    card_type = text["reserved"][-1:] if len(text["reserved"]) >= 1 else ""
    if card_type in ("I", "Y"):
        raise CardDataError(f"card type {card_type} (foreign permanent resident card) is not supported")
    try:
        sex = Sex(text["sex"])
    except ValueError:
        raise CardDataError(f"ID card sex code {text['sex']!r} is not a GB/T 2261.1 code") from None
    valid_to_text = text["valid_to"]
    valid_to: date | LongTerm = (
        LONG_TERM if valid_to_text == LONG_TERM else _date(valid_to_text, "valid-to date")
    )
    return IdCard(
        name=text["name"],
        sex=sex,
        nation_code=text["nation"],
        birth_date=_date(text["birth_date"], "birth date"),
        address=text["address"],
        id_number=text["id_number"].upper(),
        issuing_authority=text["issuing_authority"],
        valid_from=_date(text["valid_from"], "valid-from date"),
        valid_to=valid_to,
        photo_wlt=photo,
    )


def encode_text(
    *,
    name: str,
    sex: str,
    nation_code: str,
    birth_date: str,
    address: str,
    id_number: str,
    issuing_authority: str,
    valid_from: str,
    valid_to: str,
    reserved: str = "",
) -> bytes:
    """The 256-byte text as a card holds it (for the simulator and tests). Raises ValueError if too long."""
    values = {
        "name": name,
        "sex": sex,
        "nation": nation_code,
        "birth_date": birth_date,
        "address": address,
        "id_number": id_number,
        "issuing_authority": issuing_authority,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "reserved": reserved,
    }
    out = bytearray()
    for name_, size in TEXT_FIELDS:
        raw = values[name_].encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"{name_} is longer than its {size}-byte field")
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return bytes(out)


def encode_base_info(text: bytes, photo: bytes) -> bytes:
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo
