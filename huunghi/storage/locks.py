"""Locks across processes and machines: who leads the scheduling, and placing stories one at a time.

One scheduler at a time. APScheduler 3 must never share its job store between two schedulers
(jobs run twice or are missed), so a daemon schedules only while it holds the archive's
scheduler lock:

- PostgreSQL: a session-level advisory lock on a connection of its own, kept open (and checked
  every tick) for as long as it leads. A daemon killed, or a machine gone, closes the session
  and the server releases the lock; a standby polling once a tick takes it over. The lock's
  connection is named ``huunghi-daemon pid@host`` (application_name), so anyone can read who
  leads from ``pg_locks`` and ``pg_stat_activity``.
- SQLite (one machine by nature): an exclusive ``flock`` on a file beside the database holding
  "pid host started-at". The kernel releases it when the process ends however it ends (kill -9
  included), so a dead daemon never blocks the next one; a second live one is refused.

Story placement takes ``PLACEMENT_LOCK`` for its transaction (``placement``): two processes
storing reports of one event at the same moment would otherwise each find no story and make two.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

log = logging.getLogger("huunghi.locks")

SCHEDULER_LOCK = 7_311_206  # advisory keys: 7_311_205 is db.MIGRATION_LOCK
PLACEMENT_LOCK = 7_311_207
PARTITION_LOCK = 7_311_208  # making the search index's quarterly partitions
APP_PREFIX = "huunghi-daemon "
# the server closes a lock session whose peer stopped answering (a machine switched off, a cut
# cable) after about idle + interval × count seconds, instead of the system's two hours
KEEPALIVE = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}


def whoami() -> str:
    """This process as a leader: "pid@host"."""
    return f"{os.getpid()}@{socket.gethostname()}"


def describe(who: str | None) -> str:
    """A leader "pid@host" as people read it (Vietnamese first)."""
    if not who:
        return "một tiến trình khác (another process)"
    pid, _, host = who.partition("@")
    return f"pid {pid} trên máy {host} (pid {pid} on {host})" if host else who


def placement(s: Session) -> None:
    """Serialise story placement: call before choosing a story, in the transaction that places.

    PostgreSQL: a transaction-level advisory lock, released at commit or rollback; a concurrent
    placement waits for it, then (READ COMMITTED: each statement sees what is committed) finds the
    story the first one made. SQLite: its one write lock already serialises writers, held from a
    transaction's first write to its commit; a write made here makes sure the choice is made
    under it, with a view of everything committed before.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PLACEMENT_LOCK})
        return
    s.flush()
    raw = s.connection().connection.dbapi_connection
    if not getattr(raw, "in_transaction", True):  # nothing written yet: take the write lock now
        s.execute(text("UPDATE stories SET id = id WHERE id = -1"))


class AnotherDaemon(RuntimeError):
    """A daemon already schedules over this SQLite archive (the message names it)."""

    def __init__(self, who: str | None, since: str = "") -> None:
        self.who = who
        when = f", từ {since} (since {since})" if since else ""
        super().__init__(
            f"một daemon khác đang chạy trên kho này: {describe(who)}{when}; "
            "không chạy daemon thứ hai (another daemon already runs on this archive)"
        )


