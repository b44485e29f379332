"""Shared fixtures: the replica portals, and archives on SQLite and (where reachable) PostgreSQL.

PostgreSQL is skipped when unreachable on a user's machine; with HUUNGHI_REQUIRE_SERVICES=1
(set by .ci/run) an unreachable service fails the run instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from huunghi.replicas.server import ReplicaSet

PG_ADMIN = os.environ.get("HUUNGHI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE = os.environ.get("HUUNGHI_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} unreachable: {exc}"
    if REQUIRE:
        pytest.fail(message + " (HUUNGHI_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def replicas() -> Iterator[ReplicaSet]:
    with ReplicaSet(faults=True) as rs:
        yield rs


def _pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    import psycopg

    name = f"huunghi_t_{uuid.uuid4().hex[:10]}"
    dsn = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL", exc)
    base, _, _ = dsn.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    yield from _pg_database()


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A fresh PostgreSQL database shared by one test module."""
    yield from _pg_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite'}"
    return request.getfixturevalue("pg_url")
