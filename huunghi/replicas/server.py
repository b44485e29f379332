"""A real local HTTP server per replica portal (127.0.0.1, ephemeral ports).

Used by the demo, the tests and the benchmarks, so nothing ever needs the internet. With
``faults=True`` the provincial portal's feed also lists broken pages: HTTP 500, a truncated
response, a wrong declared charset, an empty body and a 404.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import templates as T
from .catalog import PortalCatalog, ReplicaArticle, build_catalogs

# The provincial portal's broken pages (path, title) when faults are on.
FAULTS: dict[str, str] = {
    "/thoi-su/loi-may-chu-900001.htm": "server-error",
    "/thoi-su/trang-bi-cat-900002.htm": "truncated",
    "/thoi-su/sai-bang-ma-900003.htm": "wrong-charset",
    "/thoi-su/trang-rong-900004.htm": "empty",
    "/thoi-su/khong-ton-tai-900005.htm": "not-found",
}
ROBOTS = "User-agent: *\nDisallow: /admin/\nDisallow: /tim-kiem\n"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value; Python names it from 3.13 on


@dataclass
class Portal:
    """One portal's catalogue, options and visit counter (sidebars rotate per visit)."""

    catalog: PortalCatalog
    faults: bool = False
    base: str = ""
    hits: dict[str, int] = field(default_factory=dict)
    removed: dict[int, int] = field(default_factory=dict)  # article id → 404, 410 or 301 (to the home page)
    edits: dict[int, ReplicaArticle] = field(default_factory=dict)  # article id → its corrected version
    delay: float = 0.0  # seconds before each article page (a slow portal)
    down: bool = False  # answer HTTP 500 to everything but robots.txt (a host broken all day)
    extra_links: list[tuple[str, str]] = field(default_factory=list)  # (title, path) added to the feed
    throttled: dict[int, list[tuple[int, str]]] = field(
        default_factory=dict
    )  # id → (status, Retry-After) answers first
    hit_times: dict[str, list[float]] = field(default_factory=dict)
    # every request to this host as (arrived, answered), wall-clock seconds: when its first bytes
    # reached the host (the kernel's receive timestamp, however late this server's thread wakes) and
    # when its answer was about to go out; a fleet's politeness is read from these (tests/test_fleet.py)
    spans: list[tuple[float, float, str]] = field(default_factory=list)  # (arrived, answered, path)
    _visits: itertools.count = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rng(self) -> random.Random:
        with self._lock:
            return random.Random(next(self._visits))

    def count(self, path: str) -> None:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            self.hit_times.setdefault(path, []).append(time.monotonic())

    def answered(self, arrived: float, path: str) -> None:
        with self._lock:
            self.spans.append((arrived, time.time(), path))

    def fault_article(self) -> ReplicaArticle:
        """The article served under the wrong-charset fault: a real one, so it can be stored."""
        return T.ordered(self.catalog)[-1]

    def feed_extra(self) -> list[tuple[str, str]]:
        if not self.faults or self.catalog.layout != "provincial":
            return []
        return [(f"Bài lỗi {kind}", path) for path, kind in FAULTS.items()]


def _article_id(path: str) -> int | None:
    m = re.search(r"-(\d+)\.html?$", path)
    return int(m.group(1)) if m else None


