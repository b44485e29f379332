"""Copying a grown archive (SQLite) into PostgreSQL: ``huunghi archive copy --to postgresql://…``.

All or nothing: the target's schema (our Alembic migrations), every row, its search index and
the count check run in one PostgreSQL transaction, so a failure at any step leaves the target as
it was. The source is read in one snapshot (a SQLite read transaction), so a crawl writing
meanwhile cannot make the counts disagree. Rows keep their ids (events, deliveries and digests
point at them), so the sequences are moved past the highest id afterwards. The index is not
copied but rebuilt the way migration 0007 builds it (``search.index.index_stored``): SQLite's
FTS5 tables have no PostgreSQL equivalent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, Table, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from huunghi.storage.db import StorageError, alembic_config, make_engine, upgrade
from huunghi.storage.models import Base
from huunghi.storage.search import index as searchindex

BATCH = 1000  # rows per INSERT: a batch of articles with their bodies is a few megabytes
INDEX = "search_docs"  # the index's own table: one row per indexed article on both backends
# made and filled by the index (and FTS5's shadow tables, PostgreSQL's quarter partitions), not copied
REBUILT = ("search_docs", "search_fts", "search_vocab", "search_text")

# not copied: the daemon's APScheduler job store (monitor.daemon.JOB_TABLE); the daemon plans its
# jobs again from huunghi.toml when it first starts on the copy
LEFT = ("scheduler_jobs",)
QUEUE_TABLES = "procrastinate_"  # the workers' job queue (monitor.queue): jobs come and go, not the archive

# (table, rows copied so far, rows in all); table is INDEX while the index is rebuilt
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TableCount:
    """Rows of one table in the source and in the copy."""

    table: str
    source: int
    target: int

    @property
    def same(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class CopyReport:
    """What was copied where, table by table (the index last), and how long it took."""

    source: str  # URLs without their passwords
    target: str
    tables: list[TableCount]
    seconds: float
    replaced: bool = False


class CopyError(StorageError):
    """The copy did not happen; the target is as it was before."""


class CopyRefused(CopyError):
    """Refused before anything was written: a mistake in what was asked (exit 2 in the CLI)."""


@dataclass
class TargetNotEmpty(CopyRefused):
    """The target already holds an archive: copying into it would mix two archives."""

    target: str
    rows: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        held = ", ".join(f"{t} {n}" for t, n in self.rows.items())
        return (
            f"cơ sở dữ liệu đích {self.target} đã có dữ liệu ({held}); không chép đè. "
            "Dùng --replace để xoá hết rồi chép lại. "
            f"(the target already holds an archive; --replace empties it first)"
        )


@dataclass
class CountsDiffer(CopyError):
    """The copy's counts differ from the source's: rolled back, never reported as done."""

    counts: list[TableCount]

    def __str__(self) -> str:
        wrong = ", ".join(f"{c.table} {c.source} → {c.target}" for c in self.counts if not c.same)
        return f"số dòng không khớp, đã huỷ bản chép ({wrong}) (counts differ: the copy was rolled back)"


def tables() -> list[Table]:
    """Every table of the archive, parents before children (foreign keys)."""
    return list(Base.metadata.sorted_tables)


def shown(url: str) -> str:
    """A URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(không phải URL, not a database URL)"


