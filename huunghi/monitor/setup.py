"""Set-up without editing TOML: ``init``, ``sources add``, ``sources pause/resume``, ``topics test``.

Every change goes through tomlkit (so the user's comments and layout survive, and a title with
``"``, ``\\`` or a newline is quoted correctly) and the whole resulting file is validated BEFORE
it replaces the old one: a bad value is refused with its reason and the file stays as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from huunghi.config import Config, ConfigError, TopicConfig, parse_config
from huunghi.monitor.starter import STARTER

SLUG = re.compile(r"[a-z0-9][a-z0-9_.-]*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def check_slug(value: str, what: str = "name") -> str:
    """A source or topic name goes into the file as a value and into commands: letters only."""
    if not SLUG.fullmatch(value or ""):
        raise ConfigError(
            f"{what} {value!r}: chỉ dùng chữ thường không dấu, số, '-', '_' hoặc '.' "
            "(lower-case letters, digits, '-', '_', '.')"
        )
    return value


def slugify(text: str) -> str:
    """ "Thanh Hóa" -> "thanh-hoa": a name for a topic the user only gave as words."""
    from huunghi.text.normalize import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-") or "topic"


def topic_title(query: str) -> str:
    """A heading for a topic from its query: its words and phrases, without the operators
    ("thanh hóa" OR "hữu nghị" → thanh hóa, hữu nghị; an excluded -word or NOT word left out)."""
    parts: list[str] = []
    words: list[str] = []  # bare words side by side read as one part ("hữu nghị")
    skip = False
    for m in re.finditer(r'"([^"]*)"|(\S+)', query):
        phrase, word = m.group(1), (m.group(2) or "").strip("()")
        if phrase is None and word in ("OR", "AND", "NOT"):
            skip = word == "NOT"
            parts.append(" ".join(words))
            words = []
            continue
        if skip or (phrase is None and word.startswith("-")):
            skip = False
            continue
        if phrase is not None:
            parts += [" ".join(words), " ".join(phrase.split())]
            words = []
        elif word:
            words.append(word)
    parts.append(" ".join(words))
    return ", ".join(p for p in parts if p) or query


def validate(text: str, path: Path | None) -> Config:
    """The whole document, read as every command will read it; raises ConfigError with the reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path or 'cấu hình'}: không phải TOML hợp lệ (not valid TOML: {exc})") from exc
    return parse_config(data, path.resolve() if path else None, environ={})


