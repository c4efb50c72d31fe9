"""The console as an ASGI app: `create_app` wires the store, the live model and the routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from console import api, pages
from console.commands import DeviceCommands
from console.live import Live
from console.settings import ConsoleSettings
from console.users import LoginThrottle, Users
from console.web import HERE, Context, install_error_handlers
from core.clock import Clock, SystemClock


def create_app(
    settings: ConsoleSettings,
    users: Users,
    *,
    clock: Clock | None = None,
    connect: bool = True,
) -> FastAPI:
    """The app; with `connect` it watches the county broker (and sends commands) while it runs."""
    clock = clock or SystemClock()
    live = Live(clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        sweeper = loop.create_task(live.sweep_forever(settings.web.sweep_s))
        if connect:
            live.start(loop, settings.mqtt)
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
    app.state.ctx = Context(settings, users, LoginThrottle(settings.web.login_max_failures,
                                                           settings.web.login_window_s, clock))
    app.state.live = live
    app.state.commands = None
    app.state.clock = clock
    install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Any, call_next: Any) -> Any:
        resp = await call_next(request)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/display/"):
            resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
            " frame-ancestors 'self'")
        return resp

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    return app
