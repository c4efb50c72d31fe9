"""The progress receipt (办件进度回执): what is printed, built from a case (pure, no I/O).

Only masked citizen data appears, as on screen. The case id is printed as text and as a QR code
so the citizen can scan it at any kiosk to see the progress again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.clock import CHINA_TZ
from core.queries import CaseProgress
from kiosk import texts


@dataclass(frozen=True)
class Receipt:
    title: str
    lines: list[str] = field(default_factory=list)
    qr: str | None = None  # printed as a QR code under the text
    footer: list[str] = field(default_factory=list)


def _t(d: datetime | None) -> str:
    return d.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if d else "—"


def progress_receipt(case: CaseProgress, hall_name: str, device_id: str, printed_at: datetime) -> Receipt:
    """Always Chinese (the receipt is an official record); English labels follow where short."""
    T = texts.zh
    lines = [
        f"办件编号: {case.case_id}",
        f"事项名称: {case.item_name}",
        f"申请人: {case.applicant_masked}",
        f"办件类型: {T('case_type_' + str(case.case_type))}",
        f"办件状态: {T('state_' + str(case.state))}",
        f"受理时间: {_t(case.accepted_at)}",
    ]
    if case.promised_at is not None:
        lines.append(f"承诺办结: {_t(case.promised_at)}")
    lines.append("-" * 32)
    lines.append("办理环节:")
    for i, s in enumerate(case.steps, start=1):
        status = T("step_status_" + str(s.status))
        who = f" {s.handler_masked}" if s.handler_masked else ""
        lines.append(f"{i}. {s.name} [{status}]{who}")
        if s.started_at or s.ended_at:
            lines.append(f"   {_t(s.started_at)} ~ {_t(s.ended_at) if s.ended_at else ''}".rstrip())
    lines.append("-" * 32)
    return Receipt(
        title="办件进度回执",
        lines=lines,
        qr=case.case_id,
        footer=[
            hall_name,
            f"打印时间: {_t(printed_at)}  终端: {device_id}",
            "扫描二维码可在自助终端再次查询",
            "本回执仅供参考，以正式文书为准",
        ],
    )
