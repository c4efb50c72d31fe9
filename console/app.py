"""The console as an ASGI app: `create_app` wires the store, the live model and the routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console import api, pages, stats_routes, workorder_routes
from console.commands import DeviceCommands
from console.county_data import CountyData, open_cases
from console.live import Live
from console.settings import ConsoleSettings
from console.users import LoginThrottle, Users
from console.web import HERE, Context, install_error_handlers
from core import topics
from core.clock import Clock, SystemClock
from core.events import RatingEvent, parse_event
from core.messages import Alert
from core.payload import PayloadError
from county.store import EventStore
from county.workdays import WorkCalendar

log = logging.getLogger(__name__)


_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'",
    ),
]


class SecurityHeaders:
    """Pure ASGI (not BaseHTTPMiddleware, which relays every streamed chunk through a memory
    stream and made live events lag with many clients): headers added at response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framed = not str(scope.get("path", "")).startswith("/display/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += _HEADERS
                if framed:
                    headers.append((b"x-frame-options", b"DENY"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def todays_ratings(county: CountyData, limit: int = 500) -> list[RatingEvent]:
    """The last `limit` ratings of today (China time) as stored, oldest first; system defaults
    are not ratings anyone made, so they are not in the live feed."""
    day = county.today().isoformat()
    with county.lock:
        rows = county.store.rows(
            "SELECT e.payload FROM ratings r JOIN events e ON e.event_id = r.event_id WHERE r.rated_day = ?"
            " AND r.system_default = FALSE ORDER BY r.rated_at DESC LIMIT ?",
            [day, limit],
        )
    out = []
    for (payload,) in reversed(rows):
        try:
            ev = parse_event("rating", payload)
        except PayloadError:
            continue  # stored before a schema change: not worth a feed line
        if isinstance(ev, RatingEvent):
            out.append(ev)
    return out


def create_app(
    settings: ConsoleSettings,
    users: Users,
    store: EventStore,
    *,
    clock: Clock | None = None,
    connect: bool = True,
) -> FastAPI:
    """The app; with `connect` it watches the county broker (and sends commands) while it runs.
    Raises WorkCalendarError for a bad working-day file."""
    clock = clock or SystemClock()
    live = Live(clock)
    county = CountyData(
        store,
        WorkCalendar(settings.workdays_file),
        clock,
        open_cases(settings.cases_database, settings.id_key_file),
    )

    def on_alert(topic: str, payload: bytes) -> None:
        """A work order opened or overdue (the county's alert): ring the hall's managers."""
        try:
            alert = Alert.from_json(payload)
        except PayloadError as e:
            log.warning("console: ignored an alert on %s: %s", topic, e)
            return
        with county.lock:
            w = county.book.get(alert.workorder_id)
        data = w.model_dump(mode="json") if w else alert.model_dump(mode="json")
        live.post(alert.hall_id, "workorder", {**data, "kind": alert.kind})

    live.extra_handlers.append((topics.ALERT_PREFIX + "/", on_alert))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        live.preload(todays_ratings(county))
        sweeper = loop.create_task(live.sweep_forever(settings.web.sweep_s))
        if connect:
            live.start(loop, settings.mqtt, extra=[(topics.all_alerts(), 1)])
            app.state.commands = DeviceCommands(settings.commands)
        else:
            live.attach(loop)
        try:
            yield
        finally:
            sweeper.cancel()
            live.stop()
            if app.state.commands is not None:
                app.state.commands.close()

    app = FastAPI(title="hall-console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = Context(
        settings, users, LoginThrottle(settings.web.login_max_failures, settings.web.login_window_s, clock)
    )
    app.state.live = live
    app.state.county = county
    app.state.display_cache = {}
    app.state.commands = None
    app.state.clock = clock
    install_error_handlers(app)

    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(workorder_routes.router)
    app.include_router(stats_routes.router)
    return app
