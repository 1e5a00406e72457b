"""Shared set-up for the benchmarks (run by hand; results go in the README)."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from interviewprep.storage import db
from interviewprep.storage.tables import Delivery, Recipient


def database_argument(parser: argparse.ArgumentParser) -> None:
    """``--database-url``: default is a fresh SQLite file in a temporary folder."""
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL to benchmark against (default: a fresh SQLite file)",
    )


def fresh_engine(
    url: str | None, schema: str | None = None, revision: str = "head"
) -> tuple[Engine, str, Callable[[], None]]:
    """A database migrated to ``revision``, empty, a label for the report, and a
    clean-up function.

    PostgreSQL runs get a schema of their own (``schema``, default ``bench_<pid>``),
    dropped afterwards; other processes reach it with :func:`schema_engine`.
    """
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="interviewprep-bench-"))
        engine = db.make_engine(f"sqlite:///{folder / 'bench.db'}")
        db.upgrade(engine, revision)
        return engine, "SQLite (file, WAL)", engine.dispose
    schema = schema or f"bench_{os.getpid()}"
    admin = db.make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = schema_engine(url, schema)
    db.upgrade(engine, revision)

    def cleanup() -> None:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return engine, "PostgreSQL", cleanup


def schema_engine(url: str, schema: str) -> Engine:
    """An engine on an existing PostgreSQL schema (made by :func:`fresh_engine`)."""
    return db.make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def record_group_post(
    engine: Engine, group_id: int, day: date, question_id: str, message_id: str, now: datetime
) -> None:
    """Store a group's daily question as sent in ``message_id`` (what the engine records)."""
    with Session(engine) as session:
        recipient = session.exec(select(Recipient).where(Recipient.group_id == group_id)).one()
        assert recipient.id is not None
        session.add(
            Delivery(
                recipient_id=recipient.id,
                local_date=day,
                kind="daily",
                status="sent",
                question_id=question_id,
                message_id=message_id,
                claimed_at=now,
                lease_until=now,
                sent_at=now,
            )
        )
        session.commit()


def serve_on_loopback(app: web.Application, port_pipe: Any) -> None:
    """Serve ``app`` on 127.0.0.1 (a free port, sent through ``port_pipe``) until killed.

    The body of the benchmarks' fake Bot API processes.
    """

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port_pipe.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


async def receive(conn: Any) -> Any:
    """The next object from a ``multiprocessing`` connection, waiting on the event loop
    (the loop's selector watches the pipe: no thread, the loop keeps serving meanwhile)."""
    if not conn.poll():
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(conn.fileno(), wake)
        try:
            await readable
        finally:
            loop.remove_reader(conn.fileno())
    return conn.recv()
