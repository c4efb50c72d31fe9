"""Receipt layouts. They take plain data (no app types) and return ESC/POS bytes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from drivers.printer.escpos_doc import EscPosDocument


@dataclass(frozen=True)
class ProgressStep:
    name: str  # e.g. 受理 Accepted
    state: str  # e.g. 已完成 done
    at: str = ""  # when, as the receipt should show it (e.g. 2026-11-23 10:05)


@dataclass(frozen=True)
class CaseProgress:
    """What a 办件进度 receipt shows. Personal data must already be masked by the caller."""

    case_id: str
    item_name: str
    state: str
    url: str  # the case's page; printed as a QR code
    steps: Sequence[ProgressStep] = field(default_factory=tuple)
    applicant_masked: str = ""
    hall_name: str = ""
    printed_at: str = ""


def case_progress_receipt(progress: CaseProgress, *, width: int = 32, qr_size: int = 6) -> bytes:
    """The 办件进度 / Case progress receipt as ESC/POS bytes (Chinese first, English alongside)."""
    doc = EscPosDocument(width)
    doc.set(align="center", bold=True, custom_size=True, width=2, height=2)
    doc.textln("办件进度")
    doc.set(bold=False, custom_size=True, width=1, height=1)
    doc.textln("Case progress")
    if progress.hall_name:
        doc.wrapped(progress.hall_name)
    doc.set(align="left")
    doc.rule()
    doc.wrapped(f"办件编号 Case No.: {progress.case_id}", indent="  ")
    doc.wrapped(f"事项 Item: {progress.item_name}", indent="  ")
    if progress.applicant_masked:
        doc.wrapped(f"申请人 Applicant: {progress.applicant_masked}", indent="  ")
    doc.set(bold=True)
    doc.wrapped(f"状态 State: {progress.state}", indent="  ")
    doc.set(bold=False)
    if progress.steps:
        doc.rule()
        doc.textln("办理环节 Steps:")
        for number, step in enumerate(progress.steps, start=1):
            doc.wrapped(f"{number}. {step.name} {step.state}", indent="   ")
            if step.at:
                doc.textln(f"   {step.at}")
    doc.rule()
    doc.set(align="center")
    doc.qr_code(progress.url, size=qr_size)
    doc.textln("扫码查看进度")
    doc.textln("Scan to follow on your phone")
    if progress.printed_at:
        doc.textln(f"打印时间 Printed: {progress.printed_at}")
    doc.set(align="left")
    doc.cut()
    return bytes(doc.output)
