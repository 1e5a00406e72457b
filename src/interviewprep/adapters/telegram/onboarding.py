"""Onboarding (/start) and /settings: one message edited in place, one screen per setting.

A screen is chosen by a button ``ip:o:<mode>:<field>:<value>``. In onboarding mode
(``n``) each choice moves on to the next setting; in settings mode (``s``) it returns to
the settings menu. Every value is checked by ``Practice.update_settings``, so a forged
button can only produce the service's own "invalid setting" sentence.
"""

from __future__ import annotations

import logging
from datetime import datetime

from interviewprep.adapters.telegram import zones
from interviewprep.adapters.telegram.callbacks import Verb
from interviewprep.adapters.telegram.keyboard import Button, Keyboard
from interviewprep.adapters.telegram.markup import esc
from interviewprep.adapters.telegram.render import Rendered, button, settings_summary
from interviewprep.bank.schema import Level
from interviewprep.services.practice import Practice
from interviewprep.services.settings import PersonSettings, parse_time_of_day

logger = logging.getLogger(__name__)

ONBOARDING = "n"
SETTINGS = "s"
STEPS = ("tp", "lv", "tm", "tz", "np")  # topics, level, time, time zone, new per day
TIMES = ("07:00", "08:00", "09:00", "12:00", "13:00", "18:00", "19:00", "20:00", "21:00")
PACES = (1, 3, 5, 10)
TOPICS_PER_PAGE = 16


def _progress(mode: str, field: str) -> str:
    if mode != ONBOARDING:
        return ""
    return f" <i>(step {STEPS.index(field) + 1} of {len(STEPS)})</i>"


def _nav(mode: str, field: str) -> list[Button]:
    if mode == SETTINGS:
        return [button("⬅ Back to settings", Verb.SETTING, SETTINGS, "menu", "_")]
    return []


def screen(
    practice: Practice, person_id: int, mode: str, field: str, now: datetime, page: int = 0
) -> Rendered:
    """The screen for one setting (or the menu / the end of onboarding)."""
    current = practice.settings(person_id)
    if field == "tp":
        return _topics(practice, current, mode, page)
    if field == "lv":
        rows = [
            [
                button(
                    ("✔ " if current.level is level else "") + level.value.capitalize(),
                    Verb.SETTING,
                    mode,
                    "lv",
                    level.value,
                )
                for level in Level
            ]
        ]
        text = (
            f"<b>Your level</b>{_progress(mode, field)}\n"
            "Questions up to this level are asked: junior, mid or senior."
        )
        return text, Keyboard([*rows, _nav(mode, field)])
    if field == "tm":
        buttons = [
            button(
                ("✔ " if current.delivery_time == t else "") + t,
                Verb.SETTING,
                mode,
                "tm",
                t.replace(":", ""),
            )
            for t in TIMES
        ]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        rows.append([button("⌨️ Another time", Verb.SETTING, mode, "tm", "_type")])
        text = (
            f"<b>Daily question time</b>{_progress(mode, field)}\n"
            f"Your local time for the daily question (now {esc(current.delivery_time)})."
        )
        return text, Keyboard([*rows, _nav(mode, field)])
    if field == "tz":
        text = (
            f"<b>Your time zone</b>{_progress(mode, field)}\n"
            f"I have <b>{esc(zones.describe(current.timezone, now))}</b>"
            + (" (a guess from your Telegram language)." if mode == ONBOARDING else ".")
            + "\nStreak days and the daily question follow this zone. Is it right?"
        )
        rows = [
            [button(f"✅ Yes, {current.timezone}", Verb.SETTING, mode, "tz", current.timezone)],
            [
                button("🏙 Pick a city", Verb.SETTING, mode, "tz", "_city"),
                button("± UTC offset", Verb.SETTING, mode, "tz", "_off"),
            ],
            [button("⌨️ Type a city or zone", Verb.SETTING, mode, "tz", "_type")],
        ]
        return text, Keyboard([*rows, _nav(mode, field)])
    if field == "np":
        rows = [
            [
                button(
                    ("✔ " if current.new_per_day == n else "") + str(n), Verb.SETTING, mode, "np", n
                )
                for n in PACES
            ]
        ]
        text = (
            f"<b>New questions per day</b>{_progress(mode, field)}\n"
            "Reviews of what you have seen come on top, when they are due."
        )
        return text, Keyboard([*rows, _nav(mode, field)])
    if field == "done":
        text = (
            "<b>All set!</b> 🎉\n\n"
            + settings_summary(current, now)
            + f"\n\nYour daily question arrives at {esc(current.delivery_time)} your time. "
            "Want one now? /today, or /practice for a few more. /settings changes any of this; "
            "/help lists everything."
        )
        return text, Keyboard([[button("▶ Practise now", Verb.NEXT)]])
    return menu(current, now)