def copy_archive(
    source_url: str, target_url: str, replace: bool = False, progress: Progress | None = None
) -> CopyReport:
    """Copy the archive at ``source_url`` into the PostgreSQL database at ``target_url``.

    Raises ``TargetNotEmpty`` when the target holds rows (unless ``replace``: then they are
    deleted first, in the same transaction), ``CountsDiffer`` when a count disagrees."""
    try:
        source, target = make_url(source_url), make_url(target_url)
    except ArgumentError as exc:
        raise CopyRefused(f"không phải URL cơ sở dữ liệu (not a database URL): {exc}") from exc
    if target.get_backend_name() != "postgresql":
        raise CopyRefused(f"đích phải là PostgreSQL (the target must be postgresql://…): {shown(target_url)}")
    if source == target:
        raise CopyRefused("nguồn và đích là một (source and target are the same database)")
    if source.get_backend_name() == "sqlite" and not Path(source.database or "").expanduser().is_file():
        raise CopyRefused(f"không có kho nguồn (no archive at) {shown(source_url)}")
    started = time.monotonic()
    src, dst = make_engine(source_url), make_engine(target_url)
    try:
        upgrade(src)  # as any command that opens it would: the source at the schema the copy has
        with src.connect() as read, dst.begin() as write:
            if read.dialect.name == "sqlite":
                read.exec_driver_sql("BEGIN")  # one snapshot (the driver begins only before writes)
            _unknown_tables(read)
            _migrate(write)
            held = {t: n for t, n in _counts(write).items() if n}
            if held and not replace:
                raise TargetNotEmpty(shown(target_url), held)
            if held:
                present = set(inspect(write).get_table_names())  # PostgreSQL's index: no FTS5 tables
                names = [t.name for t in tables()] + [n for n in REBUILT if n in present]
                write.exec_driver_sql(f"TRUNCATE {', '.join(names)} CASCADE")
            before = _counts(read)
            for table in tables():
                _copy_table(read, write, table, before[table.name], progress)
            _move_sequences(write)
            if progress:
                progress(INDEX, 0, before["articles"])
            searchindex.index_stored(write)
            after = _counts(write)
            counts = [TableCount(t, before[t], after[t]) for t in before]
            counts.append(TableCount(INDEX, _rows(read, INDEX), _rows(write, INDEX)))
            if progress:
                progress(INDEX, counts[-1].target, before["articles"])
            if not all(c.same for c in counts):
                raise CountsDiffer(counts)
        return CopyReport(
            shown(source_url), shown(target_url), counts, round(time.monotonic() - started, 2), bool(held)
        )
    finally:
        src.dispose()
        dst.dispose()


def _migrate(conn: Connection) -> None:
    """Our migrations, on the copy's own connection (PostgreSQL's DDL is transactional)."""
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _unknown_tables(conn: Connection) -> None:
    """A table the models do not know would be left behind: refuse rather than copy part."""
    known = {t.name for t in tables()} | {"alembic_version", *LEFT}
    names = inspect(conn).get_table_names()
    left = [n for n in names if n not in known and not n.startswith((*REBUILT, QUEUE_TABLES))]
    if left:
        raise CopyRefused(
            f"nguồn có bảng không biết chép thế nào: {', '.join(sorted(left))} "
            "(the source has tables this version of huunghi does not know; upgrade huunghi first)"
        )


def _rows(conn: Connection, name: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())


def _counts(conn: Connection) -> dict[str, int]:
    return {t.name: _rows(conn, t.name) for t in tables()}


def _copy_table(
    read: Connection, write: Connection, table: Table, total: int, progress: Progress | None
) -> None:
    """Rows in primary-key order, ``BATCH`` at a time, through the models' types (times stay
    aware, JSON stays JSON, bytes stay bytes)."""
    done = 0
    if progress:
        progress(table.name, 0, total)
    rows = read.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key.columns))
    for batch in rows.mappings().partitions(BATCH):
        write.execute(table.insert(), [dict(r) for r in batch])
        done += len(batch)
        if progress:
            progress(table.name, done, total)


def _move_sequences(conn: Connection) -> None:
    """Each id sequence past the highest copied id, so the next article gets a new one."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].type.python_type is int:
            name = pk[0].name
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                    f"COALESCE((SELECT max({name}) FROM {table.name}), 0) + 1, false)"
                ),
                {"t": table.name, "c": name},
            )


__all__ = [
    "CopyError",
    "CopyRefused",
    "CopyReport",
    "CountsDiffer",
    "TableCount",
    "TargetNotEmpty",
    "copy_archive",
]
