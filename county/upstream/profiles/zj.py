"""Profile `zj`: the field names of the Zhejiang-style offline-rating interface (docs/county.md).

One JSON object per rating, header `Idempotency-Key: <event_id>`. Success is HTTP 200 with
`{"code": "0", "success": true}` (a repeat is answered the same, maybe with `"duplicate": true`).
HTTP 5xx, 408, 429, 401/403 (the county's token, not the record), an answer that is not JSON, and a
2xx with another code are retried; any other 4xx is a permanent refusal of the record.
"""

from __future__ import annotations

import json
from typing import Any

from core.clock import CHINA_TZ
from county.upstream.profiles.base import Answer, Sender
from county.upstream.queue import Report

ASSESS_TIME = "%Y-%m-%d %H:%M:%S"
# not the record's fault: the province is busy, or the county's token is wrong or expired
_RETRY_4XX = frozenset({401, 403, 408, 425, 429})


class ZjProfile:
    name = "zj"

    def body(self, report: Report, sender: Sender) -> dict[str, Any]:
        return {
            # a rating without a case (free rating) is reported under its own event id
            "projectNo": report.case_id or report.event_id,
            "assessNumber": report.assess_number,
            "pf": report.channel,
            "satisfaction": int(report.level),  # 1 非常不满意 ... 5 非常满意 (not the GB/T code)
            "evalDetail": ",".join(report.reasons),
            "writingEvaluation": report.comment,
            "assessTime": report.rated_at.astimezone(CHINA_TZ).strftime(ASSESS_TIME),
            "areaCode": sender.area_code,
            "deptCode": sender.dept_code,
            "taskCode": report.item_code,
            "taskName": report.item_name,
            "userProp": 1,
            "isDefault": 1 if report.system_default else 0,
            "dataSource": sender.data_source,
        }

    def headers(self, report: Report) -> dict[str, str]:
        return {"Idempotency-Key": report.event_id}

    def answer(self, status: int, body: bytes) -> Answer:
        if status >= 500:
            return Answer("retry", error=f"HTTP {status}")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Answer("retry", error=f"HTTP {status}: the answer is not JSON")
        if not isinstance(data, dict):
            return Answer("retry", error=f"HTTP {status}: the answer is not a JSON object")
        code = str(data.get("code"))
        msg = str(data.get("msg") or data.get("message") or "")[:200].replace("\n", " ")
        if status == 200 and code == "0" and data.get("success") is True:
            return Answer("sent", duplicate=data.get("duplicate") is True)
        what = f"HTTP {status} code {code}" + (f": {msg}" if msg else "")
        if 400 <= status < 500 and status not in _RETRY_4XX:
            return Answer("refused", error=what)
        return Answer("retry", error=what)


PROFILE = ZjProfile()
