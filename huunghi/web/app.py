"""``huunghi serve``: the archive as a read-only web page and a JSON API answering the same queries.

Starlette with Jinja2 (autoescaped), no front-end build step and no JavaScript: a search form
(GET), filters, results with highlighted snippets, an article page with its story and history,
an Atom feed per topic rule, a page of sources with their health. Only GET routes exist (and
POST /login, see ``access``: an optional password or reverse-proxy header), so nothing can be
written through it;
every query is parameterised (``huunghi.storage.search.engine``); every page is served with a strict
Content-Security-Policy (no scripts, no remote assets).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from huunghi.clock import local
from huunghi.config import Config, ConfigWatcher
from huunghi.monitor import exporting
from huunghi.monitor.searching import (
    MAX_OFFSET,
    STORY_READ,
    BadRequest,
    article_detail,
    bilingual,
    build_query,
    number,
    result_json,
    run,
)
from huunghi.storage.archive import Archive
from huunghi.storage.health import describe
from huunghi.storage.search.engine import SearchQuery, SearchResult, SearchTimeout
from huunghi.web import access
from huunghi.web.texts import EN, LANGUAGES, VI, Texts, error_text

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PAGE = 20
CHOICES_TTL_S = 300
RETRY_AFTER_S = 10  # a search past its budget ([web] query_timeout_ms): when to try again
RELOAD_CHECK_S = 1.0  # how often a request looks at huunghi.toml's modification time
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def when(value: Any) -> str:
    """One date format on every page (16/01/2026 10:08, Hanoi time), from a datetime or ISO text."""
    from datetime import datetime

    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the archive stores UTC
    return local(value)


def language(request: Request, default: str) -> str:
    """?lang=en (remembered in a cookie), else the cookie, else [web] language."""
    for value in (request.query_params.get("lang"), request.cookies.get("lang")):
        if value in LANGUAGES:
            return value
    return default


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["local"] = local
    env.filters["when"] = when
    env.filters["marked"] = lambda html: Markup(html)  # snippets are escaped by storage.snippets
    return env


class App:
    """The routes, over one archive and one configuration."""

    def __init__(self, config: Config, path: Path | None = None) -> None:
        self.config = config
        self.archive = Archive(config.database_url)
        self.env = _env()
        self._choices: tuple[float, dict[str, Any]] | None = None
        self.watcher = ConfigWatcher(path, config) if path is not None else None
        self._checked = time.monotonic()

    def reload(self) -> bool:
        """A changed huunghi.toml is read again (sources, topics, titles), as the daemon does; a file
        that no longer reads is logged once and the page keeps the configuration it had. The
        archive and the access settings ([web] password_env, proxy_header) stay as started."""
        if self.watcher is None or time.monotonic() - self._checked < RELOAD_CHECK_S:
            return False
        self._checked = time.monotonic()
        try:
            fresh, error = self.watcher.poll()
        except Exception as exc:  # an unreadable file (permissions, a half-written one): the same
            fresh, error = None, f"{type(exc).__name__}: {exc}"
        if error:
            log.error(
                "không nạp lại cấu hình, trang giữ cấu hình trước (configuration not reloaded): %s", error
            )
            return False
        if fresh is None:
            return False
        kept = []
        if fresh.database_url != self.config.database_url:
            kept.append("[archive] url")
        if (fresh.web.password_env, fresh.web.proxy_header) != (
            self.config.web.password_env,
            self.config.web.proxy_header,
        ):
            kept.append("[web] password_env/proxy_header")
        if kept:
            log.warning(
                "%s chỉ có hiệu lực khi khởi động lại huunghi serve (takes effect on restart)",
                ", ".join(kept),
            )
        for problem in fresh.problems:
            log.warning("bỏ qua nguồn (skipped source): %s", problem)
        self.config = fresh
        self._choices = None
        log.info("đã nạp lại cấu hình (configuration reloaded): %d nguồn", len(fresh.sources))
        return True

    def choices(self) -> dict[str, Any]:
        """Sources, sections and tags to filter by (recomputed every few minutes, not per page)."""
        if self._choices is None or time.monotonic() - self._choices[0] > CHOICES_TTL_S:
            self._choices = (time.monotonic(), self.archive.reads.filter_choices())
        return self._choices[1]

    def page(
        self, name: str, status: int = 200, request: Request | None = None, **context: Any
    ) -> HTMLResponse:
        default = self.config.web.language
        lang = language(request, default) if request is not None else default
        context.setdefault("t", Texts(lang))
        context.setdefault("demo", self.config.web.demo)
        context.setdefault("logged_in", bool(request is not None and request.scope.get("huunghi.session")))
        response = HTMLResponse(self.env.get_template(name).render(**context), status_code=status)
        if request is not None and request.query_params.get("lang") in LANGUAGES:
            response.set_cookie("lang", lang, max_age=365 * 86400, httponly=True, samesite="lax")
        return response

    def error(self, request: Request, status: int, key: str, extra: str = "") -> HTMLResponse:
        t = Texts(language(request, self.config.web.language))
        return self.page("error.html", status, request, t=t, message=t[key] + extra)

    def search(self, q: SearchQuery) -> SearchResult:
        """A search within the budget ([web] query_timeout_ms); past it ``SearchTimeout``, logged."""
        try:
            return run(self.archive, q, self.config.web.query_timeout_ms)
        except SearchTimeout as exc:
            log.warning("search stopped after its budget of %d ms: %r", exc.budget_ms, q.text[:200])
            raise

    def too_slow(self, request: Request, api: bool = False) -> Response:
        """503 with Retry-After: the search ran past its budget (the page, the API, a feed)."""
        headers = {"Retry-After": str(RETRY_AFTER_S)}
        if api:
            return api_error(503, "too_slow", f"{VI['too_slow']} ({EN['too_slow']})", headers)
        response = self.error(request, 503, "too_slow")
        response.headers.update(headers)
        return response

    def sources_page(self, request: Request) -> Response:
        """Each source: its health (``storage.health.assess``, as `huunghi status` and the digest
        say), its last run and its recent runs (configured ones first)."""
        health = self.archive.crawls.source_health()
        lang = language(request, self.config.web.language)
        rows = []
        for src in self.config.sources:
            h = health.pop(src.name, {})
            state = (
                "paused"
                if src.paused
                else "disabled"
                if not src.enabled
                else "broken"
                if h.get("health") == "broken"
                else "ok"
                if h.get("health") == "ok"
                else "never"
            )
            rows.append(
                {
                    "name": src.name,
                    "title": src.title,
                    "verified": src.verified,
                    "health": state,
                    "reason": describe(h["code"], h.get("params", {}), lang) if state == "broken" else "",
                    "last_run": h.get("last_run"),
                    "last_status": h.get("last_status"),
                    "failures": h.get("consecutive_failures", 0),
                    "articles": h.get("articles", 0),
                }
            )
        for name, h in sorted(health.items()):  # in the archive, no longer in the configuration
            rows.append(
                {
                    "name": name,
                    "title": "",
                    "verified": True,
                    "health": "gone",
                    "reason": "",
                    "last_run": h.get("last_run"),
                    "last_status": h.get("last_status"),
                    "failures": h.get("consecutive_failures", 0),
                    "articles": h.get("articles", 0),
                }
            )
        for row in rows:
            row["runs"] = self.archive.crawls.runs(limit=5, source=row["name"])
        return self.page("sources.html", request=request, sources=rows)

    async def login(self, request: Request) -> Response:
        return await access.login(self, request)

    def logout(self, request: Request) -> Response:
        return access.logout(request)

    # -- pages --------------------------------------------------------------------------
    def search_page(self, request: Request) -> Response:
        args = request.query_params
        q_text, section, story = args.get("q", ""), args.get("section", ""), args.get("story", "")
        date_from, date_to, changed = args.get("from", ""), args.get("to", ""), args.get("changed", "")
        order, group = args.get("order", "relevance"), args.get("group", "story")
        sources, tags = args.getlist("source"), args.getlist("tag")
        form: dict[str, str | list[str]] = {
            "q": q_text,
            "source": sources,
            "section": section,
            "tag": tags,
            "story": story,
            "from": date_from,
            "to": date_to,
            "changed": changed,
            "order": order,
            "group": group,
        }  # the page groups by story unless asked not to
        result, error = None, ""
        searched = any(v for k, v in form.items() if k not in ("order", "group"))
        try:
            page_no = number(args.get("page"), "page", 1, 1, MAX_OFFSET // PAGE + 1)
            if searched:
                q = build_query(
                    q_text,
                    sources,
                    [section],
                    tags,
                    _int(story),
                    date_from,
                    date_to,
                    changed,
                    order,
                    PAGE,
                    (page_no - 1) * PAGE,
                    "" if group == "none" else group,
                )
                result = self.search(q)
        except SearchTimeout:
            return self.too_slow(request)
        except (BadRequest, ValueError) as exc:
            error, page_no = error_text(str(exc), language(request, self.config.web.language)), 1
        kept = [(k, v) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs]) if v]
        pages = {}
        if result is not None:
            if page_no > 1:
                pages["prev"] = "?" + urlencode(kept + [("page", page_no - 1)])
            # grouped by story, a page reads up to STORY_READ articles per entry: more pages only
            # when articles lie beyond what this one read (``total`` counts articles, not stories)
            read = (
                (result.query.offset + result.query.limit) * STORY_READ
                if result.query.group == "story"
                else result.query.offset + len(result.hits)
            )
            if read < result.total:
                pages["next"] = "?" + urlencode(kept + [("page", page_no + 1)])
        latest = self.archive.reads.latest_articles(limit=PAGE) if not searched else []
        return self.page(
            "search.html",
            400 if error else 200,
            request,
            form=form,
            result=result,
            error=error,
            choices=self.choices(),
            pages=pages,
            latest=latest,
            page_no=page_no,
            api="/api/search?" + urlencode(kept),
        )

    def article_page(self, request: Request) -> Response:
        detail = article_detail(self.archive, _article_id(request))
        if detail is None:
            return self.error(request, 404, "no_article")
        paragraphs = [p for p in detail["body_text"].split("\n\n") if p.strip()]
        return self.page("article.html", request=request, a=detail, paragraphs=paragraphs)

    # -- API ----------------------------------------------------------------------------
    def api_search(self, request: Request) -> Response:
        args = request.query_params
        try:
            q = build_query(
                args.get("q", ""),
                args.getlist("source"),
                args.getlist("section"),
                args.getlist("tag"),
                _int(args.get("story", "")),
                args.get("from"),
                args.get("to"),
                args.get("changed"),
                args.get("order", "relevance"),
                number(args.get("limit"), "limit", PAGE, 1, 200),
                number(args.get("offset"), "offset", 0, 0, MAX_OFFSET),
                args.get("group", ""),
            )
            return JSONResponse(result_json(self.search(q)))
        except SearchTimeout:
            return self.too_slow(request, api=True)
        except (BadRequest, ValueError) as exc:
            return api_error(400, "bad_request", bilingual(str(exc)))

    def api_article(self, request: Request) -> Response:
        detail = article_detail(self.archive, _article_id(request))
        if detail is None:
            return api_error(404, "no_article", "không có bài này (no such article)")
        return JSONResponse(detail)

    def api_stats(self, request: Request) -> Response:
        try:
            days = number(request.query_params.get("days"), "days", 14, 1, 366)
        except BadRequest:
            return api_error(
                400, "bad_request", "days: không phải số từ 1 đến 366 (not a number from 1 to 366)"
            )
        return JSONResponse(self.archive.reads.activity(days))

    def topic_feed(self, request: Request) -> Response:
        rules = self.config.topic_rules()
        topic = rules.get(request.path_params["name"])
        if topic is None:
            return self.error(request, 404, "no_topic", ", ".join(rules))
        # links from [web] base_url, else from the site's root: never from the request's Host
        # header, which the client writes (a forged one would put its site in every reader's feed)
        base = self.config.web.base_url.rstrip("/")
        budget = self.config.web.query_timeout_ms
        try:
            body = exporting.atom_feed(self.archive, topic, base, budget_ms=budget)
        except SearchTimeout as exc:
            log.warning("feed %s stopped after its budget of %d ms", topic.name, exc.budget_ms)
            return self.too_slow(request)
        except BadRequest as exc:
            return self.error(
                request,
                400,
                "bad_search",
                ": " + error_text(str(exc), language(request, self.config.web.language)),
            )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    def topics_page(self, request: Request) -> Response:
        return self.page("topics.html", request=request, topics=list(self.config.topic_rules().values()))


def api_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An API error: ``error`` for people (Vietnamese first, the English in parentheses) and
    ``code`` for scripts (bad_request, no_article, not_found, too_slow, auth_required), stable."""
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=headers)


