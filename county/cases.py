"""The county's case store (办件库): cases with their steps, as exported by the business system.

Kiosks ask it for a citizen's case progress (docs/county-queries.md, GB/T 39046 progress items). The store
never holds a citizen's ID number in clear: it keeps `HMAC-SHA256(key, id_number)` so a query by
ID number finds the cases, while a copy of the database alone (without the key file) reveals no
ID numbers. The applicant's name is stored masked only (张*); step handlers are masked too.

Import (`hall-county import-cases FILE`): JSON (a list of cases, or `{"cases": [...]}`) or CSV
(one row per step, case columns repeated; see docs/county-queries.md). Re-importing a case
replaces it and its steps, so the business system can export updates as often as it likes.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core import gb11643
from core.clock import CHINA_TZ
from core.events import StaffRef
from core.gb11643 import ID_NUMBER_PATTERN
from core.ids import WindowId
from core.payload import one_line
from core.privacy import mask_name
from core.queries import CaseProgress, Step


class CaseImportError(ValueError):
    """An export that cannot be imported; `str()` names the record and the problem."""


def load_or_create_key(path: Path) -> bytes:
    """The HMAC key for ID numbers: created once (0600), then kept. Losing it means re-importing."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        return key
    if len(key) < 16:
        raise CaseImportError(f"{path}: HMAC key file is too short ({len(key)} bytes, need ≥ 16)")
    return key


def _aware(v: Any) -> Any:
    """Business systems export local times without an offset: they are Beijing time."""
    if isinstance(v, str):
        v = v.strip()
        if not v:
            return None
        v = datetime.fromisoformat(v.replace("/", "-"))
    if isinstance(v, datetime) and v.tzinfo is None:
        v = v.replace(tzinfo=CHINA_TZ)
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StepRecord(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    handler: str = ""  # the clerk's name in clear in the export; stored masked
    started_at: datetime | None = None
    ended_at: datetime | None = None
    status: Literal[1, 2]  # 1 待办, 2 已办

    _times = field_validator("started_at", "ended_at", mode="before")(_aware)


class StaffRecord(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=50)]
    name: Annotated[str, Field(min_length=1, max_length=50)]


