"""Shared fixtures: the replica portals, and archives on SQLite and (where reachable) PostgreSQL.

The helpers behind them, and those tests import (servers, crawling, data), are in tests/fixtures/:
no test module imports another.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from huunghi.replicas.server import ReplicaSet
from tests.fixtures.services import pg_database


@pytest.fixture(scope="session")
def replicas() -> Iterator[ReplicaSet]:
    with ReplicaSet(faults=True) as rs:
        yield rs


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    yield from pg_database()


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A fresh PostgreSQL database shared by one test module."""
    yield from pg_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite'}"
    return request.getfixturevalue("pg_url")