def _article_id(request: Request) -> int:
    """The id in the path; anything that is not a plausible id reads as 0 (no such article: 404)."""
    text = str(request.path_params["article_id"])
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else 0


def _int(value: str | None) -> int | None:
    return number(value, "story", 0, 1) if value else None


def create_app(config: Config, path: Path | None = None) -> Starlette:
    """The web app; with ``path`` (the huunghi.toml it was read from) it follows edits to it."""
    app = App(config, path)

    async def headers(request: Request, call_next: Any) -> Response:
        try:
            app.reload()
            response = await call_next(request)
        except Exception:  # a bug must not be the one page without the CSP (nor show a traceback)
            log.exception("error serving %s", request.url.path)
            response = app.page("error.html", 500, message="Lỗi máy chủ (server error); the error is logged.")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    routes = [
        Route("/", app.search_page),
        Route("/articles/{article_id}", app.article_page),
        Route("/topics", app.topics_page),
        Route("/sources", app.sources_page),
        Route("/login", app.login, methods=["GET", "POST"]),
        Route("/logout", app.logout),
        Route("/topics/{name}.atom", app.topic_feed),
        Route("/api/search", app.api_search),
        Route("/api/articles/{article_id}", app.api_article),
        Route("/api/stats", app.api_stats),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_web: Starlette) -> AsyncIterator[None]:
        yield
        app.archive.close()

    guard = access.Guard(config.web, app)

    async def not_found(request: Request, _exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return api_error(404, "not_found", "không có địa chỉ này trong API (not found)")
        return app.error(request, 404, "not_found")

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found},
        middleware=[
            Middleware(BaseHTTPMiddleware, dispatch=headers),
            Middleware(BaseHTTPMiddleware, dispatch=guard),
        ],
    )
