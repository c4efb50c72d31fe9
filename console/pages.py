"""The pages people use: login, the hall overview (device grid and live feed), the language."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from console.i18n import LANGS, peripheral_words, word
from console.live import Live
from console.web import (
    LANG_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    check_hall,
    ctx,
    lang_of,
    page,
    principal,
)

router = APIRouter()


def live_of(request: Request) -> Live:
    live: Live = request.app.state.live
    return live


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no `//evil.example`): an open redirect helps phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


LOGIN_CSRF_COOKIE = "hall_login_csrf"


def _login_page(request: Request, status: int, next: str | None, error: str | None) -> Response:
    """The login form with a fresh double-submit CSRF token (cookie + hidden field): nobody can
    make a browser log in to an account of theirs from another site."""
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", status=status, next=_safe_next(next), error=error, login_csrf=token)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=ctx(request).settings.web.secure_cookies,
    )
    return resp


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, 200, next, None)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    c = ctx(request)
    lang = lang_of(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf):
        return _login_page(request, 403, next, word("login_expired", lang))
    addr = request.client.host if request.client else "?"
    keys = ("name:" + username, "addr:" + addr)
    wait = c.throttle.blocked_for(*keys)
    if wait > 0:
        return _login_page(request, 429, next, word("login_throttled", lang, s=int(wait) + 1))
    who = c.users.check_password(username, password)
    if who is None:
        c.throttle.failed(*keys)
        return _login_page(request, 401, next, word("login_failed", lang))
    c.throttle.succeeded(username)
    sid, _csrf = c.users.open_session(who, c.settings.web.session_hours)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    resp.set_cookie(
        SESSION_COOKIE,
        sid,
        httponly=True,
        samesite="strict",
        secure=c.settings.web.secure_cookies,
        max_age=int(c.settings.web.session_hours * 3600),
        path="/",
    )
    return resp


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
    principal(request)
    check_csrf(request, csrf)
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        ctx(request).users.close_session(sid)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/lang/{lang}")
def set_lang(request: Request, lang: str, next: str | None = None) -> Response:
    resp = RedirectResponse(_safe_next(next), status_code=303)
    if lang in LANGS:
        resp.set_cookie(LANG_COOKIE, lang, samesite="strict", max_age=365 * 86400, path="/")
    return resp


@router.get("/")
def overview(request: Request, hall: str | None = None) -> Response:
    who = principal(request)
    hall = hall or who.hall
    check_hall(who, hall)
    live = live_of(request)
    devices = live.devices(who, hall)
    return page(
        request,
        "overview.html",
        hall=hall,
        halls=_halls(live, who),
        devices=devices,
        ratings=live.ratings(who, hall),
        periph=peripheral_words(lang_of(request)),
        county_online=live.state.county_online,
        broker=live.broker_connected,
    )


def _halls(live: Live, who: object) -> list[str]:
    with live.lock:
        halls = sorted({h for h, _ in live.state.devices})
    return [h for h in halls if getattr(who, "sees", lambda _h: False)(h)]
