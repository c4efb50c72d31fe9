"""Receipt bytes, checked against golden bytes written from the ESC/POS manual; status decoding;
the ESC/POS reader used by the simulator."""

from __future__ import annotations

import pytest

from drivers.printer.escpos_doc import columns, wrap
from drivers.printer.escpos_parse import EscPosParser, render_text
from drivers.printer.receipt import CaseProgress, ProgressStep, case_progress_receipt
from drivers.printer.status import interpret, is_status_byte, query

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
URL = "https://zwfw.example.gov.cn/c/C2026001"


def gb(text: str) -> bytes:
    return text.encode("gb18030")


def qr_store(data: bytes) -> bytes:
    # GS ( k pL pH cn=49 fn=80 m=48 data: pL pH count cn fn m + data.
    size = len(data) + 3
    return GS + b"(k" + bytes([size % 256, size // 256]) + b"1P0" + data


GOLDEN_MINIMAL = b"".join(
    [
        ESC + b"@",  # initialise
        FS + b"&",  # Chinese character mode
        GS + b"!\x11",  # double width and height
        ESC + b"E\x01",  # bold on
        ESC + b"a\x01",  # centre
        gb("办件进度") + LF,
        GS + b"!\x00",
        ESC + b"E\x00",
        b"Case progress\n",
        ESC + b"a\x00",
        b"-" * 32 + LF,
        gb("办件编号 Case No.: C2026001") + LF,
        gb("事项 Item: 户口迁移") + LF,
        ESC + b"E\x01",
        gb("状态 State: 已办结") + LF,
        ESC + b"E\x00",
        b"-" * 32 + LF,
        ESC + b"a\x01",
        GS + b"(k\x04\x00" + b"1A2\x00",  # QR model 2
        GS + b"(k\x03\x00" + b"1C\x06",  # module size 6 dots
        GS + b"(k\x03\x00" + b"1E1",  # error correction M
        qr_store(URL.encode()),
        GS + b"(k\x03\x00" + b"1Q0",  # print the symbol
        LF,
        gb("扫码查看进度") + LF,
        b"Scan to follow on your phone\n",
        ESC + b"a\x00",
        ESC + b"d\x06",  # feed 6 lines to the cutter
        GS + b"V\x00",  # full cut
    ]
)


def minimal() -> CaseProgress:
    return CaseProgress(case_id="C2026001", item_name="户口迁移", state="已办结", url=URL)


def test_minimal_receipt_golden_bytes():
    assert case_progress_receipt(minimal()) == GOLDEN_MINIMAL


def test_chinese_is_gb18030_not_a_code_page():
    data = case_progress_receipt(minimal())
    assert bytes.fromhex("B0ECBCFEBDF8B6C8") in data  # 办件进度 in GB18030 (= GBK for these)
    assert ESC + b"t" not in data  # no single-byte code page selected
    assert "办件进度".encode() not in data  # no UTF-8


def test_full_receipt_segments_in_order():
    progress = CaseProgress(
        case_id="C2026002",
        item_name="企业营业执照变更登记（名称、住所、经营范围）",
        state="办理中",
        url=URL,
        steps=(ProgressStep("受理", "已完成", "2026-11-23 10:05"), ProgressStep("审查", "办理中")),
        applicant_masked="张*",
        hall_name="某县政务服务中心",
        printed_at="2026-11-23 10:30",
    )
    data = case_progress_receipt(progress)
    segments = [
        ESC + b"@" + FS + b"&",
        gb("办件进度") + LF,
        gb("某县政务服务中心") + LF,
        gb("事项 Item: 企业营业执照变更登记") + LF + gb("  （名称、住所、经营范围）") + LF,
        gb("申请人 Applicant: 张*") + LF,
        gb("办理环节 Steps:") + LF,
        gb("1. 受理 已完成") + LF + b"   2026-11-23 10:05\n",
        gb("2. 审查 办理中") + LF,
        qr_store(URL.encode()),
        gb("打印时间 Printed: 2026-11-23 10:30") + LF,
        ESC + b"d\x06" + GS + b"V\x00",
    ]
    position = 0
    for segment in segments:
        found = data.find(segment, position)
        assert found >= 0, segment
        position = found + len(segment)
    assert data.endswith(GS + b"V\x00")


def test_rare_characters_use_gb18030_four_byte_forms():
    # 𠀋 (U+2000B) is outside GBK: GB18030 encodes it in four bytes; a name must never become "?".
    data = case_progress_receipt(CaseProgress("C1", "更名 𠀋", "已受理", URL))
    assert "𠀋".encode("gb18030") in data and len("𠀋".encode("gb18030")) == 4


def test_render_text_of_the_golden_receipt():
    text = render_text(GOLDEN_MINIMAL)
    assert text.splitlines() == [
        "            办件进度",
        "         Case progress",
        "-" * 32,
        "办件编号 Case No.: C2026001",
        "事项 Item: 户口迁移",
        "状态 State: 已办结",
        "-" * 32,
        f"[QR] {URL}",
        "",
        "          扫码查看进度",
        "  Scan to follow on your phone",
        "-------- cut --------",
    ]


def test_parser_split_anywhere_gives_the_same_tokens():
    whole = EscPosParser().feed(GOLDEN_MINIMAL)
    kinds = [t.kind for t in whole]
    assert kinds.count("qr") == 1 and kinds.count("cut") == 1
    assert b"".join(t.raw for t in whole) == GOLDEN_MINIMAL
    for cut in range(len(GOLDEN_MINIMAL) + 1):
        parser = EscPosParser()
        tokens = parser.feed(GOLDEN_MINIMAL[:cut]) + parser.feed(GOLDEN_MINIMAL[cut:])
        assert b"".join(t.raw for t in tokens) == GOLDEN_MINIMAL
        assert [t for t in tokens if t.kind in ("qr", "cut", "command")] == [
            t for t in whole if t.kind in ("qr", "cut", "command")
        ]


def test_wrap_counts_chinese_as_two_columns():
    assert columns("办件A") == 5
    assert wrap("一二三四五六", 8) == ["一二三四", "五六"]
    assert wrap("一二三四五六", 8, indent="  ") == ["一二三四", "  五六"]


# DLE EOT -----------------------------------------------------------------------------------------


def test_status_queries():
    assert query(1) == b"\x10\x04\x01" and query(4) == b"\x10\x04\x04"


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "state", "near_end", "words"),
    [
        (0x12, 0x12, 0x12, "ok", False, "ready"),
        (0x12, 0x12, 0x1E, "ok", True, "near end"),
        (0x1A, 0x32, 0x7E, "paper_out", True, "缺纸"),
        (0x1A, 0x16, 0x12, "offline", False, "cover open"),
        (0x1A, 0x52, 0x12, "offline", False, "printer error"),
        (0x1A, 0x12, 0x12, "offline", False, "printer offline"),
    ],
)
def test_status_interpretation(printer, cause, paper, state, near_end, words):
    status = interpret(printer, cause, paper)
    assert status.state == state and status.paper_near_end == near_end
    assert words in status.detail


def test_status_byte_pattern():
    assert is_status_byte(0x12) and is_status_byte(0x7E) and is_status_byte(0x1A)
    assert not is_status_byte(0x00) and not is_status_byte(0xFF) and not is_status_byte(0x13)


def test_80mm_paper_uses_48_columns():
    data = case_progress_receipt(minimal(), width=48)
    assert b"-" * 48 + LF in data and b"-" * 49 not in data
    assert render_text(data, width=48).splitlines()[0] == " " * 20 + "办件进度"