def write_checked(path: Path, doc: tomlkit.TOMLDocument, new_sources: tuple[str, ...] = ()) -> Config:
    """Validate, then replace the file in one rename (a crash never leaves half a file)."""
    text = tomlkit.dumps(doc)
    cfg = validate(text, path)
    bad = [p for p in cfg.problems for n in new_sources if f"({n})" in p]
    if bad:
        raise ConfigError(bad[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return cfg


def read_document(path: Path) -> tomlkit.TOMLDocument:
    if not path.exists():
        raise ConfigError(f"{path}: không có tệp này (no such file); chạy 'huunghi init' trước")
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except Exception as exc:  # tomlkit's ParseError and friends
        raise ConfigError(f"{path}: không phải TOML hợp lệ (not valid TOML: {exc})") from exc


def _aot(doc: tomlkit.TOMLDocument, key: str) -> AoT:
    if key not in doc:
        doc.add(tomlkit.nl())
        doc.append(key, tomlkit.aot())
    value = doc[key]
    if not isinstance(value, AoT):
        raise ConfigError(f"'{key}' phải là một mảng bảng ([[{key}]]) (must be an array of tables)")
    return value


# -- init ---------------------------------------------------------------------------------
@dataclass
class InitAnswers:
    """What `huunghi init` asks; empty fields leave that part out."""

    mail_to: list[str] = field(default_factory=list)
    smtp: str = ""  # host[:port]; empty: mail goes to the outbox folder as .eml files
    sender: str = ""
    topic: str = ""  # a query, e.g. '"thanh hóa" hữu nghị'
    topic_name: str = ""
    topic_title: str = ""  # how digests head it (default: the query's words)
    digest_at: str = ""  # HH:MM Hanoi time; empty: no digest
    database_url: str = ""


def _comment_table(table: Table, *lines: str) -> None:
    for line in lines:
        table.add(tomlkit.comment(line))


def add_alerting(doc: tomlkit.TOMLDocument, answers: InitAnswers) -> None:
    """[mail], a first [[topics]], a [[subscriptions]] and a daily [[digests]], each commented."""
    mail = tomlkit.table()
    _comment_table(
        mail,
        "Nơi gửi cảnh báo và bản tin (where alerts and digests go). Không có smtp_host: mỗi thư",
        "được ghi thành một tệp .eml trong thư mục outbox (cạnh tệp này) thay vì gửi đi.",
    )
    if answers.smtp:
        host, _, port = answers.smtp.partition(":")
        mail.add("smtp_host", host)
        mail.add("smtp_port", int(port) if port.isdigit() else 587)
        mail.add("starttls", True)
        mail.add(tomlkit.comment("Mật khẩu SMTP lấy từ biến môi trường, không bao giờ ghi trong tệp này:"))
        mail.add("password_env", "HUUNGHI_SMTP_PASSWORD")
    mail.add("sender", answers.sender or "Huunghi <huunghi@localhost>")
    mail.add("outbox", "outbox")
    doc.add(tomlkit.nl())
    doc["mail"] = mail
    web = doc.get("web")
    if web is None:
        web = tomlkit.table()
        doc.add(tomlkit.nl())
        doc["web"] = web
    if "base_url" not in web:
        web.add(
            tomlkit.comment("Địa chỉ trang Huunghi (huunghi serve) mà người nhận thư mở được: thư cảnh báo")
        )
        web.add(tomlkit.comment("dẫn tới trang của bài trên đó. Sửa lại khi trang ra khỏi máy này."))
        web.add("base_url", "http://127.0.0.1:8080")
    topic_name = ""
    if answers.topic:
        topic_name = check_slug(answers.topic_name or slugify(answers.topic), "topic name")
        topic = tomlkit.table()
        _comment_table(
            topic,
            'Một chủ đề: từ, "cụm từ", OR, NOT/-từ, (…). Thử trước trên kho:',
            f"  huunghi topics test '{answers.topic}'",
        )
        topic.add("name", topic_name)
        topic.add("title", answers.topic_title or topic_title(answers.topic))
        topic.add("query", answers.topic)
        _aot(doc, "topics").append(topic)
    if answers.mail_to:
        for address in answers.mail_to:
            if not EMAIL.fullmatch(address):
                raise ConfigError(f"--mail-to {address!r}: không phải địa chỉ e-mail (not an e-mail address)")
        sub = tomlkit.table()
        _comment_table(
            sub,
            "Cảnh báo: một thư khi có bài của chủ đề mới đăng, được sửa hoặc bị gỡ,",
            "khi một nguồn bị lỗi và khi nó hoạt động lại.",
        )
        sub.add("name", "desk")
        sub.add(
            tomlkit.comment(
                '"batched": một thư cho mỗi lượt, gom theo câu chuyện; "each": mỗi sự kiện một thư'
            )
        )
        sub.add("mode", "batched")
        sub.add("events", ["new", "changed", "removed", "source_broken", "source_recovered"])
        sub.add("topics", [topic_name] if topic_name else [])
        sub.add("email", list(answers.mail_to))
        _aot(doc, "subscriptions").append(sub)
        if answers.digest_at:
            digest = tomlkit.table()
            _comment_table(
                digest,
                "Bản tin hằng ngày về các câu chuyện mới, vào giờ này (Asia/Ho_Chi_Minh).",
                "Xem trước khi gửi: huunghi digest preview daily",
            )
            digest.add("name", "daily")
            digest.add("email", list(answers.mail_to))
            digest.add("topics", [topic_name] if topic_name else [])
            digest.add("schedule", "daily")
            digest.add("time", answers.digest_at)
            digest.add("language", "vi")
            _aot(doc, "digests").append(digest)


def init_document(answers: InitAnswers) -> tomlkit.TOMLDocument:
    """The starter file (the real portals, unverified) plus the answers."""
    doc = tomlkit.parse(STARTER)
    if answers.database_url:
        doc["archive"]["url"] = answers.database_url  # type: ignore[index]
    add_alerting(doc, answers)
    return doc


def demo_document(database_url: str, sources: list[dict[str, Any]] | None = None) -> tomlkit.TOMLDocument:
    """The demo's file: its archive, mail to the outbox, a topic, alerts and a daily digest.

    The replicas' sources stay in it, paused: their local servers end with the demo, and a
    paused source is listed (status, the page of sources) without being crawled or alarmed on.
    """
    doc = tomlkit.document()
    doc.add(tomlkit.comment("Do `huunghi demo` ghi: kho demo (các bản sao báo đã tắt cùng demo)."))
    doc.add(
        tomlkit.comment("Nội dung bài trong demo là các từ xáo trộn (the demo's bodies are shuffled words):")
    )
    doc.add(tomlkit.comment("chỉ tiêu đề và siêu dữ liệu là thật."))
    doc.add("archive", tomlkit.table().add("url", database_url))
    web = tomlkit.table()
    web.add("demo", True)
    doc.add("web", web)
    add_alerting(
        doc,
        InitAnswers(
            mail_to=["ban-doi-ngoai@localhost"],
            topic='"thanh hóa" OR "hữu nghị"',
            topic_name="huu-nghi",
            topic_title="Hữu nghị",
            digest_at="07:00",
        ),
    )
    for i, source in enumerate(sources or []):
        table = tomlkit.table()
        if i == 0:
            table.add(
                tomlkit.comment("Các bản sao báo của demo, đã tắt khi demo kết thúc: tạm dừng (paused).")
            )
        for key, value in source.items():
            table.add(key, value)
        table["paused"] = True
        _aot(doc, "sources").append(table)
    return doc


# -- sources ------------------------------------------------------------------------------
def add_source(path: Path, table: dict[str, Any], notes: list[str] | None = None) -> Config:
    """Append one [[sources]] (validated with the rest of the file) or raise with the reason."""
    doc = read_document(path)
    name = check_slug(str(table.get("name", "")), "--name")
    sources = _aot(doc, "sources")
    if any(t.get("name") == name for t in sources):
        raise ConfigError(f"đã có nguồn tên {name!r} (a source named {name!r} exists); dùng --name")
    item = tomlkit.table()
    for note in notes or []:
        item.add(tomlkit.comment(" ".join(note.split())))
    for key, value in table.items():
        item.add(key, value)
    sources.append(item)
    return write_checked(path, doc, new_sources=(name,))


def set_paused(path: Path, name: str, paused: bool) -> Config:
    """`sources pause/resume NAME`: one key in that source's table, everything else untouched."""
    doc = read_document(path)
    for table in _aot(doc, "sources"):
        if table.get("name") == name:
            if paused:
                table["paused"] = True
            elif "paused" in table:
                del table["paused"]
            return write_checked(path, doc)
    known = ", ".join(str(t.get("name")) for t in _aot(doc, "sources")) or "none"
    raise ConfigError(f"không có nguồn {name!r} (no source named {name!r}; known: {known})")


# -- topics test ----------------------------------------------------------------------------
def topic_test(
    archive: Any,
    cfg: Config,
    query: str,
    sources: list[str] | None = None,
    tags: list[str] | None = None,
    limit: int = 10,
) -> Any:
    """What a topic rule would have matched in the archive: the same search its Atom feed runs."""
    from huunghi.config import _check_rules
    from huunghi.monitor.searching import run, topic_query

    rule = TopicConfig(name="test", query=query, sources=list(sources or []), tags=list(tags or []))
    _check_rules("topics test", [rule], [], cfg.sources)
    return run(archive, topic_query(rule, limit=limit))
