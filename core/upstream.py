"""The county's upstream reporting, as operators see it (docs/county.md, "Upstream").

Published retained on `county/v1/upstream` by every county receiver that sends reports, read by
`hall-monitor` and the console with the monitor account.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from core.payload import Payload


class UpstreamStatus(Payload):
    SCHEMA: ClassVar[str] = "county.upstream/1"
    timestamp: int  # ms since the epoch
    province: str  # the province system's host (no path, no token)
    waiting: Annotated[int, Field(ge=0)]  # reports not yet confirmed, refused ones excluded
    oldest_age_s: Annotated[float, Field(ge=0)] | None = None  # of the oldest waiting report
    refused: Annotated[int, Field(ge=0)] = 0  # permanent refusals waiting for a person
    sent: Annotated[int, Field(ge=0)] = 0  # confirmed by the province since this sender started
    unreachable_since: int | None = None  # ms: first failure of the current run of failures
    last_error: str | None = None  # one line, no payload

    def summary(self, now_ms: int) -> str:
        """One line for screens: `上报省平台 upstream: 1,204 waiting, province unreachable for 2 h`."""
        parts = [f"{self.waiting:,} 待上报 waiting"]
        if self.oldest_age_s is not None and self.waiting:
            parts.append(f"oldest {_age(self.oldest_age_s)}")
        if self.unreachable_since is not None:
            down = _age((now_ms - self.unreachable_since) / 1000)
            parts.append(f"省平台不可达 province unreachable for {down}")
        if self.refused:
            parts.append(f"{self.refused:,} 被拒待处理 refused (hall-county upstream list)")
        if self.last_error and self.unreachable_since is not None:
            parts.append(f"last error: {self.last_error}")
        return "上报省平台 upstream: " + ", ".join(parts)


def _age(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s"
    if s < 2 * 3600:
        return f"{s // 60} min"
    if s < 2 * 86400:
        return f"{s // 3600} h"
    return f"{s // 86400} d"
