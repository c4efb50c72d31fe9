"""差评 work orders: the queue, one work order's page with the actions the user's role allows,
and the JSON API (docs/console.md). Every rule is county/workorders.py's; this only shows it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from console.county_data import CountyData
from console.pages import live_of
from console.users import Principal
from console.web import ApiError, check_csrf, check_hall, not_found, page, principal
from core.topics import ID_PATTERN
from county.workorders import ACTIONS, FINAL, RULES, STATES, WorkOrder, WorkOrderRefused

router = APIRouter()
NOTE_MAX = 2000
StateParam = Literal["open", "visited", "rectified", "closed", "appealed", "invalid"]


def data_of(request: Request) -> CountyData:
    d: CountyData = request.app.state.county
    return d


def _scope(who: Principal, hall: str | None) -> str | None:
    check_hall(who, hall)
    return hall if hall is not None else who.hall


def _queue(d: CountyData, hall: str | None, state: str | None, overdue: bool | None) -> list[WorkOrder]:
    with d.lock:
        orders = d.book.list(hall=hall, state=state, overdue=overdue)
    # overdue ones on top, then the nearest due day; finished ones last
    return sorted(orders, key=lambda w: (w.state in FINAL, not w.overdue, w.due, w.id))


def _get(request: Request, who: Principal, id: int) -> WorkOrder:
    d = data_of(request)
    with d.lock:
        w = d.book.get(id)
    if w is None:
        raise not_found(f"工单 work order {id}")
    check_hall(who, w.hall_id)
    return w


def allowed_actions(who: Principal, w: WorkOrder) -> list[str]:
    """The actions the work order's rules allow this user now (county/workorders.py RULES)."""
    return [a for a in ACTIONS if w.state in RULES[a].from_states and who.role in RULES[a].roles]


def do_action(
    request: Request, who: Principal, id: int, action: str, note: str, due: date | None
) -> WorkOrder:
    w = _get(request, who, id)
    d = data_of(request)
    try:
        with d.lock:
            done = d.book.act(id, action, who.name, who.role, note, due=due)
    except WorkOrderRefused as e:
        raise ApiError(409, str(e)) from None
    live_of(request).post(w.hall_id, "workorder", {"kind": "update", **done.model_dump(mode="json")})
    return done


# --- JSON API ---


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["visit", "rectify", "close", "appeal", "approve_invalid", "reject_appeal", "extend"]
    note: Annotated[str, Field(max_length=NOTE_MAX)] = ""
    due: date | None = None


@router.get("/api/v1/workorders")
def api_list(
    request: Request,
    hall: Annotated[str | None, Query(pattern=f"^{ID_PATTERN}$")] = None,
    state: StateParam | None = None,
    overdue: bool | None = None,
) -> dict[str, Any]:
    who = principal(request)
    orders = _queue(data_of(request), _scope(who, hall), state, overdue)
    return {"workorders": [w.model_dump(mode="json") for w in orders]}


@router.get("/api/v1/workorders/{id}")
def api_get(request: Request, id: int) -> dict[str, Any]:
    return _get(request, principal(request), id).model_dump(mode="json")


@router.post("/api/v1/workorders/{id}/actions")
def api_act(request: Request, id: int, body: ActionBody) -> dict[str, Any]:
    who = principal(request)
    check_csrf(request, None)
    return do_action(request, who, id, body.action, body.note, body.due).model_dump(mode="json")


# --- pages ---


@router.get("/workorders")
def queue_page(
    request: Request,
    hall: Annotated[str | None, Query(pattern=f"^{ID_PATTERN}$")] = None,
    state: Annotated[str | None, Query(max_length=20)] = None,
    overdue: bool | None = None,
    fragment: bool = False,
) -> Response:
    who = principal(request)
    scope = _scope(who, hall)
    state = state if state in STATES else None
    d = data_of(request)
    orders = _queue(d, scope, state, overdue)
    left = {w.id: d.workdays_left(w.due) for w in orders}
    values: dict[str, Any] = {
        "orders": orders,
        "left": left,
        "hall": scope,
        "state": state,
        "overdue": overdue,
        "states": STATES,
    }
    if fragment:
        return page(request, "workorder_rows.html", **values)
    return page(request, "workorders.html", **values)


@router.get("/workorders/{id}")
def workorder_page(request: Request, id: int, error: str | None = None) -> Response:
    who = principal(request)
    w = _get(request, who, id)
    d = data_of(request)
    return page(
        request,
        "workorder.html",
        w=w,
        hall=w.hall_id,
        actions=allowed_actions(who, w),
        left=d.workdays_left(w.due),
        error=error,
        today=d.today(),
        note_max=NOTE_MAX,
    )


@router.post("/workorders/{id}/act")
def workorder_act(
    request: Request,
    id: int,
    action: Annotated[str, Form(max_length=30)],
    csrf: Annotated[str, Form(max_length=200)],
    note: Annotated[str, Form()] = "",
    due: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    who = principal(request)
    check_csrf(request, csrf)
    w = _get(request, who, id)
    error = None
    status = 422  # malformed input; a refused action is 409
    new_due: date | None = None
    if len(note) > NOTE_MAX:
        error = f"说明过长（最多 {NOTE_MAX} 字） note too long (at most {NOTE_MAX} characters)"
    elif due:
        try:
            new_due = date.fromisoformat(due)
        except ValueError:
            error = f"日期格式应为 YYYY-MM-DD date must be YYYY-MM-DD (got {due[:20]!r})"
    if error is None:
        try:
            do_action(request, who, id, action, note, new_due)
            return RedirectResponse(f"/workorders/{id}", status_code=303)
        except ApiError as e:
            error, status = e.message, e.status
    d = data_of(request)
    return page(
        request,
        "workorder.html",
        status=status,
        w=w,
        hall=w.hall_id,
        actions=allowed_actions(who, w),
        left=d.workdays_left(w.due),
        error=error,
        today=d.today(),
        note_max=NOTE_MAX,
        note=note,
    )
