"""``huunghi serve``: the archive as a read-only web page and a JSON API answering the same queries.

Starlette with Jinja2 (autoescaped), no front-end build step and no JavaScript: a search form
(GET), filters, results with highlighted snippets, an article page with its story and history,
an Atom feed per topic rule. Only GET routes exist, so nothing can be written through it;
every query is parameterised (``huunghi.storage.search.engine``); every page is served with a strict
Content-Security-Policy (no scripts, no remote assets).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
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

from huunghi.config import Config
from huunghi.storage.archive import Archive

from huunghi.monitor import exporting
from huunghi.clock import local
from huunghi.monitor.searching import (
    MAX_OFFSET, BadRequest, article_detail, build_query, number, result_json, run,
)

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PAGE = 20
CHOICES_TTL_S = 300
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["local"] = local
    env.filters["marked"] = lambda html: Markup(html)  # snippets are escaped by storage.snippets
    return env


class App:
    """The routes, over one archive and one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.archive = Archive(config.database_url)
        self.env = _env()
        self._choices: tuple[float, dict[str, Any]] | None = None

    def choices(self) -> dict[str, Any]:
        """Sources, sections and tags to filter by (recomputed every few minutes, not per page)."""
        if self._choices is None or time.monotonic() - self._choices[0] > CHOICES_TTL_S:
            self._choices = (time.monotonic(), self.archive.filter_choices())
        return self._choices[1]

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(name).render(**context), status_code=status)

    # -- pages --------------------------------------------------------------------------
    def search_page(self, request: Request) -> Response:
        args = request.query_params
        form = {"q": args.get("q", ""), "source": args.getlist("source"), "section": args.get("section", ""),
                "tag": args.getlist("tag"), "story": args.get("story", ""), "from": args.get("from", ""),
                "to": args.get("to", ""), "changed": args.get("changed", ""), "order": args.get("order", "relevance")}
        result, error = None, ""
        searched = any(v for k, v in form.items() if k != "order")
        try:
            page_no = number(args.get("page"), "page", 1, 1, MAX_OFFSET // PAGE + 1)
            if searched:
                q = build_query(form["q"], form["source"], [form["section"]], form["tag"], _int(form["story"]),
                                form["from"], form["to"], form["changed"], form["order"], PAGE, (page_no - 1) * PAGE)
                result = run(self.archive, q)
        except (BadRequest, ValueError) as exc:
            error, page_no = str(exc), 1
        kept = [(k, v) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs]) if v]
        pages = {}
        if result is not None:
            if page_no > 1:
                pages["prev"] = "?" + urlencode(kept + [("page", page_no - 1)])
            if result.query.offset + len(result.hits) < result.total:
                pages["next"] = "?" + urlencode(kept + [("page", page_no + 1)])
        latest = self.archive.latest_articles(limit=PAGE) if not searched else []
        return self.page("search.html", 400 if error else 200, form=form, result=result, error=error,
                         choices=self.choices(), pages=pages, latest=latest, page_no=page_no,
                         api="/api/search?" + urlencode(kept))

    def article_page(self, request: Request) -> Response:
        detail = article_detail(self.archive, _article_id(request))
        if detail is None:
            return self.page("error.html", 404, message="No such article.")
        paragraphs = [p for p in detail["body_text"].split("\n\n") if p.strip()]
        return self.page("article.html", a=detail, paragraphs=paragraphs)

    # -- API ----------------------------------------------------------------------------
    def api_search(self, request: Request) -> Response:
        args = request.query_params
        try:
            q = build_query(args.get("q", ""), args.getlist("source"), args.getlist("section"), args.getlist("tag"),
                            _int(args.get("story", "")), args.get("from"), args.get("to"), args.get("changed"),
                            args.get("order", "relevance"), number(args.get("limit"), "limit", PAGE, 1, 200),
                            number(args.get("offset"), "offset", 0, 0, MAX_OFFSET))
            return JSONResponse(result_json(run(self.archive, q)))
        except (BadRequest, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    def api_article(self, request: Request) -> Response:
        detail = article_detail(self.archive, _article_id(request))
        if detail is None:
            return JSONResponse({"error": "no such article"}, status_code=404)
        return JSONResponse(detail)

    def api_stats(self, request: Request) -> Response:
        try:
            days = number(request.query_params.get("days"), "days", 14, 1, 366)
        except BadRequest:
            return JSONResponse({"error": "days: not a number"}, status_code=400)
        return JSONResponse(self.archive.activity(days))

    def topic_feed(self, request: Request) -> Response:
        rules = self.config.topic_rules()
        topic = rules.get(request.path_params["name"])
        if topic is None:
            return self.page("error.html", 404, message="No such topic. Known topics: " + ", ".join(rules))
        try:
            body = exporting.atom_feed(self.archive, topic, str(request.base_url).rstrip("/"))
        except BadRequest as exc:
            return self.page("error.html", 400, message=str(exc))
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    def topics_page(self, request: Request) -> Response:
        return self.page("topics.html", topics=list(self.config.topic_rules().values()))


def _article_id(request: Request) -> int:
    """The id in the path; anything that is not a plausible id reads as 0 (no such article: 404)."""
    text = str(request.path_params["article_id"])
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else 0


def _int(value: str | None) -> int | None:
    return number(value, "story", 0, 1) if value else None


def create_app(config: Config) -> Starlette:
    app = App(config)

    async def headers(request: Request, call_next: Any) -> Response:
        try:
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

    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=headers)], lifespan=lifespan)
