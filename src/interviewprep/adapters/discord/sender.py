"""Delivery to Discord: the daily group post with its thread, DMs, reminders.

The engine decides when and what; this sender renders and sends, and turns Discord's
answers into the engine's signals:

* 429 (a rate limit discord.py will not sit out) -> :class:`RetryLater`;
* unknown channel, the bot removed from the server, DMs closed -> :class:`RecipientGone`;
* missing permissions (cannot post, cannot create the thread) -> :class:`RecipientPaused`,
  and the server's admins are told what to grant (in the channel when the bot can still
  post there, otherwise by DM to the server owner).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from interviewprep.adapters.discord import ids, render
from interviewprep.adapters.discord.ids import Ctx
from interviewprep.adapters.discord.reply import NO_MENTIONS, Button, build_view, clip
from interviewprep.delivery.messages import (
    DailyQuestion,
    GroupQuestion,
    Outgoing,
    RateLimits,
    RecipientGone,
    RecipientPaused,
    Reminder,
    RetryLater,
)

logger = logging.getLogger(__name__)

# Discord error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes)
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_USER = 10013
MISSING_ACCESS = 50001
CANNOT_DM = 50007
MISSING_PERMISSIONS = 50013
READY_WAIT = 30.0


class DiscordSender:
    """The engine's sender for Discord (``platform = "discord"``)."""

    platform = "discord"
    # Discord allows about 50 requests/s per bot and 5 messages per 5 s per channel; a
    # group post is two requests (message + thread).
    limits = RateLimits(per_second=20.0, per_chat_interval=1.0)

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def send(self, message: Outgoing) -> str | None:
        """Render and send one delivery; returns the Discord message id.

        Raises:
            RetryLater, RecipientGone, RecipientPaused: see the module docstring.
        """
        await self._ready()
        try:
            if isinstance(message, GroupQuestion):
                return await self._group(message)
            if isinstance(message, DailyQuestion):
                return await self._daily(message)
            return await self._reminder(message)
        except discord.RateLimited as exc:
            raise RetryLater(exc.retry_after) from None
        except discord.HTTPException as exc:
            raise self._translate(exc, message.address.chat_id) from None

    async def _ready(self) -> None:
        if self.client.is_ready():
            return
        try:
            await asyncio.wait_for(self.client.wait_until_ready(), READY_WAIT)
        except TimeoutError:
            raise RetryLater(READY_WAIT) from None

    # ---------------------------------------------------------------- groups

    async def _group(self, message: GroupQuestion) -> str:
        channel = self.client.get_partial_messageable(int(message.address.chat_id))
        content, mentions = "", NO_MENTIONS
        if message.role_id:
            content = f"<@&{message.role_id}>"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(int(message.role_id))]
            )
        view = build_view(
            [
                [
                    Button(
                        ids.answer(message.group_id, message.local_date, message.question_id),
                        "Answer",
                        "primary",
                    )
                ]
            ]
        )
        try:
            posted = await channel.send(
                content or None, embed=group_embed(message), view=view, allowed_mentions=mentions
            )
        except discord.HTTPException as exc:
            if exc.status == 403 and exc.code == MISSING_PERMISSIONS:
                await self._tell_owner(
                    message.address.chat_id,
                    "I can't post the daily question in <#{channel}>: please grant me "
                    "**View Channel, Send Messages, Embed Links, Create Public Threads** and "
                    "**Send Messages in Threads** there, then run `/resume`.",
                )
            raise
        try:
            await self.client.http.start_thread_with_message(
                channel.id,
                posted.id,
                name=clip(
                    f"Daily question {render.day_label(message.local_date)} · discussion", 100
                ),
                auto_archive_duration=1440,
            )
        except discord.Forbidden as exc:
            logger.warning("no thread for group %s: %s", message.group_id, exc.code)
            await self._say(
                channel,
                "⚠️ I could not open a discussion thread for this question. A server admin "
                "should grant me **Create Public Threads** and **Send Messages in Threads** in "
                "this channel, then run `/resume`; daily questions are paused until then.",
            )
            raise RecipientPaused("cannot create threads in the channel") from None
        return str(posted.id)

    async def _say(self, channel: discord.abc.Messageable, text: str) -> None:
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            logger.warning("could not post a notice: %s %s", exc.status, exc.code)

    async def _tell_owner(self, channel_id: str, template: str) -> None:
        """DM the owner of the server the channel belongs to (best effort)."""
        channel = self.client.get_channel(int(channel_id))
        guild = getattr(channel, "guild", None)
        owner_id = getattr(guild, "owner_id", None)
        if owner_id is None:
            return
        try:
            dm = await self.client.create_dm(discord.Object(owner_id))
            await dm.send(template.format(channel=channel_id), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            logger.info("could not tell the owner of guild %s: %s", guild and guild.id, exc.code)

    # ------------------------------------------------------------------- DMs

    async def _dm(self, user_id: str) -> discord.DMChannel:
        return await self.client.create_dm(discord.Object(int(user_id)))

    async def _daily(self, message: DailyQuestion) -> str:
        view_data = message.question
        channel = await self._dm(message.address.chat_id)
        rows = render.answer_controls(view_data, Ctx())
        streak = f"Your streak: {message.streak} day(s). " if message.streak else ""
        sent = await channel.send(
            f"{streak}Your daily question is here.",
            embed=render.question_embed(view_data, "Daily question"),
            view=build_view(rows),
            allowed_mentions=NO_MENTIONS,
        )
        return str(sent.id)

    async def _reminder(self, message: Reminder) -> str:
        channel = await self._dm(message.address.chat_id)
        left = max(message.daily_goal - message.answered_today, 1)
        if message.restorable:
            stake = f"Answer {left} today to restore your {message.restorable}-day streak"
        elif message.streak:
            stake = f"Your {message.streak}-day streak ends in about {message.hours_left} hour(s)"
        else:
            stake = f"Your day ends in about {message.hours_left} hour(s)"
        sent = await channel.send(
            f"⏰ {stake}: {left} question(s) to go today.",
            view=build_view(
                [[Button(ids.next_question(Ctx(remaining=left - 1)), "Practice now", "primary")]]
            ),
            allowed_mentions=NO_MENTIONS,
        )
        return str(sent.id)

    # ---------------------------------------------------------------- errors

    def _translate(self, exc: discord.HTTPException, chat_id: str) -> Exception:
        status, code = exc.status, exc.code
        if status == 429:
            return RetryLater(_retry_after(exc))
        if status == 404 or code in (UNKNOWN_CHANNEL, UNKNOWN_GUILD, UNKNOWN_USER):
            return RecipientGone(f"unknown channel or user ({code})")
        if code == CANNOT_DM:
            return RecipientGone("the member does not accept DMs from the bot")
        if code == MISSING_ACCESS:
            if self._visible(chat_id):
                return RecipientPaused("missing access to the channel (View Channel)")
            return RecipientGone("the bot is no longer in the server")
        if status == 403:
            return RecipientPaused(f"missing permissions ({code})")
        if status >= 500:
            return RetryLater(60.0)
        return exc

    def _visible(self, chat_id: str) -> bool:
        """Whether the bot still sees a channel (False once removed from its server)."""
        return self.client.get_channel(int(chat_id)) is not None


def _retry_after(exc: discord.HTTPException) -> float:
    headers: Any = getattr(exc.response, "headers", {}) or {}
    try:
        return float(headers.get("Retry-After", 5.0))
    except (TypeError, ValueError):
        return 5.0


def group_embed(message: GroupQuestion) -> discord.Embed:
    """The daily group post: prompt, options, streak, yesterday's answerers."""
    embed = discord.Embed(
        title=clip(f"Daily question · {render.day_label(message.local_date)}", 256),
        description=clip(message.prompt, 3500),
        colour=render.BLUE,
    )
    if message.options:
        lines = [f"**{i + 1}.** {option}" for i, option in enumerate(message.options)]
        embed.add_field(name="Options", value=clip("\n".join(lines), 1024), inline=False)
    if message.yesterday:
        names = ", ".join(render.name(n) for n in message.yesterday[:20])
        embed.add_field(name="Answered yesterday", value=clip(names, 1024), inline=False)
    embed.set_footer(
        text=(
            f"{', '.join(message.topics)} · {message.level} · server streak "
            f"{message.group_streak} day(s) · press Answer: your result is private"
        )
    )
    return embed
