"""``huunghi.toml``: one file for the whole tool, plus environment overrides for secrets.

A file that cannot be read stops everything with a clear message (nothing can be trusted);
a single bad source definition is reported in ``Config.problems`` and skipped, so one typo
never stops the other sources.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = "huunghi.toml"
ENV_CONFIG = "HUUNGHI_CONFIG"
ENV_DATABASE = "HUUNGHI_DATABASE_URL"
MAX_URL_CHARS = 2048


def resolve_database_url(
    explicit: str | None = None, configured: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """THE order in which the archive's URL is chosen, for every caller: an explicit choice (a
    command-line option, a spider argument, a Scrapy setting) first, then the environment
    (HUUNGHI_DATABASE_URL), then huunghi.toml's [archive] url. Deciding it in one place is what
    keeps a crawl's visit plan and its store pipeline on the same database."""
    environ = os.environ if environ is None else environ
    return explicit or environ.get(ENV_DATABASE) or configured or None


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file and the key."""


@dataclass
class SourceConfig:
    """Where to find one portal's articles."""

    name: str
    title: str = ""
    homepage: str = ""
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    article_pattern: str = r"-\d+\.html?$"
    language: str = "vi"
    enabled: bool = True
    paused: bool = False  # `huunghi sources pause NAME`: kept in the file, not crawled until resumed
    verified: bool = False
    max_listing_pages: int = 5
    mirrors: list[str] = field(default_factory=list)  # other hosts serving the same articles
    interval_seconds: int = 0  # how often the daemon crawls it (0: [daemon] interval_seconds)
    notes: str = ""
    allow_private: bool = False  # may fetch loopback/private addresses (local replicas, intranets)

    def matches(self, url: str) -> bool:
        # a bounded subject: patterns are checked for catastrophic backtracking at load time
        return len(url) <= MAX_URL_CHARS and re.search(self.article_pattern, url) is not None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class CrawlerConfig:
    """Politeness and limits, shared by every source."""

    user_agent: str = "Huunghi/0.1 news monitor"
    contact: str = ""
    concurrent_per_host: int = 2
    download_delay: float = 1.0
    autothrottle: bool = True
    obey_robots: bool = True
    timeout: float = 30.0
    retries: int = 2
    max_response_mb: int = 20
    allow_private: bool = False  # every source and webhook may fetch loopback/private addresses
    max_links_per_page: int = 1000  # article URLs taken from one listing page or feed
    max_links_per_sitemap: int = 50000  # the sitemap protocol's own limit
    max_urls_per_crawl: int = 20000  # article requests of one crawl of one source
    # a crawl still running after this closes itself (run status "timed_out"); `crawl --time-limit` overrides
    crawl_deadline_seconds: int = 1800
    read_in_worker: bool = True  # read pages in a worker process beside the crawl's reactor (two cores)
    # fetch a known article again this many seconds after first seeing it (corrections, removals);
    # afterwards it rests. Default: 1 h, 6 h, 24 h and 3 days.
    revisit_after: list[int] = field(default_factory=lambda: [3600, 21600, 86400, 259200])

    @property
    def full_user_agent(self) -> str:
        return f"{self.user_agent} (+{self.contact})" if self.contact else self.user_agent


@dataclass
class DaemonConfig:
    """The scheduler: how often each source is crawled, and the limits of one crawl."""

    interval_seconds: int = 1800  # each source, unless it sets its own
    jitter_seconds: int = 120  # spread the sources so they do not all start together
    crawl_timeout_seconds: int = 1200  # a scheduled crawl's time limit (at most crawl_deadline_seconds)
    alerts_every_seconds: int = 60
    digests_every_seconds: int = 300
    stop_grace_seconds: int = 20  # on SIGTERM, how long a running crawl may take to close
    # "local": the daemon crawls itself (one process, SQLite or PostgreSQL); "queue": it hands
    # crawls, alerts and digests to `huunghi worker`s through a PostgreSQL job queue
    executor: str = "local"


