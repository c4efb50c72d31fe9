"""ESC/POS real-time status (`DLE EOT n`) and what it means for the hall.

Each answer is one byte with the fixed bits 0xx1xx10 (bit 1 and bit 4 set, bits 0 and 7 clear).
n=1 printer: bit 3 offline. n=2 offline cause: bit 2 cover open, bit 3 feed button, bit 5 stopped
at paper end, bit 6 error. n=4 roll paper sensor: bits 2-3 near end, bits 5-6 paper end.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.messages import PeripheralState

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 4)  # printer, offline cause, paper sensor


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def is_status_byte(value: int) -> bool:
    return value & 0x93 == 0x12


@dataclass(frozen=True)
class PrinterStatus:
    state: PeripheralState  # ok, paper_out or offline
    detail: str  # Chinese / English, one line
    paper_near_end: bool = False


def interpret(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """The hall's view of the three status bytes."""
    near_end = bool(paper & 0x0C)
    if paper & 0x60 or offline_cause & 0x20:
        return PrinterStatus("paper_out", "缺纸 / paper out", near_end)
    if printer & 0x08:
        causes = []
        if offline_cause & 0x04:
            causes.append("上盖打开 / cover open")
        if offline_cause & 0x40:
            causes.append("打印机故障 / printer error")
        if offline_cause & 0x08:
            causes.append("正在走纸 / paper feed button held")
        return PrinterStatus("offline", "; ".join(causes) or "打印机离线 / printer offline", near_end)
    if near_end:
        return PrinterStatus("ok", "纸将用尽 / paper near end", True)
    return PrinterStatus("ok", "就绪 / ready")
