"""What a provincial profile is: the request body for one report and how to read the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

from county.upstream.queue import Report


@dataclass(frozen=True, slots=True)
class Sender:
    """Who reports (the `[upstream]` codes the province gave the county)."""

    area_code: str
    dept_code: str
    data_source: str


@dataclass(frozen=True, slots=True)
class Answer:
    kind: Literal["sent", "retry", "refused"]
    duplicate: bool = False
    error: str | None = None


class Profile(Protocol):
    name: str

    def body(self, report: Report, sender: Sender) -> dict[str, Any]:
        """The JSON object posted for one report."""
        ...

    def headers(self, report: Report) -> dict[str, str]:
        """Headers beyond Authorization and Content-Type (the idempotency key)."""
        ...

    def answer(self, status: int, body: bytes) -> Answer:
        """Success, retry later, or a permanent refusal of this record."""
        ...