@dataclass
class MailConfig:
    """Where alert and digest mail goes: an SMTP server, or .eml files in the outbox folder."""

    smtp_host: str = ""  # empty: write to the outbox folder instead
    smtp_port: int = 587
    starttls: bool = True
    username: str = ""
    password_env: str = "HUUNGHI_SMTP_PASSWORD"  # the password comes from the environment
    sender: str = "Huunghi <huunghi@localhost>"
    outbox: str = "outbox"  # relative to the configuration file


@dataclass
class WebConfig:
    """The web page: its language, who may read it once it leaves localhost, and where people
    reach it (alerts link to its page of each article)."""

    base_url: str = ""  # e.g. "https://tin.vufo.example" (empty: no link)
    language: str = "vi"  # "vi" or "en"; ?lang=en chooses per page
    password_env: str = "HUUNGHI_WEB_PASSWORD"  # set: a login form and a signed session cookie
    proxy_header: str = ""  # e.g. "X-Remote-User" set by a trusted reverse proxy
    demo: bool = False  # the demo archive: its bodies are shuffled words
    query_timeout_ms: int = 2000  # every search the page, the API and a feed run: past it, a 503


@dataclass
class TopicConfig:
    """A topic rule: a query (terms, "phrases", AND/OR/NOT, parentheses) plus optional filters."""

    name: str
    query: str = ""
    sources: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)  # "province:Thanh Hóa", "country:Lào", "org:VUFO"
    title: str = ""  # how digests name it (default: the name)


@dataclass
class SubscriptionConfig:
    """Which events, for which topics, to whom."""

    name: str
    events: list[str] = field(default_factory=lambda: ["new", "changed", "removed", "source_broken"])
    topics: list[str] = field(default_factory=list)  # empty: every article
    sources: list[str] = field(default_factory=list)  # empty: every source
    email: list[str] = field(default_factory=list)
    webhook: str = ""
    secret_env: str = ""  # environment variable holding the webhook's HMAC secret
    notify: list[str] = field(default_factory=list)  # Apprise URLs: "tgram://…", "ntfy://…", "json://…"
    mode: str = "each"  # "each": one message per event; "batched": one per pass (or batch_minutes)
    batch_minutes: int = 0  # batched: gather this long after the first event (0: every alerts pass)
    language: str = "vi"  # "vi" or "en"
    quiet_hours: str = ""  # "22:00-06:30" (Asia/Ho_Chi_Minh): mail and notifications held, then sent
    allow_private: bool = False  # the webhook may be on a loopback/private address


@dataclass
class DigestConfig:
    """A digest: the new stories of its topics since its last one, by e-mail on a schedule."""

    name: str
    email: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # empty: every article
    sources: list[str] = field(default_factory=list)
    schedule: str = "daily"  # "daily" or "weekly"
    time: str = "07:00"  # Asia/Ho_Chi_Minh
    day: str = "monday"  # for weekly digests
    language: str = "vi"  # "vi" or "en"
    send_empty: bool = False  # a short "nothing new" mail, or nothing


EVENT_KINDS = ("new", "changed", "removed", "source_broken", "source_recovered")
QUIET_HOURS = re.compile(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Config:
    path: Path | None
    database_url: str
    crawler: CrawlerConfig
    sources: list[SourceConfig]
    problems: list[str] = field(default_factory=list)
    mail: MailConfig = field(default_factory=MailConfig)
    topics: list[TopicConfig] = field(default_factory=list)
    subscriptions: list[SubscriptionConfig] = field(default_factory=list)
    digests: list[DigestConfig] = field(default_factory=list)
    daemon: DaemonConfig = field(default_factory=DaemonConfig)
    web: WebConfig = field(default_factory=WebConfig)

    @property
    def outbox(self) -> Path:
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.mail.outbox).resolve()

    def source(self, name: str) -> SourceConfig:
        for src in self.sources:
            if src.name == name:
                return src
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(
            f"không có nguồn {name!r} trong {self.path or 'cấu hình'} (no source named {name!r}; có: {known})"
        )

    def topic_rules(self) -> dict[str, TopicConfig]:
        """[[topics]] by name, plus the built-in "friendship-union" unless the file redefines it."""
        from huunghi.text.query import FRIENDSHIP_UNION

        out = {t.name: t for t in self.topics}
        out.setdefault("friendship-union", TopicConfig(name="friendship-union", query=FRIENDSHIP_UNION))
        return out

    def enabled_sources(self, names: list[str] | None = None) -> list[SourceConfig]:
        if names:
            return [self.source(n) for n in names]
        return [s for s in self.sources if s.enabled and not s.paused]


