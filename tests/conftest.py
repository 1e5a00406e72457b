"""Shared fixtures: databases (SQLite and PostgreSQL), a fixed clock, a test bank."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from interviewprep.domain.clock import FixedClock
from interviewprep.storage import db

PG_ENV = "INTERVIEWPREP_TEST_DATABASE_URL"
FIXTURES = Path(__file__).parent / "fixtures"


def pg_url() -> str | None:
    """The PostgreSQL URL for tests, or None when the variable is unset."""
    return os.environ.get(PG_ENV) or None


def _pg_engine(schema: str) -> Engine:
    url = pg_url()
    assert url is not None
    admin = db.make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return db.make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def _drop_pg_schema(schema: str) -> None:
    url = pg_url()
    assert url is not None
    admin = db.make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file, then PostgreSQL (own schema per test)."""
    if request.param == "sqlite":
        eng = db.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        db.upgrade(eng)
        yield eng
        eng.dispose()
        return
    if pg_url() is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = _pg_engine(schema)
    try:
        db.upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        _drop_pg_schema(schema)


@pytest.fixture
def clock() -> FixedClock:
    """Saturday 2026-03-07 09:00 UTC (a day before a US DST change)."""
    return FixedClock(datetime(2026, 3, 7, 9, 0, tzinfo=UTC))
