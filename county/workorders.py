"""差评 work orders (工单): opened with the rating, followed up, rectified or appealed, never deleted.

Life (docs/county.md "Work orders"):

    open ──visit──▶ visited ──rectify──▶ rectified ──close──▶ closed
      │               │
      └────appeal─────┴──▶ appealed ──approve_invalid──▶ invalid   (county admin; the rating
                                 │                                  stays stored, leaves the stats)
                                 └──reject_appeal──▶ back to open / visited (county admin)
    extend (county admin, 书面说明 + a new due date): any state but closed / invalid

Due: the end of the 10th working day after the rating day (China time). Overdue: not closed or
invalid after its due day; the service marks it (and alerts) on its own, not only when someone
looks. Every action is a row in `workorder_actions` with actor, time and note.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel

from core.clock import CHINA_TZ, Clock
from core.clock import now as clock_now
from core.events import RatingEvent
from core.messages import Alert
from county import summary

if TYPE_CHECKING:
    from county.store import Cursor, EventStore
    from county.workdays import WorkCalendar

Role = Literal["admin", "manager", "viewer"]
State = Literal["open", "visited", "rectified", "closed", "appealed", "invalid"]
ACTIONS = ("visit", "rectify", "close", "appeal", "approve_invalid", "reject_appeal", "extend")
STATES: tuple[str, ...] = get_args(State)
DUE_WORKDAYS = 10  # 整改 within 10 working days after the rating day
FINAL = ("closed", "invalid")

STATE_ZH = {
    "open": "待回访",
    "visited": "已回访",
    "rectified": "已整改",
    "closed": "已办结",
    "appealed": "申诉中",
    "invalid": "误评/恶意差评",
}
ACTION_ZH = {
    "open": "生成工单",
    "visit": "回访",
    "rectify": "整改",
    "close": "办结",
    "appeal": "申诉",
    "approve_invalid": "认定无效",
    "reject_appeal": "驳回申诉",
    "extend": "延期",
    "overdue": "逾期",
}


class _Rule:
    __slots__ = ("from_states", "roles", "to")

    def __init__(self, from_states: tuple[str, ...], to: str | None, roles: tuple[str, ...]) -> None:
        self.from_states = from_states
        self.to = to  # None: stays (extend) or goes back (reject_appeal)
        self.roles = roles


HALL = ("admin", "manager")
COUNTY = ("admin",)
RULES: dict[str, _Rule] = {
    "visit": _Rule(("open",), "visited", HALL),
    "rectify": _Rule(("visited",), "rectified", HALL),
    "close": _Rule(("rectified",), "closed", HALL),
    "appeal": _Rule(("open", "visited"), "appealed", HALL),
    "approve_invalid": _Rule(("appealed",), "invalid", COUNTY),
    "reject_appeal": _Rule(("appealed",), None, COUNTY),
    "extend": _Rule(("open", "visited", "rectified", "appealed"), None, COUNTY),
}
# what the note must say (回访: who called, when, the outcome; 整改: what was done; ...)
NOTE_NEEDED = {
    "visit": "回访记录（谁、何时、结果） · who called, when, outcome",
    "rectify": "整改内容 · what was rectified",
    "appeal": "申诉理由 · the reason for the appeal",
    "approve_invalid": "认定理由 · why the rating is invalid",
    "reject_appeal": "驳回理由 · why the appeal is rejected",
    "extend": "书面说明 · the written explanation",
}


class WorkOrderAction(BaseModel):
    action: str  # one of ACTIONS, or "open" / "overdue" (by "system")
    actor: str
    at: datetime
    note: str


class WorkOrder(BaseModel):
    """One work order; `model_dump(mode="json")` is its JSON in the console's API."""

    id: int
    event_id: str
    hall_id: str
    device_id: str
    window_id: str | None
    case_id: str | None
    level: int
    reasons: list[str]
    rated_at: datetime
    due: date
    state: State
    overdue: bool
    history: list[WorkOrderAction]
    # the due date counted Monday-Friday for want of the year's official calendar
    due_provisional: bool = False