def _check_keys(where: str, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise ConfigError(
            f"{where}: khóa không biết (unknown key) {', '.join(sorted(unknown))}; "
            f"các khóa dùng được: {', '.join(sorted(allowed))}"
        )


def _typed(where: str, cls: type[Any], data: dict[str, Any]) -> Any:
    """Build a dataclass from a table, checking names and the type of each value."""
    defaults = cls.__dataclass_fields__
    _check_keys(where, data, set(defaults))
    probe = cls(**{"name": "x"}) if "name" in defaults else cls()
    for key, value in data.items():
        expected = type(getattr(probe, key))
        ok = isinstance(value, expected) or (expected is float and isinstance(value, int))
        if not ok or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{where}.{key}: expected {expected.__name__} (cần kiểu {expected.__name__}), có {value!r}"
            )
        if expected is list:
            item = int if key == "revisit_after" else str
            if not all(isinstance(v, item) and not isinstance(v, bool) for v in value):
                raise ConfigError(
                    f"{where}.{key}: expected a list of {'integers' if item is int else 'strings'}, "
                    f"got {value!r}"
                )
    return cls(**data)


def parse_config(
    data: dict[str, Any], path: Path | None = None, environ: dict[str, str] | None = None
) -> Config:
    """Validate a parsed TOML document; bad sources land in ``problems``, not in exceptions."""
    environ = dict(os.environ) if environ is None else environ
    where = str(path) if path else "configuration"
    _check_keys(
        where,
        data,
        {"archive", "crawler", "sources", "mail", "topics", "subscriptions", "digests", "daemon", "web"},
    )
    archive = data.get("archive", {})
    _check_keys(f"{where} [archive]", archive, {"url"})
    url = resolve_database_url(None, archive.get("url"), environ) or "sqlite:///huunghi.sqlite"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and path is not None:
        # a relative SQLite path is relative to the config file, not to the current folder
        url = "sqlite:///" + str((path.parent / url[len("sqlite:///") :]).resolve())
    crawler = _typed(f"{where} [crawler]", CrawlerConfig, data.get("crawler", {}))
    _check_ranges(f"{where} [crawler]", crawler, CRAWLER_RANGES)
    sources: list[SourceConfig] = []
    problems: list[str] = []
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{where}: 'sources' must be an array of tables ([[sources]])")
    for i, raw in enumerate(raw_sources):
        label = f"{where} [[sources]] #{i + 1} ({raw.get('name', '?') if isinstance(raw, dict) else '?'})"
        try:
            if not isinstance(raw, dict) or not raw.get("name"):
                raise ConfigError(f"{label}: nguồn nào cũng cần name (every source needs a name)")
            src = _typed(label, SourceConfig, raw)
            if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", src.name):
                raise ConfigError(f"{label}: name must be lower-case letters, digits, '-', '_' or '.'")
            if src.max_listing_pages < 0 or src.interval_seconds < 0:
                raise ConfigError(f"{label}: max_listing_pages and interval_seconds must not be negative")
            if not (src.feeds or src.sitemaps or src.listings):
                raise ConfigError(
                    f"{label}: cần ít nhất một trong feeds, sitemaps, listings (give at least one of feeds, "
                    "sitemaps, listings)"
                )
            try:
                re.compile(src.article_pattern)
            except re.error as exc:
                raise ConfigError(f"{label}.article_pattern: not a regular expression ({exc})") from exc
            if backtracks(src.article_pattern):
                raise ConfigError(
                    f"{label}.article_pattern: {src.article_pattern!r} lồng lặp "
                    "(a repeat inside a repeat, as in (a+)+) and can take forever on one URL; "
                    "simplify it"
                )
            _check_source_urls(label, src, crawler.allow_private)
            if any(s.name == src.name for s in sources):
                raise ConfigError(f"{label}: nguồn {src.name!r} được khai báo hai lần (defined twice)")
            sources.append(src)
        except ConfigError as exc:
            problems.append(str(exc))
    mail = _typed(f"{where} [mail]", MailConfig, data.get("mail", {}))
    daemon = _typed(f"{where} [daemon]", DaemonConfig, data.get("daemon", {}))
    _check_ranges(f"{where} [daemon]", daemon, DAEMON_RANGES)
    _check_executor(f"{where} [daemon]", daemon, url)
    if not 1 <= mail.smtp_port <= 65535:
        raise ConfigError(f"{where} [mail].smtp_port: {mail.smtp_port} is not a port (1-65535)")
    web = _typed(f"{where} [web]", WebConfig, data.get("web", {}))
    if web.base_url and not re.match(r"https?://[^/\s]+", web.base_url):
        raise ConfigError(f"{where} [web].base_url: an http(s) address, not {web.base_url!r}")
    if web.language not in ("vi", "en"):
        raise ConfigError(f"{where} [web].language: 'vi' or 'en', not {web.language!r}")
    _check_ranges(f"{where} [web]", web, WEB_RANGES)
    topics = [
        _typed(f"{where} [[topics]] #{i + 1}", TopicConfig, t)
        for i, t in enumerate(_tables(where, data, "topics"))
    ]
    subs = [
        _typed(f"{where} [[subscriptions]] #{i + 1}", SubscriptionConfig, t)
        for i, t in enumerate(_tables(where, data, "subscriptions"))
    ]
    digests = [
        _typed(f"{where} [[digests]] #{i + 1}", DigestConfig, t)
        for i, t in enumerate(_tables(where, data, "digests"))
    ]
    _check_rules(where, topics, subs, sources, crawler.allow_private)
    _check_digests(where, digests, topics)
    return Config(
        path=path,
        database_url=url,
        crawler=crawler,
        sources=sources,
        problems=problems,
        mail=mail,
        topics=topics,
        subscriptions=subs,
        digests=digests,
        daemon=daemon,
        web=web,
    )


