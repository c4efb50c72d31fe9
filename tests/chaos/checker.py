"""The soak's Jepsen-style checker: every device outbox (what the citizens were thanked for) against
the county store (what was kept), after the faults have stopped and the backlog has drained.

- accepted: events in the outboxes (an outbox `put` returned: the screen said thank you)
- stored: events in the county store
- lost: accepted, not stored                               (must be 0)
- duplicated: a second store row of one device's `seq`, or of one case round (must be 0)
- unacked: accepted, no county ack in the outbox yet        (0 once drained)
- phantom: stored, but in no outbox (stored-but-never-accepted; must be 0)
- gaps: `seq` numbers missing inside a device's outbox (the counter never repeats, never skips)

System default ratings (默认好评, made by the county's loop for cases nobody rated in time, with
`system_default: true`) come from no device: they are counted apart and only checked for a case
round stored twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Accepted:
    device: str
    seq: int
    event_id: str
    acked: bool
    case_round: tuple[str, int] | None  # a rating's (case_id, assess_number)


@dataclass(frozen=True, slots=True)
class Stored:
    device: str
    seq: int
    event_id: str
    case_round: tuple[str, int] | None
    system_default: bool = False


@dataclass
class Verdict:
    accepted: int
    stored: int
    system_defaults: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unacked: list[str] = field(default_factory=list)
    phantom: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.unacked or self.phantom or self.gaps)

    def line(self) -> str:
        return (
            f"accepted={self.accepted} stored={self.stored} system-defaults={self.system_defaults}"
            f" lost={len(self.lost)}"
            f" duplicated={len(self.duplicated)} unacked={len(self.unacked)}"
            f" stored-never-accepted={len(self.phantom)} seq-gaps={len(self.gaps)}"
        )


def check(accepted: Iterable[Accepted], stored: Iterable[Stored]) -> Verdict:
    acc = list(accepted)
    every = list(stored)
    rows = [r for r in every if not r.system_default]
    by_id = {a.event_id for a in acc}
    stored_ids = Counter(r.event_id for r in rows)
    v = Verdict(accepted=len(acc), stored=len(rows), system_defaults=len(every) - len(rows))
    v.lost = sorted(a.event_id for a in acc if a.event_id not in stored_ids)
    v.unacked = sorted(a.event_id for a in acc if not a.acked)
    v.phantom = sorted(r.event_id for r in rows if r.event_id not in by_id)
    per_seq = Counter((r.device, r.seq) for r in rows)
    per_round = Counter(r.case_round for r in every if r.case_round is not None)
    v.duplicated = sorted(
        [f"{d}#{s} x{n}" for (d, s), n in per_seq.items() if n > 1]
        + [f"case {c}/{k} x{n}" for (c, k), n in per_round.items() if n > 1]
        + [f"event {e} x{n}" for e, n in stored_ids.items() if n > 1]
    )
    seqs: dict[str, list[int]] = {}
    for a in acc:
        seqs.setdefault(a.device, []).append(a.seq)
    for device, ss in seqs.items():
        missing = set(range(1, max(ss) + 1)) - set(ss)
        v.gaps += [f"{device}#{s}" for s in sorted(missing)]
    return v


def _case_round(payload: str | bytes) -> tuple[str, int] | None:
    data = json.loads(payload)
    rating = str(data.get("schema", "")).startswith("hall.rating")
    if rating and data.get("case_id") and "assess_number" in data:
        return (str(data["case_id"]), int(data["assess_number"]))
    return None


def read_outbox(path: Path, device: str) -> list[Accepted]:
    """The accepted events of one device (read-only: the device may still be running)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return [
            Accepted(device, int(seq), eid, acked is not None, _case_round(payload))
            for seq, eid, acked, payload in con.execute(
                "SELECT seq, event_id, acked_at, payload FROM events ORDER BY seq"
            )
        ]
    finally:
        con.close()


def stored_rows(rows: Iterable[tuple[str, str, int, str]]) -> list[Stored]:
    """Store rows `(event_id, device_id, seq, payload)` as the checker wants them."""
    return [
        Stored(device, int(seq), eid, _case_round(payload), bool(json.loads(payload).get("system_default")))
        for eid, device, seq, payload in rows
    ]