class WorkOrderRefused(Exception):
    """An action not allowed in the work order's state or for the caller's role (HTTP 409).

    `str()` is the reason, Chinese then English.
    """


_INSERT_ACTION = (
    "INSERT INTO workorder_actions (workorder_id, action, actor, at, note) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_ALERT = "INSERT INTO alerts (workorder_id, hall_id, kind, payload, created_ms) VALUES (?, ?, ?, ?, ?)"
_COLUMNS = (
    "id, event_id, hall_id, device_id, window_id, case_id, level, reasons, rated_at, due,"
    " state, due_provisional, appeal_from, overdue_alerted"
)


def _alert_payload(
    kind: Literal["new", "overdue"],
    wid: int,
    hall: str,
    device: str,
    window: str | None,
    case: str | None,
    level: int,
    reasons: list[str],
    rated_at: datetime,
    due: date,
) -> str:
    return (
        Alert(
            kind=kind,
            workorder_id=wid,
            hall_id=hall,
            device_id=device,
            window_id=window,
            case_id=case,
            level=level,
            reasons=reasons,
            rated_at=rated_at,
            due=due,
        )
        .to_json()
        .decode()
    )


def due_for(calendar: WorkCalendar, rated_at: datetime) -> tuple[date, bool]:
    day = rated_at.astimezone(CHINA_TZ).date()
    due = calendar.add_workdays(day, DUE_WORKDAYS)
    return due, calendar.span_provisional(day, due)


def open_for(store: EventStore, cur: Cursor, ratings: Sequence[RatingEvent], now_ms: int) -> None:
    """Open one work order per stored 差评, inside the storing transaction (with its `new` alert).

    Called by `EventStore._store_all` for ratings it has just stored: a duplicate delivery never
    gets here, so it opens nothing.
    """
    at = datetime.fromtimestamp(now_ms / 1000, CHINA_TZ).isoformat()
    rows = []
    dues: dict[str, tuple[date, bool]] = {}
    for r in ratings:
        due, provisional = dues[r.event_id] = due_for(store.calendar, r.rated_at)
        rows.append(
            (
                r.event_id,
                r.hall_id,
                r.device_id,
                r.window_id,
                r.case_id,
                r.item_code,
                r.staff[0].id if r.staff else None,
                int(r.level),
                json.dumps(r.reasons, ensure_ascii=False),
                r.rated_at.isoformat(),
                r.rated_at.astimezone(CHINA_TZ).date().isoformat(),
                due.isoformat(),
                provisional,
                "open",
                now_ms,
            )
        )
    cur.executemany(
        store.sql(
            "INSERT INTO workorders (event_id, hall_id, device_id, window_id, case_id, item_code, staff_id,"
            " level,"
            " reasons, rated_at, rated_day, due, due_provisional, state, created_ms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        rows,
    )
    ids: dict[str, int] = {}
    keys = [r.event_id for r in ratings]
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        cur.execute(
            store.sql(
                "SELECT event_id, id FROM workorders WHERE event_id IN ({})".format(
                    ",".join("?" * len(chunk))
                )
            ),
            chunk,
        )
        ids.update((str(e), int(w)) for e, w in cur.fetchall())
    cur.executemany(store.sql(_INSERT_ACTION), [(ids[r.event_id], "open", "system", at, "") for r in ratings])
    cur.executemany(
        store.sql(_INSERT_ALERT),
        [
            (
                ids[r.event_id],
                r.hall_id,
                "new",
                _alert_payload(
                    "new",
                    ids[r.event_id],
                    r.hall_id,
                    r.device_id,
                    r.window_id,
                    r.case_id,
                    int(r.level),
                    list(r.reasons),
                    r.rated_at,
                    dues[r.event_id][0],
                ),
                now_ms,
            )
            for r in ratings
        ],
    )


def _refuse(zh: str, en: str) -> WorkOrderRefused:
    return WorkOrderRefused(f"{zh} · {en}")


class WorkOrderBook:
    """The work orders in the county store: list, act, mark overdue."""

    def __init__(self, store: EventStore, calendar: WorkCalendar, clock: Clock) -> None:
        self.store = store
        self.calendar = calendar
        self.clock = clock

    def _today(self) -> date:
        return clock_now(self.clock).date()

    def _now(self) -> datetime:
        return clock_now(self.clock)

    # -- reading ---------------------------------------------------------------------------------

    def _load(self, cur: Cursor, where: str, params: Sequence[Any]) -> builtins.list[WorkOrder]:
        cur.execute(self.store.sql(f"SELECT {_COLUMNS} FROM workorders {where} ORDER BY id"), list(params))
        rows = cur.fetchall()
        history: dict[int, builtins.list[WorkOrderAction]] = {int(r[0]): [] for r in rows}
        ids = list(history)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            cur.execute(
                self.store.sql(
                    "SELECT workorder_id, action, actor, at, note FROM workorder_actions"
                    " WHERE workorder_id IN ({}) ORDER BY id".format(",".join("?" * len(chunk)))
                ),
                chunk,
            )
            for wid, action, actor, at, note in cur.fetchall():
                history[int(wid)].append(
                    WorkOrderAction(action=action, actor=actor, at=datetime.fromisoformat(at), note=note)
                )
        today = self._today()
        out = []
        for r in rows:
            due = date.fromisoformat(r[9])
            out.append(
                WorkOrder(
                    id=int(r[0]),
                    event_id=r[1],
                    hall_id=r[2],
                    device_id=r[3],
                    window_id=r[4],
                    case_id=r[5],
                    level=int(r[6]),
                    reasons=json.loads(r[7]),
                    rated_at=datetime.fromisoformat(r[8]),
                    due=due,
                    state=r[10],
                    overdue=r[10] not in FINAL and today > due,
                    history=history[int(r[0])],
                    due_provisional=bool(r[11]),
                )
            )
        return out

    def list(
        self, hall: str | None = None, state: str | None = None, overdue: bool | None = None
    ) -> builtins.list[WorkOrder]:
        """Work orders, oldest first; `overdue=True`: past their due day and not closed / invalid."""
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        if hall is not None:
            where.append("hall_id = ?")
            params.append(hall)
        if state is not None:
            if state not in STATES:
                raise ValueError(f"unknown state {state!r} ({', '.join(STATES)})")
            where.append("state = ?")
            params.append(state)
        if overdue is not None:
            cond = "(state NOT IN ('closed', 'invalid') AND due < ?)"
            where.append(cond if overdue else f"NOT {cond}")
            params.append(self._today().isoformat())
        with self.store.transaction() as cur:
            return self._load(cur, ("WHERE " + " AND ".join(where)) if where else "", params)

    def get(self, id: int) -> WorkOrder | None:
        with self.store.transaction() as cur:
            found = self._load(cur, "WHERE id = ?", [id])
        return found[0] if found else None

    # -- acting ----------------------------------------------------------------------------------

    def act(
        self, id: int, action: str, actor: str, role: Role, note: str, due: date | None = None
    ) -> WorkOrder:
        """Do `action` on work order `id` as `actor` with `role`; refused with a reason otherwise."""
        rule = RULES.get(action)
        if rule is None:
            raise _refuse(f"未知操作 {action}", f"unknown action {action!r} ({', '.join(ACTIONS)})")
        if role not in rule.roles:
            who = "县级管理员" if rule.roles == COUNTY else "大厅管理人员"
            raise _refuse(
                f"{ACTION_ZH[action]}须由{who}操作", f"{action} is for {' or '.join(rule.roles)}, not {role}"
            )
        note = note.strip()
        if action in NOTE_NEEDED and not note:
            raise _refuse(
                f"请填写{NOTE_NEEDED[action].split(' · ')[0]}",
                f"{action} needs a note: {NOTE_NEEDED[action].split(' · ')[1]}",
            )
        if (due is not None) != (action == "extend"):
            raise _refuse("仅延期需要新的期限", "a new due date goes with extend, and only with it")
        with self.store.transaction() as cur:
            lock = " FOR UPDATE" if self.store.dialect == "postgresql" else ""
            cur.execute(
                self.store.sql(
                    f"SELECT state, appeal_from, due, event_id FROM workorders WHERE id = ?{lock}"
                ),
                [id],
            )
            row = cur.fetchone()
            if row is None:
                raise _refuse(f"没有工单 {id}", f"no work order {id}")
            state, appeal_from, old_due = str(row[0]), row[1], date.fromisoformat(row[2])
            event_id = str(row[3])
            if state not in rule.from_states:
                raise _refuse(
                    f"工单 {id} {STATE_ZH[state]}，不能{ACTION_ZH[action]}",
                    f"work order {id} is {state}: {action} is not allowed"
                    f" (only when {' or '.join(rule.from_states)})",
                )
            sets: builtins.list[str] = []
            params: builtins.list[Any] = []
            to = rule.to
            if action == "reject_appeal":
                to = appeal_from or "open"
            if action == "appeal":
                sets.append("appeal_from = ?")
                params.append(state)
            if action == "visit":
                sets.append("visited = TRUE")
            if action == "close":
                sets.append("closed_day = ?")
                params.append(self._today().isoformat())
            if action == "extend":
                assert due is not None
                if due <= old_due:
                    raise _refuse(
                        f"新期限须晚于原期限 {old_due.isoformat()}",
                        f"the new due date must be after {old_due.isoformat()}",
                    )
                sets += ["due = ?", "due_provisional = ?"]
                params += [due.isoformat(), self.calendar.is_provisional(due)]
                if due >= self._today():
                    sets.append("overdue_alerted = FALSE")  # overdue again later: alert again
                note = f"{note} (期限 due {old_due.isoformat()} → {due.isoformat()})"
            if to is not None:
                sets.append("state = ?")
                params.append(to)
            if action == "approve_invalid":  # the rating leaves the statistics (and their summary)
                summary.mark_invalid(self.store, cur, event_id)
            cur.execute(
                self.store.sql(f"UPDATE workorders SET {', '.join(sets)} WHERE id = ?"), [*params, id]
            )
            cur.execute(self.store.sql(_INSERT_ACTION), [id, action, actor, self._now().isoformat(), note])
            return self._load(cur, "WHERE id = ?", [id])[0]

    def mark_overdue(self) -> builtins.list[WorkOrder]:
        """Work orders that have just become overdue: marked once (history + an `overdue` alert)."""
        today = self._today()
        at = self._now()
        with self.store.transaction() as cur:
            cur.execute(
                self.store.sql(
                    "SELECT id FROM workorders WHERE state NOT IN ('closed', 'invalid') AND due < ?"
                    " AND NOT overdue_alerted ORDER BY id"
                ),
                [today.isoformat()],
            )
            ids = [int(r[0]) for r in cur.fetchall()]
            if not ids:
                return []
            marked = []
            for wid in ids:  # guarded update: two receivers marking at once mark each order once
                cur.execute(
                    self.store.sql(
                        "UPDATE workorders SET overdue_alerted = TRUE WHERE id = ? AND NOT overdue_alerted"
                    ),
                    [wid],
                )
                if cur.rowcount == 1:
                    marked.append(wid)
            if not marked:
                return []
            out = self._load(cur, "WHERE id IN ({})".format(",".join("?" * len(marked))), marked)
            for w in out:
                cur.execute(
                    self.store.sql(_INSERT_ACTION),
                    [w.id, "overdue", "system", at.isoformat(), f"期限 due {w.due.isoformat()}"],
                )
                cur.execute(
                    self.store.sql(_INSERT_ALERT),
                    [
                        w.id,
                        w.hall_id,
                        "overdue",
                        _alert_payload(
                            "overdue",
                            w.id,
                            w.hall_id,
                            w.device_id,
                            w.window_id,
                            w.case_id,
                            w.level,
                            w.reasons,
                            w.rated_at,
                            w.due,
                        ),
                        int(at.timestamp() * 1000),
                    ],
                )
                w.history.append(
                    WorkOrderAction(
                        action="overdue", actor="system", at=at, note=f"期限 due {w.due.isoformat()}"
                    )
                )
        return out