EXECUTORS = ("local", "queue")


def _check_executor(where: str, daemon: DaemonConfig, url: str) -> None:
    """The queue lives in PostgreSQL; an archive on SQLite can only be crawled by the daemon itself."""
    if daemon.executor not in EXECUTORS:
        raise ConfigError(
            f'{where}.executor: "local" hoặc "queue", không phải {daemon.executor!r} '
            '(must be "local" or "queue")'
        )
    if daemon.executor == "queue" and not url.startswith("postgresql"):
        kind = url.split(":", 1)[0].split("+", 1)[0]
        raise ConfigError(
            f'{where}.executor = "queue" cần kho PostgreSQL, kho này là {kind}: hàng đợi việc nằm trong '
            'PostgreSQL; dùng executor = "local" hoặc chuyển kho bằng `huunghi archive copy` '
            "(the job queue needs a PostgreSQL archive)"
        )


def _check_digests(where: str, digests: list[DigestConfig], topics: list[TopicConfig]) -> None:
    known = {t.name for t in topics} | {"friendship-union"}
    names: set[str] = set()
    for d in digests:
        label = f"{where} [[digests]] {d.name}"
        if d.name in names:
            raise ConfigError(f"{label}: defined twice")
        names.add(d.name)
        if not d.email:
            raise ConfigError(f"{label}: give the recipients (email = [...])")
        if d.schedule not in ("daily", "weekly"):
            raise ConfigError(f"{label}.schedule: 'daily' or 'weekly', not {d.schedule!r}")
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", d.time):
            raise ConfigError(f"{label}.time: cần HH:MM (giờ Hà Nội), không phải {d.time!r}")
        if d.day.lower() not in WEEKDAYS:
            raise ConfigError(f"{label}.day: one of {', '.join(WEEKDAYS)}")
        if d.language not in ("vi", "en"):
            raise ConfigError(f"{label}.language: 'vi' or 'en'")
        missing = [t for t in d.topics if t not in known]
        if missing:
            raise ConfigError(f"{label}.topics: không có chủ đề (no topic named) {missing}")


