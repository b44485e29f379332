"""Where a part's operations run: one transaction per call, or many in one unit of work.

A service that does hundreds of small operations (the alert pass: read an event, its article
and tags, plan its deliveries, move the cursor) opens ``archive.unit()`` and gets the same parts
bound to one session: a handful of commits instead of one per call, and all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker


class Tx:
    """A session per call (committed by the call), or the one session of a unit of work."""

    def __init__(self, sessions: sessionmaker[Session], unit: Session | None = None) -> None:
        self.sessions = sessions
        self.unit = unit

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        if self.unit is not None:
            yield self.unit
            return
        with self.sessions() as s:
            yield s

    def own(self) -> Session:
        """A session of its own, even inside a unit: for calls that retry after a conflict or
        must be committed before they return (claims)."""
        return self.sessions()

    def commit(self, s: Session) -> None:
        """Commit a call's own session; inside a unit, only flush (the unit commits at its end)."""
        if self.unit is None:
            s.commit()
        else:
            s.flush()

    def commit_once(self, s: Session) -> bool:
        """Commit rows whose unique key says "once": False (and nothing written) if they exist.
        Only for calls with their own session: a unit uses ``insert_once`` instead."""
        try:
            s.commit()
            return True
        except IntegrityError:
            s.rollback()
            return False


def upsert(s: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """The backend's INSERT that can say ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_once(s: Session, table: Any, values: dict[str, Any], key: list[str]) -> bool:
    """Insert a row unless its unique ``key`` exists already; True when it was inserted. Safe in a
    unit of work: a conflict does not abort the transaction (no exception, no savepoint)."""
    # RETURNING says whether it was inserted: rowcount is -1 when SQLAlchemy adds its own RETURNING
    stmt = upsert(s, table).values(**values).on_conflict_do_nothing(index_elements=key)
    return s.execute(stmt.returning(literal_column("1"))).first() is not None
