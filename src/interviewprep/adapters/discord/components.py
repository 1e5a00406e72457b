"""Buttons, selects and the answer modal: routed by ``custom_id`` from ``on_interaction``.

Every component interaction reaches :func:`on_component`, which matches its
``custom_id`` against the templates in :mod:`ids` and calls the handler of the one that
matches; a modal submit reaches :func:`on_modal_submit`. Nothing is registered with
discord.py and no view is kept in memory, so a button or a form sent before a restart
still works. The handlers only parse; :mod:`flows` verifies every id against the
database.

Why not :class:`discord.ui.DynamicItem`: for every click discord.py rebuilds a whole
:class:`discord.ui.View` from the clicked message (one item per button of the
message), builds the item, and runs it in a task of its own beside the ``on_interaction``
task it starts anyway; routing the custom_id here does the same matching without those
objects (see the README's "Discord throughput").
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from interviewprep.adapters.discord import ids
from interviewprep.adapters.discord.ids import Ctx
from interviewprep.adapters.discord.reply import Reply, rows_of, text
from interviewprep.adapters.discord.respond import actor_of, host_of, respond

INVALID = "This button is no longer valid; use the latest message or /today."

Handler = Callable[[discord.Interaction[Any], re.Match[str]], Awaitable[None]]


async def _answer(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """Answer under a group's daily post: choice buttons privately, or the answer modal."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    group, day, question = int(match["group"]), match["day"], match["question"]
    post = interaction.message.id if interaction.message else 0
    # a choice question's click runs on the loop, as the pick that follows; an open
    # question's too when its modal submit is graded there (see Flows.answers_quickly):
    # measured, the click on the loop with the submit on the thread cost more CPU than both
    # on the thread
    short = flows.answers_quickly(question)
    await respond(
        interaction, lambda: flows.answer_group(actor, group, day, question, post), short=short
    )


async def _pick(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """One option of a single-choice or true/false question."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt, option, ctx = int(match["attempt"]), int(match["option"]), Ctx.decode(match["ctx"])
    await respond(
        interaction, lambda: flows.pick(actor, attempt, [option], ctx), update=True, short=True
    )


async def _multi(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """The options of a multiple-choice question (a select)."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt, ctx = int(match["attempt"]), Ctx.decode(match["ctx"])
    data: Any = interaction.data or {}
    chosen = data.get("values") or []
    values = [int(v) for v in chosen if isinstance(v, str) and v.isdigit() and len(v) <= 2]
    if not values:
        await respond(interaction, lambda: text("Choose at least one option."), inline=True)
        return
    await respond(
        interaction, lambda: flows.pick(actor, attempt, values, ctx), update=True, short=True
    )


async def _write(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """Opens the answer modal of an open question."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt, ctx = int(match["attempt"]), Ctx.decode(match["ctx"])

    def write() -> Reply:
        return flows.write(actor, attempt, ctx)

    await respond(interaction, write, read=write)  # a read: on the loop on SQLite


async def _skip(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """Skip for today."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt = int(match["attempt"])
    await respond(interaction, lambda: flows.skip(actor, attempt), short=True)


async def _reveal(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """Show the answer."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt, ctx = int(match["attempt"]), Ctx.decode(match["ctx"])
    await respond(interaction, lambda: flows.reveal(actor, attempt, ctx), update=True)


async def _hint(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """The next hint."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt = int(match["attempt"])
    await respond(interaction, lambda: flows.hint(actor, attempt), short=True)


async def _rate(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """Again / Hard / Good / Easy."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    review, rating = int(match["review"]), int(match["rating"])
    rows = rows_of(interaction.message)
    await respond(
        interaction, lambda: flows.rate(actor, review, rating, rows), update=True, short=True
    )


async def _share(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """Share the answer in the thread, in spoilers."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    attempt, post = int(match["attempt"]), int(match["post"])
    rows = rows_of(interaction.message)
    await respond(interaction, lambda: flows.share(actor, attempt, post, rows), update=True)


async def _next(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """The next question of a /practice run."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    ctx = Ctx.decode(match["ctx"])
    await respond(interaction, lambda: flows.next_question(actor, ctx), short=True)


async def _forget(interaction: discord.Interaction[Any], match: re.Match[str]) -> None:
    """Confirm or cancel /forget."""
    flows, actor = host_of(interaction).flows, actor_of(interaction)
    confirm = match["choice"] == "yes"
    await respond(interaction, lambda: flows.forget(actor, confirm), update=True)


# (component type, template, handler); the prefix after "ip:" picks the candidate
_ROUTES: dict[str, tuple[discord.ComponentType, re.Pattern[str], Handler]] = {
    "ans": (discord.ComponentType.button, re.compile(ids.ANSWER), _answer),
    "pick": (discord.ComponentType.button, re.compile(ids.PICK), _pick),
    "multi": (discord.ComponentType.select, re.compile(ids.MULTI), _multi),
    "write": (discord.ComponentType.button, re.compile(ids.WRITE), _write),
    "skip": (discord.ComponentType.button, re.compile(ids.SKIP), _skip),
    "reveal": (discord.ComponentType.button, re.compile(ids.REVEAL), _reveal),
    "hint": (discord.ComponentType.button, re.compile(ids.HINT), _hint),
    "rate": (discord.ComponentType.button, re.compile(ids.RATE), _rate),
    "share": (discord.ComponentType.button, re.compile(ids.SHARE), _share),
    "next": (discord.ComponentType.button, re.compile(ids.NEXT), _next),
    "forget": (discord.ComponentType.button, re.compile(ids.FORGET), _forget),
}


def route(component_type: int, custom_id: str) -> tuple[Handler, re.Match[str]] | None:
    """The handler of a clicked component and its parsed custom_id, or None (not ours)."""
    if not custom_id.startswith(ids.PREFIX):
        return None
    kind = custom_id[len(ids.PREFIX) :].partition(":")[0]
    found = _ROUTES.get(kind)
    if found is None or found[0].value != component_type:
        return None
    match = found[1].fullmatch(custom_id)
    return (found[2], match) if match is not None else None


async def on_component(interaction: discord.Interaction[Any]) -> None:
    """Route a button click or a select choice by its custom_id; a clear private answer
    for one that matches no template (stale or forged)."""
    data: Any = interaction.data or {}
    routed = route(int(data.get("component_type", 0)), str(data.get("custom_id", "")))
    if routed is None:
        await on_unknown_component(interaction)
        return
    handler, match = routed
    await handler(interaction, match)


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
    await respond(
        interaction, lambda: flows.submit(actor, attempt, answer, ctx), short=flows.grades_on_loop
    )


async def on_unknown_component(interaction: discord.Interaction[Any]) -> None:
    """A component whose custom_id matches no template: a clear private answer."""
    await respond(interaction, lambda: text(INVALID), inline=True)