@dataclass
class Leadership:
    """The scheduler lock of one archive. ``try_lead()`` each tick while standing by; ``holds()``
    each tick while leading (False: the lock is lost, stop scheduling); ``release()`` at the end."""

    url: str

    def __post_init__(self) -> None:
        parsed = make_url(self.url)
        self.backend = parsed.get_backend_name()
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._file: IO[str] | None = None
        self.leading = False
        self._failing = False  # the database did not answer the last try (said once, not every tick)
        if self.backend == "sqlite":
            database = parsed.database or ""
            self._path = (
                Path(database).expanduser().with_name(Path(database).name + ".daemon.lock")
                if database and database != ":memory:"
                else None
            )

    # -- SQLite ----------------------------------------------------------------------------
    def _try_file(self) -> bool:
        if self._path is None:  # an in-memory archive: no other process can open it
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self._path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {socket.gethostname()} {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        fh.flush()
        self._file = fh
        return True

    def holder_file(self) -> tuple[str | None, str]:
        """(leader "pid@host", started at) as the lock file says; (None, "") when nobody holds it."""
        if self._path is None or not self._path.exists():
            return None, ""
        with open(self._path, encoding="utf-8") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # held: the file says by whom
                parts = fh.read().split()
                if len(parts) >= 2:
                    return f"{parts[0]}@{parts[1]}", parts[2] if len(parts) > 2 else ""
                return "", ""
            fcntl.flock(fh, fcntl.LOCK_UN)
            return None, ""

    def claim(self) -> None:
        """SQLite: lead now or raise ``AnotherDaemon`` naming the daemon that does."""
        if not self.try_lead():
            who, since = self.holder_file()
            raise AnotherDaemon(who, since)

    # -- PostgreSQL ------------------------------------------------------------------------
    def _connection(self) -> Connection:
        if self._conn is None:
            if self._engine is None:
                parsed = make_url(self.url)
                if parsed.drivername == "postgresql":
                    parsed = parsed.set(drivername="postgresql+psycopg")
                self._engine = create_engine(
                    parsed,
                    poolclass=NullPool,
                    isolation_level="AUTOCOMMIT",  # never idle in a transaction while it leads
                    connect_args={
                        "application_name": (APP_PREFIX + whoami())[:63],
                        "connect_timeout": 10,
                        "keepalives": 1,
                        "keepalives_idle": 10,
                        "keepalives_interval": 5,
                        "keepalives_count": 3,
                    },
                )
            conn = self._engine.connect()
            for name, value in KEEPALIVE.items():
                conn.execute(text(f"SET {name} = {int(value)}"))
            self._conn = conn
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:  # closing a broken connection: nothing more to do
                pass

    def leader(self) -> str | None:
        """Who leads now ("pid@host"), read from the server (PostgreSQL) or the lock file."""
        if self.backend == "sqlite":
            return self.holder_file()[0]
        return read_leader(self._connection())

    # -- both --------------------------------------------------------------------------------
    def try_lead(self) -> bool:
        """Take the lock if it is free; True when this process leads (it may already)."""
        if self.leading:
            return True
        if self.backend == "sqlite":
            self.leading = self._try_file()
            return self.leading
        try:
            got = self._connection().execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK})
            self.leading = bool(got.scalar())
            self._failing = False
        except SQLAlchemyError as exc:
            if not self._failing:
                log.warning(
                    "không kiểm tra được khoá điều phối (could not check the scheduler lock): %s", exc
                )
            self._failing = True
            self._drop_connection()
            self.leading = False
        return self.leading

    def holds(self) -> bool:
        """Whether this process still leads: its lock session is alive and holds the lock."""
        if not self.leading:
            return False
        if self.backend == "sqlite":
            return True  # a file lock is lost only with the process
        try:
            held = self._connection().execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'"
                    " AND granted AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"
                ),
                {"hi": SCHEDULER_LOCK >> 32, "lo": SCHEDULER_LOCK & 0xFFFFFFFF},
            )
            ok = bool(held.scalar())
        except SQLAlchemyError as exc:
            log.error("mất kết nối giữ khoá điều phối (lost the scheduler lock's connection): %s", exc)
            ok = False
        if not ok:
            self.leading = False
            self._drop_connection()  # a session that lost the lock is not trusted again
        return ok

    def release(self) -> None:
        """Let go of the lead. On PostgreSQL the lock is unlocked in its session first: a closed
        connection frees it only once the server has ended that backend, which can lag."""
        if self.leading and self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK})
            except SQLAlchemyError:  # the session is gone, and the lock with it
                pass
        self.leading = False
        if self._file is not None:
            fh, self._file = self._file, None
            try:
                fh.seek(0)
                fh.truncate()
            finally:
                fh.close()  # closing releases the flock
        self._drop_connection()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def read_leader(conn: Connection | Session) -> str | None:
    """PostgreSQL: "pid@host" of the daemon holding the scheduler lock of this database, if any."""
    row: Any = conn.execute(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.database = ("
            "  SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND l.classid::bigint = :hi AND l.objid::bigint = :lo AND l.objsubid = 1"
        ),
        {"hi": SCHEDULER_LOCK >> 32, "lo": SCHEDULER_LOCK & 0xFFFFFFFF},
    ).first()
    if row is None:
        return None
    name = str(row[0] or "")
    return name[len(APP_PREFIX) :] if name.startswith(APP_PREFIX) else name or "?"


def current_leader(engine: Engine) -> str | None:
    """Who leads the scheduling of this archive ("pid@host"), for ``huunghi status``; None: nobody."""
    if engine.dialect.name == "postgresql":
        try:
            with engine.connect() as conn:
                return read_leader(conn)
        except SQLAlchemyError:  # no right to read pg_stat_activity: not worth failing status for
            return None
    return Leadership(str(engine.url.render_as_string(hide_password=False))).holder_file()[0]
