"""The slash commands: an application command tree synced at start-up.

Every command answers through :func:`respond`. Admin commands (``/setup``, ``/pause``,
``/resume``) are marked ``extras={"admin": True}``, hidden from members by default
(Manage Server) and checked again in :meth:`Tree.interaction_check`, because server
admins can change who sees a command.
"""

from __future__ import annotations

import logging
from typing import Any, Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands

from interviewprep.adapters.discord import render
from interviewprep.adapters.discord.flows import ChannelCheck
from interviewprep.adapters.discord.reply import Reply, text
from interviewprep.adapters.discord.respond import Host, actor_of, host_of, respond

logger = logging.getLogger(__name__)

ADMIN_ONLY = (
    "Only server admins (the **Manage Server** permission) can change the daily question. "
    "Ask an admin, or try `/practice`, `/today` and `/leaderboard`."
)
SERVER_ONLY = "That command only works in a server."
_ZONES = sorted(available_timezones())

# What the bot needs in the daily-question channel, and what Discord calls it.
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("create_public_threads", "Create Public Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
)


class Tree(app_commands.CommandTree[Host]):
    """The command tree; its check refuses admin commands to members, with a reason."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Admin commands need Manage Server; everyone else gets a clear private message."""
        # the top-level command by name: a dict lookup (interaction.command would resolve
        # the options a second time on every interaction)
        data: Any = interaction.data or {}
        extras: dict[Any, Any] = {}
        root = self.get_command(str(data.get("name", ""))) if data.get("type", 1) == 1 else None
        if root is not None:
            extras = root.extras
        elif isinstance(command := interaction.command, app_commands.Command):
            extras = (command.root_parent or command).extras
        elif command is not None:
            extras = command.extras
        if not extras.get("admin"):
            return True
        if interaction.guild_id is None:
            await respond(interaction, lambda: text(SERVER_ONLY), inline=True)
            return False
        if not interaction.permissions.manage_guild:
            await respond(interaction, lambda: text(ADMIN_ONLY), inline=True)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        """Log, and answer the interaction if nothing answered it yet."""
        if isinstance(error, app_commands.CheckFailure):
            return
        logger.error("command failed: %s", type(error).__name__, exc_info=error)
        if not interaction.response.is_done():
            await respond(interaction, lambda: text("Something went wrong; please try again."))


def channel_check(guild: discord.Guild | None, channel_id: int, mention: str) -> ChannelCheck:
    """What the bot is missing in a channel (from the cached overwrites and roles)."""
    missing: tuple[str, ...] = ()
    channel = guild.get_channel(channel_id) if guild is not None else None
    if guild is not None and channel is not None:
        permissions = channel.permissions_for(guild.me)
        missing = tuple(label for attr, label in NEEDED if not getattr(permissions, attr))
    return ChannelCheck(str(channel_id), mention, missing)