class Handler(BaseHTTPRequestHandler):
    portal: Portal  # set on the per-portal subclass
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def handle_one_request(self) -> None:
        self._arrived: float | None = self._arrival()
        super().handle_one_request()

    def _arrival(self) -> float:
        """When the next request's first bytes arrived: the kernel's timestamp of them (SO_TIMESTAMPNS,
        set on the listening socket), peeked before the request is read; now, where there is none."""
        try:
            _data, ancillary, _flags, _addr = self.connection.recvmsg(
                1, socket.CMSG_SPACE(16), socket.MSG_PEEK
            )
        except OSError:
            return time.time()
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                sec, nsec = struct.unpack("qq", payload[:16])
                return sec + nsec / 1e9
        return time.time()

    def send_response(self, code: int, message: str | None = None) -> None:
        # the first status line of a request marks its answer (send_error comes here too)
        arrived = getattr(self, "_arrived", None)
        if arrived is not None:
            self.portal.answered(arrived, self.path)
            self._arrived = None
        super().send_response(code, message)

    def _send(
        self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", length: int | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_validated(self, body: bytes, ctype: str) -> None:
        """Feeds and sitemaps carry an ETag and answer 304 to a matching If-None-Match, as real portals do."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.portal.count("304 " + self.path)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        p = self.portal
        path = self.path.split("#")[0]
        p.count(path)

        def route(prefix: str) -> bool:
            return path == prefix

        if route("/robots.txt"):
            return self._send(
                200, (ROBOTS + f"Sitemap: {p.base}/sitemap.xml\n").encode(), "text/plain; charset=utf-8"
            )
        if route("/rss/home.rss"):
            return self._send_validated(
                T.render_feed(p.catalog, p.base, p.feed_extra() + p.extra_links).encode(),
                "application/rss+xml; charset=utf-8",
            )
        if p.down:
            return self._send(500, b"<h1>500 Internal Server Error</h1>")
        if route("/rss/mirror.rss"):  # the same articles, linked through a mirror host name
            mirror = p.base.replace("127.0.0.1", "localhost")
            return self._send(
                200, T.render_feed(p.catalog, mirror, []).encode(), "application/rss+xml; charset=utf-8"
            )
        if path.startswith(
            "/rss/bench.rss"
        ):  # N article URLs (?v=i variants of the catalogue), for bench/crawl.py
            n = int(path.partition("n=")[2] or 100)
            arts = p.catalog.articles
            items = "".join(
                f"<item><title>{i}</title><link>{p.base}{T.article_path(p.catalog, arts[i % len(arts)])}"
                f"?v={i}</link></item>"
                for i in range(n)
            )
            return self._send(
                200,
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{items}'
                "</channel></rss>".encode(),
                "application/rss+xml; charset=utf-8",
            )
        if route("/sitemap.xml"):
            return self._send_validated(T.render_sitemap_index(p.base).encode(), "application/xml")
        if route("/sitemaps/articles.xml"):
            return self._send_validated(T.render_sitemap(p.catalog, p.base).encode(), "application/xml")
        if p.faults and path in FAULTS:
            return self._fault(FAULTS[path])
        page = self._listing_page(path)
        if page is not None:
            html = T.render_listing(p.catalog, page, p.base, p.rng())
            return self._send(200, html.encode()) if html else self._send(404, b"<h1>404</h1>")
        article = p.catalog.by_id(_article_id(path.split("?")[0]) or -1)
        if article and T.article_path(p.catalog, article) == path.split("?")[0]:
            queue = p.throttled.get(article.id)
            if queue:
                status, retry_after = queue.pop(0)
                self.send_response(status)
                self.send_header("Retry-After", retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            gone = p.removed.get(article.id)
            if gone == 301:
                self.send_response(301)
                self.send_header("Location", p.base + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if gone:
                return self._send(
                    gone,
                    b"<html><body><h1>Trang kh\xc3\xb4ng t\xe1\xbb\x93n t\xe1\xba\xa1i</h1></body></html>",
                )
            article = p.edits.get(article.id, article)
            if p.delay:
                time.sleep(p.delay)
            return self._send(200, T.render_article(p.catalog, article, p.base, p.rng()).encode())
        if path == "/":
            home = T.render_listing(p.catalog, 1, p.base, p.rng())
            assert home is not None  # page 1 exists even in an empty catalogue
            return self._send(200, home.encode())
        return self._send(
            404, b"<html><body><h1>404 - Trang kh\xc3\xb4ng t\xe1\xbb\x93n t\xe1\xba\xa1i</h1></body></html>"
        )

    def _listing_page(self, path: str) -> int | None:
        first = T.listing_path(self.portal.catalog, 1)
        if path == first:
            return 1
        for n in range(2, 50):
            if path == T.listing_path(self.portal.catalog, n):
                return n
        return None

    def _fault(self, kind: str) -> None:
        p = self.portal
        if kind == "server-error":
            return self._send(500, b"<h1>500 Internal Server Error</h1>")
        if kind == "not-found":
            return self._send(404, b"<h1>404</h1>")
        if kind == "empty":
            return self._send(200, b"")
        html = T.render_article(p.catalog, p.fault_article(), p.base, p.rng()).encode()
        if kind == "wrong-charset":
            return self._send(200, html, "text/html; charset=windows-1252")
        # truncated: promise the whole page, send a third of it, and hang up.
        self._send(200, html[: len(html) // 3], length=len(html))
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class ReplicaSet:
    """Start the five replica portals (or those named); use as a context manager or call start()/stop()."""

    def __init__(self, faults: bool = False, host: str = "127.0.0.1", names: list[str] | None = None) -> None:
        """``names``: only these portals (one per host, for a fleet of hosts on 127.0.0.x)."""
        self.host = host
        self.portals = {
            name: Portal(cat, faults=faults)
            for name, cat in build_catalogs().items()
            if names is None or name in names
        }
        self._servers: list[ThreadingHTTPServer] = []

    def start(self) -> ReplicaSet:
        for portal in self.portals.values():
            handler = type(f"Handler_{portal.catalog.name}", (Handler,), {"portal": portal})
            server = ThreadingHTTPServer((self.host, 0), handler)
            server.daemon_threads = True
            try:  # accepted connections inherit it: each request's arrival is stamped by the kernel
                server.socket.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            except OSError:
                pass
            portal.base = f"http://{self.host}:{server.server_address[1]}"
            threading.Thread(
                target=server.serve_forever, name=f"replica-{portal.catalog.name}", daemon=True
            ).start()
            self._servers.append(server)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> ReplicaSet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def base(self, name: str) -> str:
        return self.portals[name].base

    def article_url(self, name: str, article: ReplicaArticle) -> str:
        portal = self.portals[name]
        return portal.base + T.article_path(portal.catalog, article)

    def source_definitions(self) -> list[dict[str, object]]:
        """Source definitions (huunghi.toml shape) for crawling these replicas."""
        out: list[dict[str, object]] = []
        titles = {
            "thoidai": "Thời Đại (replica)",
            "baotinh": "Báo tỉnh (replica)",
            "quocte": "Báo Quốc tế (replica)",
            "baocu": "Báo Tỉnh Cũ (replica)",
            "tinxua": "Cổng Hữu nghị tỉnh (replica)",
        }
        patterns = {
            "thoidai": r"-\d{5,}\.html$",
            "provincial": r"/thoi-su/[^/]+-\d{5,}\.htm$",
            "tables": r"^https?://[^/]+/[^/]+-\d{5,}\.html$",
            "oldtable": r"/tin/[^/]+-\d{5,}\.htm$",
            "oldcms": r"/tin-tuc/[^/]+-\d{5,}\.html$",
        }
        for name, portal in self.portals.items():
            cat = portal.catalog
            out.append(
                {
                    "name": name,
                    "title": titles[name],
                    "homepage": portal.base + "/",
                    "feeds": [portal.base + "/rss/home.rss"],
                    "sitemaps": [portal.base + "/sitemap.xml"],
                    "listings": [portal.base + T.listing_path(cat, 1)],
                    "article_pattern": patterns[cat.layout],
                    "language": "vi",
                    "allow_private": True,  # the replicas listen on 127.0.0.x
                }
            )
        return out
