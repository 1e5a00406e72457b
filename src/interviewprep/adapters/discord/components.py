"""Persistent buttons and selects (:class:`discord.ui.DynamicItem`) and the answer modal.

Each class matches one ``custom_id`` template from :mod:`ids`; discord.py routes a
click to it by that template, so a button sent before a restart still works. The
classes only parse; :mod:`flows` verifies every id against the database.

Modal submits are routed by custom_id in :func:`on_modal_submit` (modals are sent
stopped, so none is kept in memory and a form opened before a restart still works).
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord.ui import DynamicItem

from interviewprep.adapters.discord import ids
from interviewprep.adapters.discord.ids import Ctx
from interviewprep.adapters.discord.reply import rows_of, text
from interviewprep.adapters.discord.respond import actor_of, host_of, respond

ButtonItem = discord.ui.Button[discord.ui.View]
SelectItem = discord.ui.Select[discord.ui.View]
INVALID = "This button is no longer valid; use the latest message or /today."


class _Dynamic(DynamicItem[ButtonItem], template=r"(?!x)x"):
    """A persistent button: keeps its custom_id match for the callback."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id, label="…"))
        match = self.template.fullmatch(custom_id)
        assert match is not None
        self.match: re.Match[str] = match

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> _Dynamic:
        return cls(match.string)

    def ctx(self) -> Ctx:
        """The ``<ctx>`` part of the custom_id."""
        return Ctx.decode(self.match["ctx"])

    def number(self, group: str) -> int:
        """A numeric part of the custom_id."""
        return int(self.match[group])


class AnswerButton(_Dynamic, template=ids.ANSWER):
    """Answer under a group's daily post: choice buttons privately, or the answer modal."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        group, day, question = self.number("group"), self.match["day"], self.match["question"]
        post = interaction.message.id if interaction.message else 0
        await respond(interaction, lambda: flows.answer_group(actor, group, day, question, post))


class PickButton(_Dynamic, template=ids.PICK):
    """One option of a single-choice or true/false question."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        attempt, option, ctx = self.number("attempt"), self.number("option"), self.ctx()
        await respond(interaction, lambda: flows.pick(actor, attempt, [option], ctx), update=True)


class WriteButton(_Dynamic, template=ids.WRITE):
    """Opens the answer modal of an open question."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        attempt, ctx = self.number("attempt"), self.ctx()
        await respond(interaction, lambda: flows.write(actor, attempt, ctx))


class SkipButton(_Dynamic, template=ids.SKIP):
    """Skip for today."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        attempt = self.number("attempt")
        await respond(interaction, lambda: flows.skip(actor, attempt))


class RevealButton(_Dynamic, template=ids.REVEAL):
    """Show the answer."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        attempt, ctx = self.number("attempt"), self.ctx()
        await respond(interaction, lambda: flows.reveal(actor, attempt, ctx), update=True)


class HintButton(_Dynamic, template=ids.HINT):
    """The next hint."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        attempt = self.number("attempt")
        await respond(interaction, lambda: flows.hint(actor, attempt))


class RateButton(_Dynamic, template=ids.RATE):
    """Again / Hard / Good / Easy."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        review, rating = self.number("review"), self.number("rating")
        rows = rows_of(interaction.message)
        await respond(interaction, lambda: flows.rate(actor, review, rating, rows), update=True)


class ShareButton(_Dynamic, template=ids.SHARE):
    """Share the answer in the thread, in spoilers."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        attempt, post = self.number("attempt"), self.number("post")
        rows = rows_of(interaction.message)
        await respond(interaction, lambda: flows.share(actor, attempt, post, rows), update=True)


class NextButton(_Dynamic, template=ids.NEXT):
    """The next question of a /practice run."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        ctx = self.ctx()
        await respond(interaction, lambda: flows.next_question(actor, ctx))


class ForgetButton(_Dynamic, template=ids.FORGET):
    """Confirm or cancel /forget."""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        confirm = self.match["choice"] == "yes"
        await respond(interaction, lambda: flows.forget(actor, confirm), update=True)


class MultiSelect(DynamicItem[SelectItem], template=ids.MULTI):
    """The options of a multiple-choice question."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Select(custom_id=custom_id, options=[]))
        match = self.template.fullmatch(custom_id)
        assert match is not None
        self.match: re.Match[str] = match

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MultiSelect:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        flows, actor = host_of(interaction).flows, actor_of(interaction)
        attempt, ctx = int(self.match["attempt"]), Ctx.decode(self.match["ctx"])
        values = [int(v) for v in self.item.values if v.isdigit() and len(v) <= 2]
        if not values:
            await respond(interaction, lambda: text("Choose at least one option."), inline=True)
            return
        await respond(interaction, lambda: flows.pick(actor, attempt, values, ctx), update=True)


DYNAMIC_ITEMS: tuple[type[DynamicItem[Any]], ...] = (
    AnswerButton,
    PickButton,
    WriteButton,
    SkipButton,
    RevealButton,
    HintButton,
    RateButton,
    ShareButton,
    NextButton,
    ForgetButton,
    MultiSelect,
)

_MODAL = re.compile(ids.MODAL)


def modal_text(data: Any, field_id: str = ids.ANSWER_FIELD) -> str | None:
    """The value of a text input in modal-submit data (Label or ActionRow wrapped)."""
    stack = list((data or {}).get("components") or [])
    while stack:
        component = stack.pop(0)
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == field_id and isinstance(component.get("value"), str):
            value: str = component["value"]
            return value
        stack.extend(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            stack.append(component["component"])
    return None


async def on_modal_submit(interaction: discord.Interaction[Any]) -> None:
    """Route a modal submit by its custom_id (answers to open questions)."""
    data: Any = interaction.data or {}
    custom_id = str(data.get("custom_id", ""))
    match = _MODAL.fullmatch(custom_id)
    answer = modal_text(data)
    if match is None or answer is None:
        await respond(
            interaction, lambda: text("That form is no longer valid; use /today."), inline=True
        )
        return
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt, ctx = int(match["attempt"]), Ctx.decode(match["ctx"])
    await respond(interaction, lambda: flows.submit(actor, attempt, answer, ctx))


async def on_unknown_component(interaction: discord.Interaction[Any]) -> None:
    """A component whose custom_id matches no template: a clear private answer."""
    await respond(interaction, lambda: text(INVALID), inline=True)
