"""What a handler answers with, as plain data: text, embeds, component specs, a file.

Handlers may run in a worker thread (the services are synchronous; see ``respond``),
where discord.py views must not be built; they return a :class:`Reply` and the event
loop turns its component specs into a :class:`discord.ui.View` carrying the component
payload (see :func:`build_view`). Views are stopped before they are sent, so discord.py
never keeps them in memory: every click is dispatched by
:func:`components.on_component` by custom_id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord

NO_MENTIONS = discord.AllowedMentions.none()

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


@dataclass(frozen=True)
class Button:
    """A button spec."""

    custom_id: str
    label: str
    style: str = "secondary"
    disabled: bool = False


@dataclass(frozen=True)
class Select:
    """A select-menu spec; options are ``(label, value)`` pairs."""

    custom_id: str
    placeholder: str
    options: tuple[tuple[str, str], ...]
    min_values: int = 1
    max_values: int = 1


Control = Button | Select


@dataclass(frozen=True)
class ModalSpec:
    """A modal with one paragraph text input."""

    custom_id: str
    title: str
    label: str
    placeholder: str = ""
    max_length: int = 4000
    field_id: str = "answer"


@dataclass(frozen=True)
class Announcement:
    """A message posted after the reply, in a channel or thread, never pinging anyone."""

    channel_id: int
    content: str


@dataclass
class Reply:
    """One answer to an interaction.

    Attributes:
        content: message text (``""`` for none).
        embeds: embeds, in order.
        rows: component rows (at most 5 rows of 5 buttons, or one select per row).
        file: ``(filename, data)`` to attach.
        ephemeral: only the person who interacted sees it.
        modal: answer with this modal instead of a message (only as the first response).
        announce: messages to post afterwards (milestones, shared answers).
        keep_embeds: when updating a message, leave its embeds as they are.
        error: a refusal or failure sentence (never replaces the message it came from).
    """

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    rows: list[list[Control]] = field(default_factory=list)
    file: tuple[str, bytes] | None = None
    ephemeral: bool = True
    modal: ModalSpec | None = None
    announce: list[Announcement] = field(default_factory=list)
    keep_embeds: bool = False
    error: bool = False


def text(content: str) -> Reply:
    """A plain ephemeral text reply."""
    return Reply(content=content)


def clip(value: str, limit: int) -> str:
    """Cut ``value`` to ``limit`` characters, marking the cut with an ellipsis."""
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + "…"


class ComponentRows(discord.ui.View):
    """A stopped view that sends component rows already in Discord's payload form.

    discord.py builds a :class:`discord.ui.Item` and its underlying component per
    button and lays the items out by weight, only for :meth:`to_components` to turn
    them back into these dicts: 25-50 us per message with a few buttons, on the event
    loop, for every reply (see the README's "Discord throughput"). The payload is the
    same as discord.py's own (``test_component_rows_match_discord_py``).
    """

    def __init__(self, payload: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self.payload = payload
        self.stop()  # never stored by discord.py: clicks are routed by custom_id

    def to_components(self) -> list[dict[str, Any]]:
        """The rows, as sent."""
        return self.payload


def build_view(rows: list[list[Control]]) -> ComponentRows:
    """Turn component specs into a stopped view (sent, never stored in memory)."""
    return ComponentRows(
        [{"type": 1, "components": [_component(c) for c in row[:5]]} for row in rows[:5] if row]
    )


def _component(control: Control) -> dict[str, Any]:
    """One button or select as Discord's payload (what discord.py's items send)."""
    if isinstance(control, Button):
        button: dict[str, Any] = {
            "type": 2,
            "style": _STYLES.get(control.style, discord.ButtonStyle.secondary).value,
            "disabled": control.disabled,
        }
        label = clip(control.label, 80)
        if label:
            button["label"] = label
        button["custom_id"] = control.custom_id
        return button
    options = control.options[:25]
    select: dict[str, Any] = {
        "type": 3,
        "custom_id": control.custom_id,
        "min_values": control.min_values,
        "max_values": min(control.max_values, len(options)),
        "disabled": False,
        "required": True,
    }
    placeholder = clip(control.placeholder, 150)
    if placeholder:
        select["placeholder"] = placeholder
    select["options"] = [
        {"label": clip(label, 100), "value": value, "default": False} for label, value in options
    ]
    return select


def build_modal(spec: ModalSpec) -> discord.ui.Modal:
    """A stopped modal (its submit is routed by custom_id, so it survives a restart)."""
    modal = discord.ui.Modal(title=clip(spec.title, 45), custom_id=spec.custom_id, timeout=None)
    modal.add_item(
        discord.ui.TextInput(
            label=clip(spec.label, 45),
            custom_id=spec.field_id,
            style=discord.TextStyle.paragraph,
            placeholder=clip(spec.placeholder, 100) or None,
            max_length=spec.max_length,
            required=True,
        )
    )
    modal.stop()
    return modal


def rows_of(message: discord.Message | None) -> list[list[Control]]:
    """Read a sent message's components back into specs (to update a few of them)."""
    rows: list[list[Control]] = []
    if message is None:
        return rows
    for component in message.components:
        children: list[Any] = list(getattr(component, "children", [component]))
        row: list[Control] = []
        for child in children:
            if isinstance(child, discord.components.Button) and child.custom_id:
                row.append(
                    Button(
                        custom_id=child.custom_id,
                        label=child.label or "",
                        style=child.style.name if child.style.name in _STYLES else "secondary",
                        disabled=child.disabled,
                    )
                )
            elif isinstance(child, discord.components.SelectMenu) and child.custom_id:
                row.append(
                    Select(
                        custom_id=child.custom_id,
                        placeholder=child.placeholder or "",
                        options=tuple((o.label, o.value) for o in child.options),
                        min_values=child.min_values,
                        max_values=child.max_values,
                    )
                )
        if row:
            rows.append(row)
    return rows