def menu(current: PersonSettings, now: datetime) -> Rendered:
    """The /settings menu: the summary and a button per setting."""
    rows = [
        [
            button("Topics", Verb.SETTING, SETTINGS, "go", "tp"),
            button("Level", Verb.SETTING, SETTINGS, "go", "lv"),
        ],
        [
            button("Time", Verb.SETTING, SETTINGS, "go", "tm"),
            button("Time zone", Verb.SETTING, SETTINGS, "go", "tz"),
        ],
        [button("New per day", Verb.SETTING, SETTINGS, "go", "np")],
    ]
    return settings_summary(current, now), Keyboard(rows)


def _topics(practice: Practice, current: PersonSettings, mode: str, page: int) -> Rendered:
    topics = practice.bank.topics
    pages = max((len(topics) + TOPICS_PER_PAGE - 1) // TOPICS_PER_PAGE, 1)
    page = min(max(page, 0), pages - 1)
    shown = topics[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    chosen = set(current.topics)
    buttons = [
        button(("✔ " if t in chosen else "") + t, Verb.SETTING, mode, "tp", t) for t in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(button("◀ Previous", Verb.SETTING, mode, "tp", f"_p{page - 1}"))
        nav.append(button(f"{page + 1}/{pages}", Verb.SETTING, mode, "tp", f"_p{page}"))
        if page < pages - 1:
            nav.append(button("Next ▶", Verb.SETTING, mode, "tp", f"_p{page + 1}"))
        rows.append(nav)
    rows.append(
        [
            button("All topics", Verb.SETTING, mode, "tp", "_all"),
            button("✅ Done", Verb.SETTING, mode, "tp", "_done"),
        ]
    )
    picked = ", ".join(sorted(chosen)) if chosen else "all topics"
    text = (
        f"<b>Topics</b>{_progress(mode, 'tp')}\n"
        "Tap the topics you want in your daily mix (tap again to remove), then Done.\n"
        f"Chosen: {esc(picked)}"
    )
    return text, Keyboard([*rows, _nav(mode, "tp")])


def city_screen(mode: str) -> Rendered:
    """Cities to pick a time zone from."""
    buttons = [button(label, Verb.SETTING, mode, "tz", zone) for label, zone in zones.CITIES]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([button("⬅ Back", Verb.SETTING, mode, "tz", "_back")])
    return "<b>Pick the city closest to you</b> (same time zone)", Keyboard(rows)


def offset_screen(mode: str) -> Rendered:
    """Whole-hour UTC offsets (fixed: no daylight saving time)."""
    buttons = [
        button(f"UTC{h:+d}" if h else "UTC", Verb.SETTING, mode, "tz", zones.offset_zone(h))
        for h in zones.OFFSETS
    ]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    rows.append([button("⬅ Back", Verb.SETTING, mode, "tz", "_back")])
    text = (
        "<b>Pick your UTC offset</b>\nA fixed offset does not follow daylight saving time; "
        "pick a city if yours changes its clocks."
    )
    return text, Keyboard(rows)


def next_field(mode: str, field: str) -> str:
    """Where a choice leads: the next step in onboarding, the menu in settings."""
    if mode != ONBOARDING:
        return "menu"
    index = STEPS.index(field) if field in STEPS else len(STEPS) - 1
    return STEPS[index + 1] if index + 1 < len(STEPS) else "done"


def apply(practice: Practice, person_id: int, field: str, value: str) -> str:
    """Store one choice; returns a short confirmation for the toast.

    Raises:
        InvalidSetting: the service refused the value (its message names the setting).
    """
    if field == "tp":
        current = practice.settings(person_id).topics
        if value in current:
            practice.update_settings(person_id, topics=[t for t in current if t != value])
            return f"Removed {value}"
        practice.update_settings(person_id, topics=[*current, value])
        return f"Added {value}"
    if field == "lv":
        practice.update_settings(person_id, level=value)
        return f"Level: {value}"
    if field == "tm":
        typed = value if ":" in value else f"{value[:-2]}:{value[-2:]}"
        practice.update_settings(person_id, delivery_time=typed)
        return f"Daily question at {typed}"
    if field == "tz":
        practice.update_settings(person_id, timezone=value)
        return f"Time zone: {value}"
    if field == "np":
        practice.update_settings(person_id, new_per_day=int(value) if value.isdigit() else value)
        return f"{value} new per day"
    raise ValueError(f"unknown setting screen {field!r}")


def parse_typed(field: str, text: str) -> str | None:
    """Read a typed time (``HH:MM``) or time zone; None when it cannot be read."""
    if field == "tm":
        try:
            return parse_time_of_day(text).strftime("%H:%M")
        except ValueError:
            return None
    if field == "tz":
        return zones.parse(text)
    return None


TYPE_PROMPTS = {
    "tm": "Type the time for your daily question, e.g. <code>07:45</code> (24-hour clock).",
    "tz": (
        "Type your city (e.g. <code>Lisbon</code>), a time zone (e.g. "
        "<code>America/Chicago</code>) or an offset (e.g. <code>UTC+5:30</code>)."
    ),
}