def _tables(where: str, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) and t.get("name") for t in value):
        raise ConfigError(f"{where}: '{key}' must be an array of tables ([[{key}]]), each with a name")
    return value


def _check_rules(
    where: str,
    topics: list[TopicConfig],
    subs: list[SubscriptionConfig],
    sources: list[SourceConfig],
    allow_private: bool = False,
) -> None:
    """Alert rules are checked whole: a typo here would silently mute an alert, so it stops the command."""
    from huunghi.text.query import QueryError, parse_query

    for topic in topics:
        try:
            parse_query(topic.query)
        except QueryError as exc:
            raise ConfigError(f"{where} [[topics]] {topic.name}.query: {exc}") from exc
        for tag in topic.tags:
            if ":" not in tag:
                raise ConfigError(f"{where} [[topics]] {topic.name}.tags: {tag!r} is not kind:value")
    known_topics = {t.name for t in topics} | {"friendship-union"}
    for sub in subs:
        bad = [e for e in sub.events if e not in EVENT_KINDS]
        if bad:
            raise ConfigError(
                f"{where} [[subscriptions]] {sub.name}.events: không biết {bad} (unknown); "
                f"dùng {list(EVENT_KINDS)}"
            )
        missing = [t for t in sub.topics if t not in known_topics]
        if missing:
            raise ConfigError(
                f"{where} [[subscriptions]] {sub.name}.topics: không có chủ đề (no topic named) {missing}"
            )
        label = f"{where} [[subscriptions]] {sub.name}"
        if not sub.email and not sub.webhook and not sub.notify:
            raise ConfigError(
                f"{label}: cần email, webhook hoặc notify (give email addresses, a webhook or notify URLs)"
            )
        if sub.mode not in ("each", "batched"):
            raise ConfigError(f"{label}.mode: 'each' or 'batched', not {sub.mode!r}")
        if sub.language not in ("vi", "en"):
            raise ConfigError(f"{label}.language: 'vi' or 'en'")
        if sub.batch_minutes < 0:
            raise ConfigError(f"{label}.batch_minutes: zero or more")
        if sub.quiet_hours and not QUIET_HOURS.fullmatch(sub.quiet_hours):
            raise ConfigError(f"{label}.quiet_hours: HH:MM-HH:MM (Asia/Ho_Chi_Minh), not {sub.quiet_hours!r}")
        bad_urls = [u for u in sub.notify if "://" not in u]
        if bad_urls:
            raise ConfigError(f"{label}.notify: not Apprise URLs (scheme://…): {bad_urls}")
        if sub.webhook:
            from huunghi.fetchpolicy import refusal

            reason = refusal(sub.webhook, sub.allow_private or allow_private)
            if reason:
                raise ConfigError(f"{where} [[subscriptions]] {sub.name}.webhook: {reason}")


# (minimum, maximum) of numeric settings; None: no bound that side
CRAWLER_RANGES: dict[str, tuple[float | None, float | None]] = {
    "concurrent_per_host": (1, 64),
    "download_delay": (0, 3600),
    "timeout": (0.001, 3600),
    "retries": (0, 20),
    "max_response_mb": (1, 1024),
    "max_links_per_page": (1, None),
    "max_links_per_sitemap": (1, None),
    "max_urls_per_crawl": (1, None),
    "crawl_deadline_seconds": (1, None),
}
DAEMON_RANGES: dict[str, tuple[float | None, float | None]] = {
    "interval_seconds": (1, None),
    "jitter_seconds": (0, None),
    "crawl_timeout_seconds": (1, None),
    "alerts_every_seconds": (1, None),
    "digests_every_seconds": (1, None),
    "stop_grace_seconds": (0, 3600),
}

