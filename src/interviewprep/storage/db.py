"""Engines and schema migrations.

SQLite gets WAL mode, foreign keys, ``synchronous=NORMAL`` and a busy timeout on every
connection (a statement that needs the write lock while another connection holds it
waits up to :data:`SQLITE_BUSY_TIMEOUT_MS`); inside :func:`without_lock_waits` it fails
at once instead (:func:`is_lock_wait`), for callers on an event loop, which must never
sleep. PostgreSQL is reached through psycopg 3. The schema is only ever created
by Alembic migrations (``interviewprep db upgrade``, also run when a bot starts).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
_SQLITE_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)  # primary result codes
_NO_LOCK_WAITS: ContextVar[bool] = ContextVar("interviewprep_no_lock_waits", default=False)


@contextmanager
def without_lock_waits() -> Iterator[None]:
    """SQLite connections checked out inside never wait for another writer's lock.

    A statement that needs the write lock while another connection (a thread of this
    process, or another process) holds it raises "database is locked" at once instead
    of sleeping in SQLite's busy handler for up to :data:`SQLITE_BUSY_TIMEOUT_MS`: the
    caller (an event loop) rolls back and runs the work where waiting is harmless.
    Applies to connections checked out from the pool inside the block, in this context
    only (not in other threads or tasks). No effect on PostgreSQL.
    """
    token = _NO_LOCK_WAITS.set(True)
    try:
        yield
    finally:
        _NO_LOCK_WAITS.reset(token)


def is_lock_wait(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised from, SQLite refusing a lock that
    :func:`without_lock_waits` did not wait for ("database is locked")."""
    seen: BaseException | None = exc
    while seen is not None:
        error = seen.orig if isinstance(seen, OperationalError) else seen
        if isinstance(error, sqlite3.OperationalError):
            code = getattr(error, "sqlite_errorcode", None)
            return isinstance(code, int) and code & 0xFF in _SQLITE_BUSY
        seen = seen.__cause__ or seen.__context__
    return False


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``, preparing SQLite files and pragmas."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _sqlite_lock_waits)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    record.info["busy_timeout"] = SQLITE_BUSY_TIMEOUT_MS


def _sqlite_lock_waits(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Set the connection's busy timeout for this checkout (see :func:`without_lock_waits`)."""
    wanted = 0 if _NO_LOCK_WAITS.get() else SQLITE_BUSY_TIMEOUT_MS
    if record.info.get("busy_timeout") != wanted:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={wanted}")
        cursor.close()
        record.info["busy_timeout"] = wanted


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` (no alembic.ini needed)."""
    config = _config()
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert migrations down to ``revision`` (``base`` for an empty database)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has none."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version."""
    return ScriptDirectory.from_config(_config()).get_current_head()