class CaseRecord(_Strict):
    """One case as the business system exports it (the applicant's name and ID number in clear)."""

    case_id: Annotated[str, Field(min_length=1, max_length=50)]
    item_code: Annotated[str, Field(min_length=1, max_length=50)]
    item_name: Annotated[str, Field(min_length=1, max_length=200)]
    case_type: Literal[1, 2]
    applicant_name: Annotated[str, Field(min_length=1, max_length=100)]
    applicant_id_number: Annotated[str, Field(pattern=ID_NUMBER_PATTERN)] | None = None
    accepted_at: datetime
    promised_at: datetime | None = None
    finished_at: datetime | None = None
    state: Literal[1, 2, 3]
    window_id: WindowId | None = None
    staff: list[StaffRecord] = Field(default_factory=list, max_length=10)
    rating_round: Literal[1, 2] = 1  # 2 when the business system opens a second rating (追评)
    steps: list[StepRecord] = Field(default_factory=list)
    # the hall the case was handled in (its system default rating and 评价率 per hall); optional
    hall_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")] | None = None

    _times = field_validator("accepted_at", "promised_at", "finished_at", mode="before")(_aware)

    @field_validator("applicant_id_number", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip().upper() or None
        return v

    @field_validator("applicant_id_number")
    @classmethod
    def _check_digit(cls, v: str | None) -> str | None:
        if v is not None and not gb11643.is_valid(v):
            raise ValueError("ID number check digit is wrong")  # never echo the number
        return v

    def __repr__(self) -> str:
        return f"CaseRecord(case_id={self.case_id!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class StoredCase:
    """A case as the store keeps it (no clear name or ID number)."""

    case_id: str
    item_code: str
    item_name: str
    case_type: int
    applicant_masked: str
    accepted_at: datetime
    promised_at: datetime | None
    finished_at: datetime | None
    state: int
    window_id: str | None
    staff: list[StaffRef]
    rating_round: int
    steps: list[Step]
    hall_id: str | None = None

    def progress(self, *, rateable: bool) -> CaseProgress:
        return CaseProgress(
            case_id=self.case_id,
            item_code=self.item_code,
            item_name=self.item_name,
            case_type=self.case_type,
            applicant_masked=self.applicant_masked,
            accepted_at=self.accepted_at,
            promised_at=self.promised_at,
            state=self.state,
            rateable=rateable,
            assess_number=self.rating_round,
            window_id=self.window_id,
            staff=self.staff,
            steps=self.steps,
        )


_SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,
    applicant_hmac TEXT,
    applicant_masked TEXT NOT NULL,
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    case_type INTEGER NOT NULL,
    state INTEGER NOT NULL,
    accepted_at TEXT NOT NULL,
    promised_at TEXT,
    finished_at TEXT,
    window_id TEXT,
    staff TEXT NOT NULL DEFAULT '[]',
    rating_round INTEGER NOT NULL DEFAULT 1,
    imported_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_applicant ON cases(applicant_hmac);
CREATE INDEX IF NOT EXISTS cases_by_finished ON cases(finished_at);
CREATE TABLE IF NOT EXISTS steps (
    case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    handler_masked TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    status INTEGER NOT NULL,
    PRIMARY KEY (case_id, idx)
);
"""


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d is not None else None


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


class FinishedCase(NamedTuple):
    """What the system default job needs of a finished case (no applicant data)."""

    case_id: str
    rating_round: int
    finished_at: datetime
    item_code: str
    item_name: str
    window_id: str | None
    staff_json: str  # parsed only for the cases that get a default (most are rated already)
    hall_id: str | None

    @property
    def staff(self) -> list[dict[str, str]]:
        staff: list[dict[str, str]] = json.loads(self.staff_json)
        return staff


def _sqlite_path(where: Path | str) -> str:
    text = str(where)
    return text[len("sqlite:///") :] if text.startswith("sqlite:///") else text


class CaseStore:
    """The case store on SQLite (a path or `sqlite:///PATH`) or PostgreSQL (`postgresql://...`).

    Safe to share between the MQTT thread, the default-rating job and the import command.
    """

    def __init__(self, where: Path | str, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("HMAC key must be at least 16 bytes")
        self._key = key
        self._lock = threading.Lock()
        self._pg = str(where).startswith(("postgresql://", "postgres://"))
        self._db: Any
        if self._pg:
            import psycopg  # optional dependency: only for a postgresql:// case store

            self._db = psycopg.connect(str(where), autocommit=True)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(4242002)")  # two services starting at once
                for stmt in filter(None, (x.strip() for x in _SCHEMA.split(";"))):
                    self._db.execute(stmt)
                self._db.execute("ALTER TABLE cases ADD COLUMN IF NOT EXISTS hall_id TEXT")
        else:
            self._db = sqlite3.connect(_sqlite_path(where), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            if "hall_id" not in {r[1] for r in self._db.execute("PRAGMA table_info(cases)")}:
                self._db.execute("ALTER TABLE cases ADD COLUMN hall_id TEXT")  # a store made before halls

    def _q(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._pg else sql

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        return list(self._db.execute(self._q(sql), tuple(args)).fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def applicant_key(self, id_number: str) -> str:
        """What the store keeps instead of the ID number."""
        return hmac.new(self._key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        with self._lock:
            if self._pg:
                with self._db.transaction():
                    yield None
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def upsert(self, records: Iterable[CaseRecord], now: datetime) -> int:
        """Store (or replace) cases, all in one transaction. Returns how many."""
        n = 0
        with self._tx():
            for r in records:
                self._db.execute(self._q("DELETE FROM cases WHERE case_id = ?"), (r.case_id,))
                self._db.execute(
                    self._q(
                        "INSERT INTO cases (case_id, applicant_hmac, applicant_masked, item_code, item_name,"
                        " case_type, state, accepted_at, promised_at, finished_at, window_id, staff,"
                        " rating_round,"
                        " imported_at, hall_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    ),
                    (
                        r.case_id,
                        self.applicant_key(r.applicant_id_number) if r.applicant_id_number else None,
                        mask_name(r.applicant_name),
                        r.item_code,
                        r.item_name,
                        r.case_type,
                        r.state,
                        _iso(r.accepted_at),
                        _iso(r.promised_at),
                        # China time, so a day's cases are a range of this text on every backend
                        _iso(r.finished_at.astimezone(CHINA_TZ) if r.finished_at else None),
                        r.window_id,
                        json.dumps([s.model_dump() for s in r.staff], ensure_ascii=False),
                        r.rating_round,
                        now.isoformat(),
                        r.hall_id,
                    ),
                )
                self._db.cursor().executemany(
                    self._q("INSERT INTO steps VALUES (?,?,?,?,?,?,?)"),
                    [
                        (
                            r.case_id,
                            i,
                            s.name,
                            mask_name(s.handler) if s.handler else "",
                            _iso(s.started_at),
                            _iso(s.ended_at),
                            s.status,
                        )
                        for i, s in enumerate(r.steps)
                    ],
                )
                n += 1
        return n

    def by_case_id(self, case_id: str) -> StoredCase | None:
        found = self._select("WHERE case_id = ?", (case_id,))
        return found[0] if found else None

    def by_id_number(self, id_number: str) -> list[StoredCase]:
        """The applicant's cases, newest first. The number itself goes no further than the HMAC."""
        return self._select(
            "WHERE applicant_hmac = ? ORDER BY accepted_at DESC", (self.applicant_key(id_number),)
        )

    def count(self) -> int:
        with self._lock:
            return int(self._all("SELECT COUNT(*) FROM cases")[0][0])

    def finished_between(self, date_from: date, date_to: date, hall: str | None = None) -> list[str]:
        """Ids of cases finished on [date_from, date_to], China time (评价率's denominator)."""
        lo, hi = date_from.isoformat(), (date_to + timedelta(days=1)).isoformat()
        on_hall = " AND hall_id = ?" if hall is not None else ""
        with self._lock:
            return [
                str(r[0])
                for r in self._all(
                    "SELECT case_id FROM cases WHERE state = 3 AND finished_at >= ? AND finished_at < ?"
                    + on_hall,
                    [lo, hi, *([hall] if hall is not None else [])],
                )
            ]

    def finished_before(self, before: date, since: date | None = None) -> list[FinishedCase]:
        """Finished cases with `finished_at` before the start of `before` (China time), oldest first."""
        args = [before.isoformat()]
        since_sql = ""
        if since is not None:
            since_sql = " AND finished_at >= ?"
            args.append(since.isoformat())
        with self._lock:
            rows = self._all(
                "SELECT case_id, rating_round, finished_at, item_code, item_name, window_id, staff, hall_id"
                f" FROM cases WHERE state = 3 AND finished_at IS NOT NULL AND finished_at < ?{since_sql}"
                " ORDER BY finished_at",
                args,
            )
        return [
            FinishedCase(str(r[0]), int(r[1]), datetime.fromisoformat(r[2]), r[3], r[4], r[5], r[6], r[7])
            for r in rows
        ]

    def _select(self, where: str, args: Sequence[Any]) -> list[StoredCase]:
        with self._lock:
            rows = self._all(
                "SELECT case_id, item_code, item_name, case_type, applicant_masked, accepted_at, promised_at,"
                f" finished_at, state, window_id, staff, rating_round, hall_id FROM cases {where}",
                args,
            )
            out = []
            for row in rows:
                steps = self._all(
                    "SELECT name, handler_masked, started_at, ended_at, status FROM steps"
                    " WHERE case_id = ? ORDER BY idx",
                    (row[0],),
                )
                out.append(
                    StoredCase(
                        case_id=row[0],
                        item_code=row[1],
                        item_name=row[2],
                        case_type=row[3],
                        applicant_masked=row[4],
                        accepted_at=datetime.fromisoformat(row[5]),
                        promised_at=_dt(row[6]),
                        finished_at=_dt(row[7]),
                        state=row[8],
                        window_id=row[9],
                        staff=[StaffRef(**s) for s in json.loads(row[10])],
                        rating_round=row[11],
                        hall_id=row[12],
                        steps=[
                            Step(
                                name=s[0],
                                handler_masked=s[1],
                                started_at=_dt(s[2]),
                                ended_at=_dt(s[3]),
                                status=s[4],
                            )
                            for s in steps
                        ],
                    )
                )
            return out


# -- reading exports ---------------------------------------------------------------------------

CSV_CASE_COLUMNS = (
    "case_id",
    "item_code",
    "item_name",
    "case_type",
    "applicant_name",
    "applicant_id_number",
    "accepted_at",
    "promised_at",
    "finished_at",
    "state",
    "window_id",
    "staff",
    "rating_round",
    "hall_id",
)
CSV_STEP_COLUMNS = ("step_name", "step_handler", "step_started_at", "step_ended_at", "step_status")


def _validate(raw: dict[str, Any], where: str) -> CaseRecord:
    try:
        return CaseRecord.model_validate(raw)
    except ValidationError as e:
        # `one_line` shows fields and reasons, never the input values (which may be ID numbers)
        raise CaseImportError(f"{where}: {one_line(e)}") from None


def parse_json(text: str) -> list[CaseRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CaseImportError(f"not valid JSON: {e.msg} at line {e.lineno}") from None
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
    if not isinstance(data, list):
        raise CaseImportError('expected a list of cases or {"cases": [...]}')
    out = []
    for i, raw in enumerate(data):
        where = f"case #{i + 1}"
        if not isinstance(raw, dict):
            raise CaseImportError(f"{where}: not an object")
        if isinstance(raw.get("case_id"), str):
            where += f" ({raw['case_id']})"
        out.append(_validate(raw, where))
    return out


def _staff_cell(cell: str) -> list[dict[str, str]]:
    """`S001:王芳;S002:李强` → staff list."""
    out = []
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        sid, _, name = part.partition(":")
        out.append({"id": sid.strip(), "name": name.strip()})
    return out


def _int_cell(v: Any) -> Any:
    """CSV cells are text; Literal[1, 2] fields want numbers."""
    return int(v) if isinstance(v, str) and v.strip().isdigit() else v


def parse_csv(text: str) -> list[CaseRecord]:
    """One row per step; the case columns repeat on each of its rows (a case without steps: one row)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        c
        for c in ("case_id", "item_code", "item_name", "case_type", "applicant_name", "accepted_at", "state")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise CaseImportError(f"CSV header lacks column(s): {', '.join(missing)}")
    unknown = [c for c in reader.fieldnames or [] if c not in CSV_CASE_COLUMNS + CSV_STEP_COLUMNS]
    if unknown:
        raise CaseImportError(f"CSV header has unknown column(s): {', '.join(unknown)}")
    cases: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        cid = (row.get("case_id") or "").strip()
        if not cid:
            raise CaseImportError(f"line {line}: case_id is empty")
        if cid not in cases:
            case: dict[str, Any] = {
                k: (row.get(k) or "").strip() for k in CSV_CASE_COLUMNS if (row.get(k) or "").strip()
            }
            case["staff"] = _staff_cell(case.get("staff", ""))
            for k in ("case_type", "state", "rating_round"):
                if k in case:
                    case[k] = _int_cell(case[k])
            case["steps"] = []
            cases[cid] = case
            first_line[cid] = line
        if (row.get("step_name") or "").strip():
            cases[cid]["steps"].append(
                {
                    "name": row["step_name"],
                    "handler": row.get("step_handler") or "",
                    "started_at": row.get("step_started_at") or None,
                    "ended_at": row.get("step_ended_at") or None,
                    "status": _int_cell((row.get("step_status") or "").strip()),
                }
            )
    return [_validate(c, f"line {first_line[cid]} ({cid})") for cid, c in cases.items()]


def read_export(path: Path) -> list[CaseRecord]:
    """Read a business-system export, JSON or CSV (by suffix; UTF-8 with or without BOM, or GB18030)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CaseImportError(f"{path}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise CaseImportError(f"{path}: neither UTF-8 nor GB18030 text") from None
    try:
        if path.suffix.lower() == ".csv":
            return parse_csv(text)
        return parse_json(text)
    except CaseImportError as e:
        raise CaseImportError(f"{path}: {e}") from None
