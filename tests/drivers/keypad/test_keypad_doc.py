"""docs/keypad-hk1.md's example frames are what the code sends and accepts (the doc cannot drift)."""

import re
from pathlib import Path

import pytest

from drivers.keypad.hk1 import Frame, Hk1Decoder, crc16, decode_frame, encode_frame

DOC = Path(__file__).resolve().parents[3] / "docs" / "keypad-hk1.md"


def _hex(cell: str) -> bytes:
    return bytes.fromhex(cell.strip().strip("`"))


def _table_rows():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## 6.")[1].split("\n## ")[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[4].startswith("`02"):
            rows.append(cells)
    return rows


def _exchange_frames():
    text = DOC.read_text(encoding="utf-8")
    block = text.split("## 6.")[1].split("```")[1]
    return [bytes.fromhex(m) for m in re.findall(r"((?:[0-9A-F]{2} ){6,}[0-9A-F]{2})", block)]


def test_the_doc_has_its_examples():
    assert len(_table_rows()) >= 10
    assert len(_exchange_frames()) == 6


@pytest.mark.parametrize("row", _table_rows(), ids=lambda r: r[0])
def test_table_frame_matches_the_code(row):
    _name, seq, cmd, data, frame, crc = row
    raw = _hex(frame)
    expected = Frame(_hex(seq)[0], _hex(cmd)[0], _hex(data) if data else b"")
    assert encode_frame(expected.seq, expected.cmd, expected.data) == raw
    assert decode_frame(raw) == expected
    assert crc16(raw[1:-3]) == int(crc.strip("`"), 16)
    assert raw[-3:-1] == crc16(raw[1:-3]).to_bytes(2, "little")


def test_exchange_frames_decode():
    for raw in _exchange_frames():
        assert Hk1Decoder().feed(raw) == [decode_frame(raw)]
