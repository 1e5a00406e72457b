"""Component rows are sent in the payload discord.py's own items would produce."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import discord
import pytest

from interviewprep.adapters.discord.reply import (
    _STYLES,
    Button,
    Control,
    Select,
    build_view,
    clip,
)


def _with_discord_items(rows: list[list[Control]]) -> list[dict[str, Any]]:
    """The rows through discord.py's View, Button and Select items (the old way)."""
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows[:5]):
        for control in row[:5]:
            if isinstance(control, Button):
                view.add_item(
                    discord.ui.Button(
                        custom_id=control.custom_id,
                        label=clip(control.label, 80),
                        style=_STYLES.get(control.style, discord.ButtonStyle.secondary),
                        disabled=control.disabled,
                        row=index,
                    )
                )
            else:
                view.add_item(
                    discord.ui.Select(
                        custom_id=control.custom_id,
                        placeholder=clip(control.placeholder, 150),
                        options=[
                            discord.SelectOption(label=clip(label, 100), value=value)
                            for label, value in control.options[:25]
                        ],
                        min_values=control.min_values,
                        max_values=min(control.max_values, len(control.options[:25])),
                        row=index,
                    )
                )
    return view.to_components()


def _random_rows(rng: random.Random) -> list[list[Control]]:
    rows: list[list[Control]] = []
    for r in range(rng.randint(0, 5)):
        if rng.random() < 0.25:
            count = rng.randint(1, 30)
            options = tuple((f"option {i} " * rng.randint(1, 12), str(i)) for i in range(count))
            rows.append(
                [
                    Select(
                        f"ip:multi:{r}:-",
                        "Choose " * rng.randint(0, 30),
                        options,
                        min_values=1,
                        max_values=rng.randint(1, 30),
                    )
                ]
            )
            continue
        rows.append(
            [
                Button(
                    f"ip:pick:{r}:{i}:-",
                    "label " * rng.randint(0, 20),
                    rng.choice(["primary", "secondary", "success", "danger", "odd"]),
                    rng.random() < 0.3,
                )
                for i in range(rng.randint(1, 7))
            ]
        )
    return rows


@pytest.mark.parametrize("seed", range(60))
def test_component_rows_match_discord_py(seed: int) -> None:
    rows = _random_rows(random.Random(seed))

    async def both() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return build_view(rows).to_components(), _with_discord_items(rows)

    ours, theirs = asyncio.run(both())
    assert ours == theirs


def test_the_view_is_stopped_so_discord_py_never_stores_it() -> None:
    async def build() -> discord.ui.View:
        return build_view([[Button("ip:hint:1", "Hint")]])

    view = asyncio.run(build())
    assert view.is_finished()
    assert not view.is_dispatchable()
