"""The one way the bot answers an interaction: :func:`respond`.

Discord drops an interaction that is not acknowledged within 3 seconds, and refuses a
second acknowledgement. :func:`respond` runs the handler's database work in a worker
thread; if it is not done within :attr:`Host.defer_after` seconds the interaction is
deferred first (a "thinking" state, or a deferred update for buttons) and the answer
follows as a followup or an edit. Fast work (the usual case) is answered with a single
request. Service errors become their user-facing sentence, anything else a short
apology (and a log line); every interaction gets exactly one answer.

Read-only handlers (``read=``) run on the event loop itself when the database is a
SQLite file (:attr:`Host.inline_reads`): in WAL mode a read never waits for a lock, so it
costs only its CPU time, while a hop to a worker thread costs a GIL hand-off each way
(the loop thread then waits for the GIL on every socket call while workers run). On
PostgreSQL every call may wait on the network, so everything runs on the worker threads.

Short writes (``short=``: the *Answer* click of a choice question, a pick of an option,
a rating, *Skip*, *Hint*, ``/practice`` and its *Next* button; one transaction, no slow
grading: asking plans over the bank, about 1 ms; with the offline grader, open answers
too) also run on the loop on SQLite, inside
:func:`interviewprep.storage.db.without_lock_waits`: when another connection holds the
write lock, SQLite refuses at once instead of sleeping in its busy handler, the unit of
work rolls back, and the same work runs on the database thread, which may wait. The loop
therefore never waits for a lock, and in the usual case an answer costs no thread
hand-off: with the work on a thread, the loop and the thread passed the GIL back and
forth around every statement (about 12 context switches per interaction), which cost
more CPU than the work itself (see the README's "Discord throughput").

On SQLite the other handlers (which may write) run on ONE database thread
(:data:`SQLITE_WORKERS`): SQLite has a single writer, and with several threads the
writers queued in its busy handler, which sleeps 1, 2, 5, 10... ms between retries;
the Python work around the statements is serialised by the GIL either way. On
PostgreSQL, where writers wait on row locks and the network, :data:`DB_WORKERS` threads
share the work.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import discord

from interviewprep.adapters.discord.flows import Actor, Flows
from interviewprep.adapters.discord.reply import (
    NO_MENTIONS,
    Announcement,
    Reply,
    build_modal,
    build_view,
    text,
)
from interviewprep.services.errors import PracticeError
from interviewprep.storage.db import is_lock_wait, without_lock_waits

logger = logging.getLogger(__name__)

SORRY = "Something went wrong on my side; please try again in a moment."
DEFER_AFTER = 1.5  # seconds of work before an interaction is deferred (Discord allows 3)
DB_WORKERS = 4  # threads running service calls (the services are synchronous)
SQLITE_WORKERS = 1  # SQLite: one writer thread, no queueing in the busy handler

Work = Callable[[], Reply]
ReadWork = Callable[[], Reply | None]  # None: it needs to write after all (run ``work``)


class Host(discord.Client):
    """The parts of the bot that handlers need: the flows, per-user locks, in-flight count."""

    flows: Flows
    defer_after: float = DEFER_AFTER
    inline_reads: bool = False  # run read-only handlers on the loop (SQLite: see above)

    def __init__(self, *args: Any, db_workers: int = DB_WORKERS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._locks: dict[int, asyncio.Lock] = {}
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.db_workers = db_workers
        self._db = ThreadPoolExecutor(db_workers, thread_name_prefix="interviewprep-discord")

    async def in_thread(self, work: Work) -> Reply:
        """Run synchronous service work on the bot's database threads."""
        return await asyncio.get_running_loop().run_in_executor(self._db, work)

    async def close(self) -> None:
        """Disconnect, then let the database threads finish."""
        await super().close()
        self._db.shutdown(wait=False)

    def busy(self, user_id: int) -> bool:
        """Whether an earlier interaction of this user is still being handled."""
        lock = self._locks.get(user_id)
        return lock is not None and lock.locked()

    def user_lock(self, user_id: int) -> asyncio.Lock:
        """One lock per user: a double click is handled after the first click, not beside it."""
        lock = self._locks.get(user_id)
        if lock is None:
            if len(self._locks) > 10_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    def begin(self) -> None:
        """An interaction is being handled."""
        self._inflight += 1
        self._idle.clear()

    def end(self) -> None:
        """An interaction was answered."""
        self._inflight -= 1
        if self._inflight <= 0:
            self._inflight = 0
            self._idle.set()

    async def drained(self, grace: float) -> bool:
        """Wait until no interaction is in hand; False if some were still running."""
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            return False
        return True

    async def announce(self, announcement: Announcement) -> None:
        """Post a message (milestone, shared answer) without pinging anyone."""
        channel = self.get_partial_messageable(announcement.channel_id)
        try:
            await channel.send(announcement.content, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            logger.warning(
                "could not post in channel %s: %s %s",
                announcement.channel_id,
                exc.status,
                exc.code,
            )


def host_of(interaction: discord.Interaction[Any]) -> Host:
    """The bot that received the interaction."""
    client = interaction.client
    assert isinstance(client, Host)
    return client


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    """Who interacted and where, as plain strings."""
    user = interaction.user
    guild = interaction.guild
    return Actor(
        user_id=str(user.id),
        name=user.display_name,
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        guild_name=guild.name if guild is not None else "",
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
    )


def _failure(exc: Exception) -> Reply:
    """The reply explaining a failed handler (call inside ``except``: it logs the traceback)."""
    if isinstance(exc, PracticeError):
        reply = text(str(exc))
    else:
        logger.exception("interaction handler failed")
        reply = text(SORRY)
    reply.error = True
    return reply


def _without_waiting(work: Work) -> ReadWork:
    """``work`` as a loop-side attempt: None (run it on the database thread) when SQLite
    would have to wait for another connection's write lock."""

    def attempt() -> Reply | None:
        try:
            with without_lock_waits():
                return work()
        except Exception as exc:
            if is_lock_wait(exc):
                return None  # rolled back by its unit of work; the thread may wait
            raise

    return attempt


def _attempt(work: ReadWork) -> Reply | None:
    """Run synchronous work, turning errors into the reply that explains them."""
    try:
        return work()
    except Exception as exc:
        return _failure(exc)


async def _run(host: Host, user_id: int, work: Work, read: ReadWork | None) -> Reply:
    async with host.user_lock(user_id):
        if read is not None:
            reply = _attempt(read)
            if reply is not None:
                return reply
        try:
            return await host.in_thread(work)
        except Exception as exc:
            return _failure(exc)


async def respond(
    interaction: discord.Interaction[Any],
    work: Work,
    *,
    update: bool = False,
    ephemeral: bool = True,
    inline: bool = False,
    read: ReadWork | None = None,
    short: bool = False,
) -> None:
    """Run ``work`` and answer the interaction exactly once.

    Args:
        interaction: the interaction to answer.
        work: synchronous handler (runs in a worker thread) returning the reply.
        update: a component interaction whose message is edited with the reply (results,
            ratings); error sentences still come as a new ephemeral message.
        ephemeral: whether a deferred answer is private (a reply decides for itself when
            the work is fast enough not to need a deferral).
        inline: ``work`` touches no database (help texts, refusals): run it on the loop.
        read: a read-only version of ``work``, run on the loop when
            :attr:`Host.inline_reads` is set; when it returns None (e.g. the member must be
            enrolled first), ``work`` runs on a worker thread.
        short: ``work`` is a short write (one transaction, no slow grading): when
            :attr:`Host.inline_reads` is set it runs on the loop without waiting for
            SQLite's write lock, and on a worker thread when the lock is taken.
    """
    host = host_of(interaction)
    if short and read is None:
        read = _without_waiting(work)
    host.begin()
    try:
        user_id = interaction.user.id
        quick = work if inline else read if host.inline_reads else None
        reply: Reply | None = None
        deferred = False
        if quick is not None and not host.busy(user_id):
            # runs to the end without yielding to the loop: nothing of this user's can
            # interleave, so no lock, task or deferral timer is needed
            reply = _attempt(quick)
        if reply is None:
            retry = quick if quick is not None and host.busy(user_id) else None
            task = asyncio.ensure_future(_run(host, user_id, work, retry))
            try:
                reply = await asyncio.wait_for(asyncio.shield(task), host.defer_after)
            except TimeoutError:
                deferred = await _defer(interaction, update, ephemeral)
                reply = await task
        await _deliver(interaction, reply, deferred=deferred, update=update)
        for announcement in reply.announce:
            await host.announce(announcement)
    except discord.HTTPException as exc:
        logger.warning("could not answer an interaction: %s %s", exc.status, exc.code)
    finally:
        host.end()


async def _defer(interaction: discord.Interaction[Any], update: bool, ephemeral: bool) -> bool:
    if interaction.response.is_done():
        return True
    if update:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return True


def _edits(reply: Reply, update: bool) -> bool:
    """Whether an update-mode reply edits the message (results) or comes as a new one."""
    return update and not reply.error and bool(reply.embeds or reply.rows or reply.keep_embeds)


async def _deliver(
    interaction: discord.Interaction[Any], reply: Reply, *, deferred: bool, update: bool
) -> None:
    response = interaction.response
    if reply.modal is not None and not deferred and not response.is_done():
        await response.send_modal(build_modal(reply.modal))
        return
    edit = _edits(reply, update)
    view = build_view(reply.rows) if reply.rows else None
    if edit:
        embeds: dict[str, Any] = {} if reply.keep_embeds else {"embeds": reply.embeds}
        if not response.is_done():
            await response.edit_message(
                content=reply.content or None,
                view=view,
                allowed_mentions=NO_MENTIONS,
                **embeds,
            )
        else:
            await interaction.edit_original_response(
                content=reply.content or None,
                view=view,
                allowed_mentions=NO_MENTIONS,
                **embeds,
            )
        return
    file = discord.File(io.BytesIO(reply.file[1]), filename=reply.file[0]) if reply.file else None
    options: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if reply.embeds:
        options["embeds"] = reply.embeds
    if view is not None:
        options["view"] = view
    if file is not None:
        options["file"] = file
    private = reply.ephemeral or reply.error
    if not response.is_done():
        await response.send_message(reply.content or None, ephemeral=private, **options)
    else:
        await interaction.followup.send(reply.content or "", ephemeral=private, **options)
