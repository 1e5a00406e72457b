"""The Discord bot: a discord.py client with the App injected, and :func:`serve`.

Intents are minimal (guilds only: no members, presences or message content); every
feature works through interactions. Slash commands are synced at start-up; buttons,
selects and modals are routed by ``custom_id`` from :meth:`InterviewBot.on_interaction`
(nothing kept in memory), so they keep working after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord

from interviewprep.adapters.discord import commands, components
from interviewprep.adapters.discord.flows import Flows
from interviewprep.adapters.discord.reply import NO_MENTIONS
from interviewprep.adapters.discord.respond import DB_WORKERS, DEFER_AFTER, SQLITE_WORKERS, Host
from interviewprep.adapters.discord.sender import DiscordSender
from interviewprep.app import App
from interviewprep.config import ConfigError

if TYPE_CHECKING:
    from interviewprep.delivery.engine import DeliveryEngine

logger = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0
TOKEN_VARIABLE = "INTERVIEWPREP_DISCORD_TOKEN"


def intents() -> discord.Intents:
    """Guilds only: channels, roles and threads for posting; no privileged intents."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


class InterviewBot(Host):
    """The interviewprep Discord bot over one :class:`App`.

    Args:
        app: the application (services, bank, settings).
        sync_commands: sync the command tree at start-up (global commands).
        defer_after: seconds of handler work before an interaction is deferred.
        db_workers: threads for handlers that may write; default one on SQLite (its
            single writer), :data:`DB_WORKERS` on PostgreSQL.
        options: passed to :class:`discord.Client` (tests lower ``guild_ready_timeout``).
    """

    def __init__(
        self,
        app: App,
        *,
        sync_commands: bool = True,
        defer_after: float = DEFER_AFTER,
        db_workers: int | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("max_ratelimit_timeout", 30.0)
        sqlite = app.engine.dialect.name == "sqlite"
        if db_workers is None:
            db_workers = SQLITE_WORKERS if sqlite else DB_WORKERS
        super().__init__(
            intents=intents(), allowed_mentions=NO_MENTIONS, db_workers=db_workers, **options
        )
        self.app = app
        self.flows = Flows(app)
        self.inline_reads = sqlite
        self.defer_after = defer_after
        self.sync_commands = sync_commands
        self.tree = commands.Tree(self)
        commands.install(self.tree)

    async def setup_hook(self) -> None:
        """Sync the slash commands."""
        if self.sync_commands:
            synced = await self.tree.sync()
            logger.info("synced %d slash commands", len(synced))

    async def on_ready(self) -> None:
        """Log the connection (never the token)."""
        logger.info("connected to Discord as %s in %d server(s)", self.user, len(self.guilds))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: its daily question stops at the next delivery."""
        logger.info("removed from guild %s", guild.id)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Route buttons, selects and modals by custom_id (slash commands go to the tree)."""
        if interaction.type is discord.InteractionType.component:
            await components.on_component(interaction)
        elif interaction.type is discord.InteractionType.modal_submit:
            await components.on_modal_submit(interaction)

    async def shutdown(self, grace: float = DRAIN_SECONDS) -> None:
        """Stop taking interactions, finish those in hand, then disconnect."""
        if not await self.drained(grace):
            logger.warning("shutting down with interactions still in hand")
        await self.close()


async def serve(
    app: App,
    engine: DeliveryEngine,
    stop: asyncio.Event,
    **options: Any,
) -> None:
    """Run the Discord bot until ``stop`` is set, delivering through ``engine``.

    Builds the client from ``app.settings`` (``INTERVIEWPREP_DISCORD_TOKEN``), registers
    the Discord sender with the engine, and on stop finishes the interactions in hand
    (no half-processed answer) before disconnecting.

    Args:
        app: the application.
        engine: the delivery engine (the runner ticks it; the bot never schedules).
        stop: set it to shut down.
        options: passed to :class:`InterviewBot` (tests lower timeouts).

    Raises:
        ConfigError: no token configured, or Discord refused it (one line naming the
            variable; the token itself is never logged).
    """
    token = app.settings.discord_token
    if token is None or not token.get_secret_value().strip():
        raise ConfigError(f"{TOKEN_VARIABLE} is not set (needed by `run discord`)")
    bot = InterviewBot(app, **options)
    engine.register(DiscordSender(bot))
    async with bot:
        runner = asyncio.create_task(bot.start(token.get_secret_value().strip()))
        stopper = asyncio.create_task(stop.wait())
        try:
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                try:
                    runner.result()  # a login failure or a fatal gateway error
                except discord.LoginFailure:
                    raise ConfigError(
                        f"{TOKEN_VARIABLE}: Discord refused the token (check it in the "
                        "Developer Portal, Bot tab)"
                    ) from None
                return
            logger.info("stopping the Discord bot")
            await bot.shutdown()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        finally:
            for task in (runner, stopper):
                if not task.done():
                    task.cancel()
            if not bot.is_closed():
                await bot.close()
