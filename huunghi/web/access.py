"""Who may read the page once it leaves localhost: a password, or a trusted reverse proxy.

* ``HUUNGHI_WEB_PASSWORD`` (the name is ``[web] password_env``) set: every page asks for it once
  (a form, POST /login) and then carries a signed session cookie: ``expiry.hmac``, keyed by the
  password itself, so changing the password ends every session. No server-side state.
* ``[web] proxy_header = "X-Remote-User"``: a reverse proxy that authenticates people (nginx +
  SSO, oauth2-proxy, Authelia…) sets that header; a request carrying it is let in. Only safe when
  the page is reachable through that proxy alone (serve on 127.0.0.1 behind it).
* Neither: the page is open, as it is on localhost.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from huunghi.config import WebConfig

COOKIE = "huunghi_session"
SESSION_S = 12 * 3600
MAX_FORM_BYTES = 4096


def _key(password: str) -> bytes:
    return hashlib.sha256(b"huunghi-web-session\0" + password.encode("utf-8")).digest()


def sign(password: str, expires: int) -> str:
    mac = hmac.new(_key(password), str(expires).encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{mac}"


def valid(password: str, cookie: str | None, now: float | None = None) -> bool:
    if not cookie or "." not in cookie:
        return False
    expires, _, _mac = cookie.partition(".")
    if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(sign(password, int(expires)), cookie)


def _safe_next(value: str) -> str:
    """Only a path on this site: never //evil.example or https://evil.example (an open redirect)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


class Guard:
    """Middleware: lets a request in, or answers with the login form (pages) or 401 (API)."""

    def __init__(self, web: WebConfig, app: Any) -> None:
        self.web = web
        self.app = app

    def password(self) -> str:
        return os.environ.get(self.web.password_env, "") if self.web.password_env else ""

    def allowed(self, request: Request) -> bool:
        if self.web.proxy_header and request.headers.get(self.web.proxy_header, "").strip():
            return True
        password = self.password()
        if password:
            if valid(password, request.cookies.get(COOKIE)):
                request.scope["huunghi.session"] = True
                return True
            return False
        return not self.web.proxy_header

    async def __call__(self, request: Request, call_next: Any) -> Response:
        path = request.url.path
        if path == "/login" or path.startswith("/static/") or self.allowed(request):
            return await call_next(request)
        if not self.password():  # behind a proxy only: nothing to log in to here
            if path.startswith("/api/"):
                return JSONResponse(
                    {"error": "cần đăng nhập (authentication required)", "code": "auth_required"},
                    status_code=401,
                )
            return self.app.error(request, 401, "proxy_needed")
        if path.startswith("/api/"):
            return JSONResponse(
                {
                    "error": "cần đăng nhập tại /login (authentication required: log in at /login)",
                    "code": "auth_required",
                },
                status_code=401,
            )
        target = path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)


async def login(app: Any, request: Request) -> Response:
    guard = Guard(app.config.web, app)
    password = guard.password()
    if request.method == "GET":
        if not password:
            return RedirectResponse("/", status_code=303)
        return app.page(
            "login.html", 200, request, next=_safe_next(request.query_params.get("next", "/")), error=""
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return Response("biểu mẫu quá lớn (form too large)", status_code=413)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    target = _safe_next(form.get("next", "/"))
    if not password:
        return RedirectResponse(target, status_code=303)
    given = form.get("password", "")
    if not hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8")):
        from huunghi.web.app import language
        from huunghi.web.texts import Texts

        t = Texts(language(request, app.config.web.language))
        return app.page("login.html", 401, request, next=target, error=t.login_wrong)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        sign(password, int(time.time()) + SESSION_S),
        max_age=SESSION_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def logout(_request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