async def topic_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Topics from the bank that contain what was typed so far."""
    topics = host_of(interaction).flows.app.bank.topics
    typed = current.lower().split(",")[-1].strip()
    prefix = ",".join(current.split(",")[:-1])
    found = [t for t in sorted(topics) if typed in t][:25]
    return [
        app_commands.Choice(
            name=f"{prefix},{t}" if prefix else t, value=f"{prefix},{t}" if prefix else t
        )
        for t in found
    ]


async def zone_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """IANA time zones that contain what was typed so far."""
    typed = current.lower().replace(" ", "_")
    return [app_commands.Choice(name=z, value=z) for z in _ZONES if typed in z.lower()][:25]


def _everywhere(command: Any) -> Any:
    """Usable in servers and in DMs with the bot."""
    command = app_commands.allowed_installs(guilds=True, users=False)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=False)(command)


def install(tree: Tree) -> None:
    """Add every command to ``tree``."""

    @tree.command(name="practice", description="Practise questions from your own review queue")
    @app_commands.describe(
        topic="Only this topic, e.g. sql or http (default: your topics)",
        count="How many questions in a row (1-20, default 1)",
    )
    @app_commands.autocomplete(topic=topic_autocomplete)
    async def practice(
        interaction: discord.Interaction[Any],
        topic: str | None = None,
        count: app_commands.Range[int, 1, 20] = 1,
    ) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        wanted = topic.strip().lower() if topic else None
        # one transaction after ~1 ms of planning: on the loop, as the picks (see respond)
        await respond(interaction, lambda: flows.practice(actor, wanted, count), short=True)

    @tree.command(name="today", description="Today's daily question (yours, and the server's)")
    async def today(interaction: discord.Interaction[Any]) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(interaction, lambda: flows.today(actor), read=lambda: flows.today_read(actor))

    @tree.command(name="streak", description="Your streak, and this server's streak")
    async def streak(interaction: discord.Interaction[Any]) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(
            interaction, lambda: flows.streak(actor), read=lambda: flows.streak_read(actor)
        )

    @tree.command(name="stats", description="Your accuracy, recall per topic and what is due")
    async def stats(interaction: discord.Interaction[Any]) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(interaction, lambda: flows.stats(actor), read=lambda: flows.stats_read(actor))

    @tree.command(name="leaderboard", description="This server's leaderboard")
    @app_commands.describe(period="week (default), month or all time")
    @app_commands.guild_only()
    async def leaderboard(
        interaction: discord.Interaction[Any], period: Literal["week", "month", "all"] = "week"
    ) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        work = lambda: flows.leaderboard(actor, period)  # noqa: E731
        await respond(interaction, work, ephemeral=False, read=work)

    @tree.command(name="settings", description="Show or change your personal settings")
    @app_commands.describe(
        timezone="Your time zone, e.g. Europe/Berlin (your day and streak follow it)",
        time="When your daily question arrives by DM, HH:MM (24-hour)",
        level="The hardest questions you want: junior, mid or senior",
        topics="Topics to practise, comma-separated (e.g. sql,http); 'all' for every topic",
        new_per_day="New questions per day (0-50)",
        dm_reminders="Get your daily question and streak reminders by DM",
        leaderboard="Show me on this server's leaderboard",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete, topics=topic_autocomplete)
    async def settings(
        interaction: discord.Interaction[Any],
        timezone: str | None = None,
        time: str | None = None,
        level: Literal["junior", "mid", "senior"] | None = None,
        topics: str | None = None,
        new_per_day: app_commands.Range[int, 0, 50] | None = None,
        dm_reminders: bool | None = None,
        leaderboard: bool | None = None,
    ) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        changes: dict[str, Any] = {}
        if timezone is not None:
            changes["timezone"] = timezone.strip()
        if time is not None:
            changes["delivery_time"] = time.strip()
        if level is not None:
            changes["level"] = level
        if topics is not None:
            wanted = [t.strip().lower() for t in topics.split(",") if t.strip()]
            changes["topics"] = [] if wanted == ["all"] else wanted
        if new_per_day is not None:
            changes["new_per_day"] = new_per_day
        extras: dict[str, bool] = {}
        if dm_reminders is not None:
            extras["dm"] = dm_reminders
            changes["reminders"] = dm_reminders
        if leaderboard is not None:
            extras["leaderboard"] = leaderboard
        await respond(interaction, lambda: flows.settings(actor, changes, extras))

    @tree.command(name="report", description="Report a problem with a question")
    @app_commands.describe(
        message="What is wrong (e.g. option 2 is also right)",
        question="The question id (default: the last question you were asked)",
    )
    async def report(
        interaction: discord.Interaction[Any],
        message: app_commands.Range[str, 1, 1000],
        question: str | None = None,
    ) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(interaction, lambda: flows.report(actor, message, question))

    @tree.command(name="export", description="Everything stored about you, as a JSON file")
    async def export(interaction: discord.Interaction[Any]) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(interaction, lambda: flows.export(actor))

    @tree.command(name="forget", description="Delete everything stored about you")
    async def forget(interaction: discord.Interaction[Any]) -> None:
        flows = host_of(interaction).flows
        await respond(interaction, flows.forget_prompt, inline=True)

    @tree.command(name="link", description="Link your Telegram account (make or use a code)")
    @app_commands.describe(code="A code made with /link on the other platform (omit to make one)")
    async def link(interaction: discord.Interaction[Any], code: str | None = None) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(interaction, lambda: flows.link(actor, code))

    @tree.command(name="help", description="What the bot can do")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await respond(interaction, lambda: Reply(content=render.HELP), inline=True)

    for command in (practice, today, streak, stats, settings, report, export, forget, link, help_):
        _everywhere(command)

    # ------------------------------------------------------------ admin commands

    setup = app_commands.Group(
        name="setup",
        description="Set up this server's daily question (Manage Server)",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        default_permissions=discord.Permissions(manage_guild=True),
        extras={"admin": True},
    )

    @setup.command(name="channel", description="Where and when the daily question is posted")
    @app_commands.describe(
        channel="The channel for the daily question (a thread is made for each one)",
        time="Time of day to post, HH:MM (24-hour)",
        timezone="The server's time zone, e.g. Europe/Berlin",
        packs="Topics, comma-separated (e.g. sql,http; default: all topics)",
        level="The hardest questions to ask: junior, mid (default) or senior",
    )
    @app_commands.autocomplete(timezone=zone_autocomplete, packs=topic_autocomplete)
    async def setup_channel(
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        packs: str | None = None,
        level: Literal["junior", "mid", "senior"] = "mid",
    ) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        check = channel_check(interaction.guild, channel.id, channel.mention)
        chosen = packs.lower() if packs else None
        await respond(
            interaction,
            lambda: flows.setup_channel(
                actor, check, time.strip(), timezone.strip(), chosen, level
            ),
        )

    @setup.command(name="role", description="A role to ping with the daily question")
    @app_commands.describe(role="The role to ping (omit to ping nobody)")
    async def setup_role(
        interaction: discord.Interaction[Any], role: discord.Role | None = None
    ) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        role_id = str(role.id) if role is not None else None
        mention = role.mention if role is not None else ""
        await respond(interaction, lambda: flows.setup_role(actor, role_id, mention))

    @setup.command(name="leaderboard", description="Turn the server leaderboard on or off")
    @app_commands.describe(state="on or off")
    async def setup_leaderboard(
        interaction: discord.Interaction[Any], state: Literal["on", "off"]
    ) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(interaction, lambda: flows.setup_leaderboard(actor, state == "on"))

    tree.add_command(setup)

    @tree.command(
        name="pause",
        description="Pause this server's daily question (Manage Server)",
        extras={"admin": True},
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def pause(interaction: discord.Interaction[Any]) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        await respond(interaction, lambda: flows.pause(actor))

    @tree.command(
        name="resume",
        description="Resume this server's daily question (Manage Server)",
        extras={"admin": True},
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def resume(interaction: discord.Interaction[Any]) -> None:
        actor, flows = actor_of(interaction), host_of(interaction).flows
        guild = interaction.guild

        def work() -> Reply:
            group = flows.group_here(actor)
            check = None
            if group is not None and guild is not None:
                check = channel_check(guild, int(group.channel_id), f"<#{group.channel_id}>")
            return flows.resume(actor, check)

        await respond(interaction, work)
