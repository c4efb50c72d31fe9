"""What every route shares: who is asking (session or token), CSRF, the page language, errors.

Errors are one clear line: JSON `{"error": ...}` under `/api/`, a page elsewhere; never a
traceback. A browser without a session is sent to /login; a program without a token gets 401.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.i18n import LANGS, level_text, reason_text, word
from console.settings import ConsoleSettings
from console.users import LoginThrottle, Principal, Session, Users
from core.clock import CHINA_TZ

log = logging.getLogger(__name__)

SESSION_COOKIE = "hall_session"
LANG_COOKIE = "hall_lang"
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


class ApiError(Exception):
    """An answer other than 200: `status` and a one-line reason (Chinese and English)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def unauthorized() -> ApiError:
    return ApiError(401, "需要登录或令牌 login or API token required")


def forbidden(hall: str) -> ApiError:
    return ApiError(403, f"无权访问大厅 {hall} not allowed for hall {hall}")


def not_found(what: str) -> ApiError:
    return ApiError(404, f"没有找到 not found: {what}")


@dataclass
class Context:
    """Everything a route needs, kept on `app.state`."""

    settings: ConsoleSettings
    users: Users
    throttle: LoginThrottle


def ctx(request: Request) -> Context:
    c: Context = request.app.state.ctx
    return c


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh_CN")
    return lang if lang in LANGS else "zh_CN"


def session_of(request: Request) -> Session | None:
    sid = request.cookies.get(SESSION_COOKIE)
    return ctx(request).users.session(sid) if sid else None


def principal(request: Request) -> Principal:
    """The caller: `Authorization: Bearer TOKEN`, else the session cookie; 401 without either."""
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        who = ctx(request).users.check_token(token.strip()) if scheme.lower() == "bearer" else None
        if who is None:
            raise unauthorized()
        request.state.principal = who
        return who
    s = session_of(request)
    if s is None:
        raise unauthorized()
    request.state.session = s
    request.state.principal = s.principal
    return s.principal


def check_csrf(request: Request, sent: str | None) -> None:
    """A session's state-changing request must carry its CSRF token (form field or header);
    a token caller has no ambient cookie to abuse, so it needs none."""
    s: Session | None = getattr(request.state, "session", None)
    if s is None:
        return
    sent = sent or request.headers.get("x-csrf-token")
    if not sent or not secrets.compare_digest(sent, s.csrf):
        raise ApiError(403, "CSRF 校验失败，请刷新页面 CSRF token missing or wrong: reload the page")


def check_hall(who: Principal, hall: str | None) -> None:
    if hall is not None and not who.sees(hall):
        raise forbidden(hall)


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    lang = lang_of(request)
    s: Session | None = getattr(request.state, "session", None)

    def t(key: str, **v: Any) -> str:
        return word(key, lang, **v)

    data = {
        "lang": lang,
        "t": t,
        "who": getattr(request.state, "principal", None),
        "csrf": s.csrf if s else "",
        "level_text": lambda lv: level_text(lv, lang),
        "reason_text": lambda r: reason_text(r, lang),
        "path": request.url.path,
        "query": request.url.query,
        "cst": CHINA_TZ,
        **values,
    }
    return templates.TemplateResponse(request, name, data, status_code=status)


def _error_response(request: Request, status: int, message: str) -> Response:
    if status == 401 and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if is_api(request) or request.url.path.endswith("/data"):
        return JSONResponse({"error": message}, status_code=status)
    return page(request, "error.html", status=status, status_code=status, message=message)


async def _on_api_error(request: Request, e: Exception) -> Response:
    assert isinstance(e, ApiError)
    return _error_response(request, e.status, e.message)


async def _on_invalid(request: Request, e: Exception) -> Response:
    assert isinstance(e, RequestValidationError)
    errors = e.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
    msg = str(first.get("msg", "invalid"))
    return _error_response(request, 422, f"输入有误 invalid input: {where}: {msg}")


async def _on_http(request: Request, e: Exception) -> Response:
    assert isinstance(e, StarletteHTTPException)
    known = {404: "没有找到 not found", 405: "不支持的方法 method not allowed"}
    message = known.get(e.status_code, str(e.detail))
    return _error_response(request, e.status_code, message)


async def _on_crash(request: Request, e: Exception) -> Response:
    log.error("console: %s %s failed", request.method, request.url.path, exc_info=e)
    return _error_response(request, 500, "服务器内部错误，已记录 internal error (logged)")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(RequestValidationError, _on_invalid)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)
