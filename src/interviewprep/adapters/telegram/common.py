"""What the handlers share: the services, the bot's memory, sending, asking, results.

Handlers (handlers.py) and button callbacks (buttons.py) stay thin by calling these.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from interviewprep.adapters.telegram import render, zones
from interviewprep.adapters.telegram.memory import Memory, Session
from interviewprep.adapters.telegram.outbox import post, send_html
from interviewprep.app import App
from interviewprep.services.errors import NotEnrolled
from interviewprep.services.views import AnswerOutcome, GroupPost, QuestionView

logger = logging.getLogger(__name__)

PLATFORM = "telegram"
Context = ContextTypes.DEFAULT_TYPE

DEFAULT_SESSION = 5
MAX_SESSION = 20
FORGET_SECONDS = 600
SEEN_UPDATES = 10_000

NO_OPEN = "No question is open right now. /today for today's question, /practice for more."
NOTHING_LEFT = (
    "Nothing is due and you have had today's new questions. Come back tomorrow, or raise "
    "“new per day” in /settings."
)
STALE_BUTTON = "This button is no longer valid; use /today or /practice."
SORRY = (
    "Sorry, something went wrong on my side. Everything you answered before is saved; "
    "please try again in a moment."
)
TEXT_ONLY = "I can only read text answers: please type your answer (or /skip, /reveal)."
EDITED = (
    "Edits are not re-graded: the first version of an answer counts. "
    "Send a new message to answer the next question."
)


def services(context: Context) -> App:
    """The core services (``interviewprep.app.App``)."""
    return cast(App, context.bot_data["app"])


def remembered(context: Context) -> Memory:
    """The bot's :class:`Memory` (shared with the delivery sender)."""
    return cast(Memory, context.bot_data["memory"])


def user_id_of(update: Update) -> int:
    """The Telegram user id of the update (NotEnrolled when there is no user)."""
    user = update.effective_user
    if user is None:
        raise NotEnrolled()
    return user.id


def person_of(update: Update, context: Context) -> int:
    """The enrolled person behind the update's user (remembered per user)."""
    user = user_id_of(update)
    memory = remembered(context)
    person = memory.persons.get(user)
    if person is None:
        person = services(context).practice.find_person(PLATFORM, str(user))
        if person is None:
            raise NotEnrolled()
        memory.persons.put(user, person)
    return person


def enrol(update: Update, context: Context) -> int:
    """The person behind the update's user, enrolled on first contact."""
    user = update.effective_user
    assert user is not None
    memory = remembered(context)
    person = memory.persons.get(user.id)
    if person is None:
        app = services(context)
        zone = zones.guess(user.language_code, app.settings.default_timezone)
        person = app.practice.enrol(PLATFORM, str(user.id), user.full_name, zone)
        memory.persons.put(user.id, person)
    return person


def open_group_question(
    update: Update, context: Context, chat_id: int, group_post: GroupPost
) -> tuple[int, QuestionView]:
    """The member behind the update and their open attempt at the group's post.

    One service call checks the post's day and question and opens (or resumes) the
    attempt with one commit.
    """
    person = enrol(update, context)
    user = update.effective_user
    assert user is not None
    view = services(context).groups.answer_as(
        PLATFORM,
        str(chat_id),
        str(user.id),
        user.full_name,
        group_post.group_id,
        group_post.local_date,
        group_post.question_id,
    )
    return person, view


def forget_user(update: Update | None, context: Context) -> None:
    """Drop what the bot remembers about the update's user."""
    if update is not None and update.effective_user is not None:
        remembered(context).forget_user(update.effective_user.id)


def message_of(update: Update) -> Message:
    """The update's message (asserted present)."""
    message = update.effective_message
    assert message is not None
    return message


def chat_id_of(update: Update) -> int:
    """The update's chat id (asserted present)."""
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def say(
    update: Update,
    context: Context,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    reply: bool = False,
) -> int:
    """Send HTML to the update's chat (a reply to its message with ``reply``); returns the
    id of the (last) message sent."""
    reply_to = update.effective_message.message_id if reply and update.effective_message else None
    return await send_html(context.bot, chat_id_of(update), text, keyboard, reply_to=reply_to)


