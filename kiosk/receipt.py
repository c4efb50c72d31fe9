"""The progress receipt (办件进度回执): what is printed for a case (pure, no I/O).

The layout is the printer driver's (`drivers.printer.receipt`, ESC/POS, GB18030); this module only
says what goes on it. Only masked citizen data appears, as on screen. The QR code carries the
case's progress URL, which any kiosk's scanner also accepts (`case=` parameter).
"""

from __future__ import annotations

from datetime import datetime

from core.clock import CHINA_TZ
from core.queries import CaseProgress
from drivers.printer.receipt import CaseProgress as Receipt
from drivers.printer.receipt import ProgressStep
from kiosk import texts

DEFAULT_PROGRESS_URL = "https://zwfw.example.gov.cn/progress?case={case_id}"

__all__ = ["DEFAULT_PROGRESS_URL", "Receipt", "progress_receipt"]


def _t(d: datetime | None) -> str:
    return d.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if d else ""


def progress_receipt(
    case: CaseProgress, hall_name: str, printed_at: datetime, url_template: str = DEFAULT_PROGRESS_URL
) -> Receipt:
    """Chinese with English alongside (the receipt is a record; the layout adds the English labels)."""
    steps = []
    for s in case.steps:
        who = f" {s.handler_masked}" if s.handler_masked else ""
        when = _t(s.ended_at or s.started_at)
        steps.append(ProgressStep(name=f"{s.name}{who}", state=texts.zh(f"step_status_{s.status}"), at=when))
    state = f"{texts.zh(f'state_{case.state}')} {texts.text(f'state_{case.state}', 'en')}"
    return Receipt(
        case_id=case.case_id,
        item_name=case.item_name,
        state=state,
        url=url_template.format(case_id=case.case_id),
        steps=tuple(steps),
        applicant_masked=case.applicant_masked,
        hall_name=hall_name,
        printed_at=_t(printed_at),
    )