WEB_RANGES: dict[str, tuple[float | None, float | None]] = {
    "query_timeout_ms": (1, 600_000),  # 0 would read as "no limit" on PostgreSQL
}


def _check_ranges(where: str, obj: Any, ranges: dict[str, tuple[float | None, float | None]]) -> None:
    """Numbers that Scrapy or the scheduler would read as "unlimited" or "never" are refused here."""
    for key, (low, high) in ranges.items():
        value = getattr(obj, key)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            raise ConfigError(f"{where}.{key}: {value!r} ngoài giới hạn (must be {bounds})")
    for i, value in enumerate(getattr(obj, "revisit_after", []) or []):
        if value < 0:
            raise ConfigError(f"{where}.revisit_after[{i}]: {value} must not be negative")


def backtracks(pattern: str) -> bool:
    """A repeat nested in a repeat (``(a+)+``, ``(a*b?)*``): the shape that backtracks exponentially.

    Python's ``re`` has no time limit, so such a pattern is refused rather than run.
    """
    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_parse  # type: ignore[no-redef]
    repeats = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)}

    def walk(items: Any, inside: bool) -> bool:
        for op, arg in items:
            if op in repeats:
                low, high, sub = arg
                unbounded = high is sre_parse.MAXREPEAT or high > 10
                if unbounded and inside:
                    return True
                if walk(sub, inside or unbounded):
                    return True
            elif op is sre_parse.SUBPATTERN:
                if walk(arg[-1], inside):
                    return True
            elif op is sre_parse.BRANCH:
                if any(walk(b, inside) for b in arg[1]):
                    return True
            elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
                if walk(arg[1], inside):
                    return True
        return False

    try:
        return walk(sre_parse.parse(pattern), False)
    except (re.error, RecursionError):
        return True


def _check_source_urls(label: str, src: SourceConfig, allow_private: bool) -> None:
    from huunghi.fetchpolicy import refusal

    for key in ("homepage", "feeds", "sitemaps", "listings"):
        values = getattr(src, key)
        for url in [values] if isinstance(values, str) else values:
            if key == "homepage" and not url:
                continue
            reason = refusal(url, src.allow_private or allow_private)
            if reason:
                raise ConfigError(f"{label}.{key}: {url!r}: {reason}")


def config_path(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG)


def load_config(explicit: str | Path | None = None) -> Config:
    path = config_path(explicit)
    if not path.exists():
        raise ConfigError(
            f"{path}: không có tệp này (no such file); chạy 'huunghi init' để ghi một cấu hình khởi đầu"
        )
    if not path.is_file():
        raise ConfigError(f"{path}: không phải tệp cấu hình (not a file: give the path of huunghi.toml)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: không phải TOML hợp lệ (not valid TOML: {exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: không phải văn bản UTF-8 (not UTF-8 text: {exc})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: không đọc được (cannot be read: {exc.strerror or exc})") from exc
    return parse_config(data, path.resolve())


class ConfigWatcher:
    """Re-reads the file when its modification time changes, so a running daemon follows edits.

    A file that no longer reads keeps the last good configuration; the error is returned once
    per change so the caller can report it without repeating it every tick.
    """

    def __init__(self, path: str | Path, config: Config) -> None:
        self.path = Path(path)
        self.config = config
        self._stamp = self._mtime()

    def _mtime(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
            return (st.st_mtime_ns, st.st_size)
        except OSError:
            return None

    def poll(self) -> tuple[Config | None, str | None]:
        """(the new configuration, None) after a good change; (None, the error) after a bad one."""
        stamp = self._mtime()
        if stamp == self._stamp:
            return None, None
        self._stamp = stamp
        try:
            self.config = load_config(self.path)
        except ConfigError as exc:
            return None, str(exc)
        return self.config, None
