"""The JSON API of the live side (docs/console.md): devices, the event stream, device commands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sse_starlette.sse import EventSourceResponse

from console.pages import live_of
from console.web import ApiError, check_csrf, check_hall, principal
from core.topics import ID_PATTERN

router = APIRouter(prefix="/api/v1")

HallParam = Query(default=None, pattern=f"^{ID_PATTERN}$")


@router.get("/devices")
def devices(request: Request, hall: str | None = HallParam) -> dict[str, Any]:
    who = principal(request)
    check_hall(who, hall)
    return {"devices": live_of(request).devices(who, hall)}


@router.get("/stream")
async def stream(request: Request, hall: str | None = HallParam) -> EventSourceResponse:
    """`device`, `rating` and `workorder` events as they happen, of the halls the caller may see."""
    who = principal(request)
    check_hall(who, hall)
    live = live_of(request)
    sub = live.subscribe(who, hall)

    async def events() -> AsyncIterator[dict[str, str]]:
        try:
            yield {"event": "hello", "data": "{}"}  # the page knows it is connected
            while True:
                try:
                    name, data = await asyncio.wait_for(sub.queue.get(), timeout=15)
                except TimeoutError:
                    if sub.dropped:
                        return
                    continue
                yield {"event": name, "data": data}
        finally:
            live.unsubscribe(sub)

    return EventSourceResponse(events(), ping=15, headers={"Cache-Control": "no-store"})


@router.post("/devices/{hall}/{device}/commands/{name}")
def command(request: Request, hall: str, device: str, name: Literal["identify", "restart"]) -> dict[str, Any]:
    """Send identify or restart to a device with the manager account; the device's answer."""
    who = principal(request)
    check_csrf(request, None)
    check_hall(who, hall)
    if not who.may_act:
        raise ApiError(403, "只读账号不能发送命令 a viewer cannot send commands")
    if live_of(request).device(hall, device) is None:
        raise ApiError(404, f"没有该设备 no device {hall}/{device}")
    sender = request.app.state.commands
    if sender is None:
        raise ApiError(503, "未配置命令账号 commands are not configured")
    return dict(sender.send(hall, device, name, who.name))