def session_of(update: Update, context: Context) -> Session | None:
    """The user's running /practice session, if any."""
    return remembered(context).sessions.get(user_id_of(update))


def next_label(update: Update, context: Context) -> str:
    """The label of the "next question" button for the user's session."""
    session = session_of(update, context)
    if session and session.left > 0:
        return f"▶ Next question ({session.left} left)"
    return "▶ Practise more"


async def ask_next(update: Update, context: Context, person: int) -> None:
    """Ask the next question of the session (starting a default one if none runs)."""
    memory = remembered(context)
    user = user_id_of(update)
    session = memory.sessions.get(user)
    if session is None or session.left <= 0:
        session = Session(DEFAULT_SESSION, DEFAULT_SESSION)
        memory.sessions.put(user, session)
    view = services(context).practice.next_question(person, session.topic, source="practice")
    if view is None:
        memory.sessions.pop(user)
        await say(update, context, NOTHING_LEFT)
        return
    if not view.resumed:
        session.left -= 1
    number = session.total - session.left
    text, keyboard = render.question(view, title=f"Question {number}/{session.total}")
    await say(update, context, text, keyboard)
    memory.asked(person, view.attempt_id, user)


def outcome_of(
    update: Update, context: Context, person: int, result: AnswerOutcome
) -> render.Rendered:
    """The result of an answer (or a reveal) with rating and next buttons; the question
    is no longer the person's open one."""
    memory = remembered(context)
    if memory.open.get(person) == result.attempt_id:
        memory.open.pop(person)
    label = next_label(update, context)
    return render.outcome(result, services(context).clock(), next_button=label)


async def show_outcome(
    update: Update, context: Context, person: int, result: AnswerOutcome
) -> None:
    """Send the result of an answer (or a reveal) with rating and next buttons."""
    await say(update, context, *outcome_of(update, context, person, result))


async def edit_keyboard(query: CallbackQuery, keyboard: InlineKeyboardMarkup | None) -> None:
    """Replace (None: remove) the buttons of the message a button was tapped on.

    The edited message Telegram sends back is not parsed (see :func:`outbox.post`).
    """
    message = query.message
    if message is None:  # a message sent in inline mode
        await query.edit_message_reply_markup(reply_markup=keyboard)
        return
    params: dict[str, Any] = {"chat_id": message.chat.id, "message_id": message.message_id}
    if keyboard is not None:
        params["reply_markup"] = keyboard
    await post(query.get_bot(), "editMessageReplyMarkup", params)


async def strip_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of the message a button was tapped on (no double taps)."""
    try:
        await edit_keyboard(query, None)
    except BadRequest as exc:  # "message is not modified", or too old to edit
        logger.debug("could not remove a keyboard: %s", exc)


def open_view(context: Context, person: int) -> QuestionView | None:
    """The question open for the person, asked of the services."""
    return services(context).practice.current(person)


async def after_skip(update: Update, context: Context, person: int) -> None:
    """Confirm a skip and go on with the session, if one runs."""
    remembered(context).open.pop(person)
    await say(update, context, "⏭ Skipped for today; it comes back another day.")
    session = session_of(update, context)
    if session and session.left > 0:
        await ask_next(update, context, person)


async def group_outcome(
    update: Update, context: Context, person: int, result: AnswerOutcome, reply_to: int
) -> None:
    """Post a member's result in the group, replying to their answer."""
    user = update.effective_user
    who = user.full_name if user else None
    text, keyboard = render.outcome(result, services(context).clock(), group=True, who=who)
    await send_html(context.bot, chat_id_of(update), text, keyboard, reply_to=reply_to)


def replies_to_bot(message: Message, context: Context) -> bool:
    """True when ``message`` replies to a message of this bot."""
    target = message.reply_to_message
    return bool(target and target.from_user and target.from_user.id == context.bot.id)
