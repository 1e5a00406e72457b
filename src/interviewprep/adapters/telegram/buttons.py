"""Inline buttons: one dispatcher, one small function per kind of button.

Callback data is parsed by :mod:`callbacks`; what it names is checked by the services,
so a forged or stale button only ever gets the service's sentence as an alert.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from interviewprep.adapters.telegram import onboarding, render
from interviewprep.adapters.telegram.callbacks import Callback, Verb, decode
from interviewprep.adapters.telegram.common import (
    PLATFORM,
    STALE_BUTTON,
    Context,
    after_skip,
    ask_next,
    chat_id_of,
    edit_keyboard,
    forget_user,
    group_outcome,
    next_label,
    open_group_question,
    open_view,
    outcome_of,
    person_of,
    remembered,
    say,
    services,
    strip_keyboard,
    user_id_of,
)
from interviewprep.adapters.telegram.markup import MAX_MESSAGE, esc, units
from interviewprep.adapters.telegram.memory import Awaiting
from interviewprep.adapters.telegram.outbox import post
from interviewprep.bank.schema import QuestionType
from interviewprep.domain.rating import Rating
from interviewprep.services.views import AnswerOutcome

logger = logging.getLogger(__name__)


async def tap(update: Update, context: Context) -> None:
    """Handle an inline button: answer, hint, skip, reveal, rate, settings, forget."""
    query = update.callback_query
    assert query is not None
    callback = decode(query.data)
    if callback is None:
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    handler = _TAPS[callback.verb]
    await handler(update, context, query, callback)


async def _tap_answer(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Grade a tapped option (single choice, true/false)."""
    user = user_id_of(update)
    kind = QuestionType.TRUE_FALSE if cb.verb is Verb.TRUE_FALSE else QuestionType.SINGLE_CHOICE
    answer = render.choice_answer(kind, cb.int_arg(1))
    # the account, the attempt (if theirs), grading and saving: one unit of work
    result = services(context).practice.answer_attempt(PLATFORM, str(user), cb.int_arg(0), answer)
    assert result.person_id is not None
    remembered(context).persons.put(user, result.person_id)
    await _answered(update, context, query, result.person_id, result)


async def _answered(
    update: Update, context: Context, query: CallbackQuery, person: int, result: AnswerOutcome
) -> None:
    """Acknowledge the tap and show the result (once: a repeat gets a toast).

    In a private chat the question message itself becomes the result, its option
    buttons replaced by the rating buttons: two Bot API calls (acknowledge, edit) in one
    round trip. A result that would not fit one message with the question, a question
    Telegram no longer shows us, or a failed edit falls back to removing the buttons and
    sending the result (three calls).
    """
    if result.already_answered:
        await query.answer(result.grade.feedback, show_alert=False)
        return
    text, keyboard = outcome_of(update, context, person, result)
    message = query.message
    combined = _in_place(message, text)
    if isinstance(message, Message) and combined is not None:
        acknowledged, edited = await asyncio.gather(
            _acknowledge(query),
            _edit_html(query, message, combined, keyboard),
            return_exceptions=True,
        )
        _reraise(acknowledged, edited)
        if edited is not _NOT_EDITED:
            return
    # three Bot API calls, one round trip: none of them depends on another's answer
    _reraise(
        *await asyncio.gather(
            _acknowledge(query) if combined is None else _nothing(),
            strip_keyboard(query),
            say(update, context, text, keyboard),
            return_exceptions=True,
        )
    )


_NOT_EDITED = object()


def _in_place(message: object, result_html: str) -> str | None:
    """The question message with the result below it, when it can be edited into that:
    a private chat, a text message Telegram still shows us, and one message's length."""
    if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
        return None
    if message.text is None:
        return None
    combined = render.answered_question(message.text_html, result_html)
    # the HTML's length bounds the visible length Telegram counts (tags only add)
    return combined if units(combined) <= MAX_MESSAGE else None


async def _edit_html(
    query: CallbackQuery, message: Message, text: str, keyboard: InlineKeyboardMarkup | None
) -> object:
    """Edit the tapped message's text and buttons; ``_NOT_EDITED`` when Telegram refuses
    (the message was deleted meanwhile, or can no longer be edited)."""
    params: dict[str, Any] = {
        "chat_id": message.chat.id,
        "message_id": message.message_id,
        "text": text,
        "parse_mode": ParseMode.HTML,
    }
    if keyboard is not None:
        params["reply_markup"] = keyboard
    try:
        await post(query.get_bot(), "editMessageText", params)
    except BadRequest as exc:
        logger.info("could not turn the question into its result, sending it: %s", exc)
        return _NOT_EDITED
    return None


async def _nothing() -> None:
    return None


def _reraise(*outcomes: object) -> None:
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome  # e.g. Forbidden: the error handler stops deliveries


async def _acknowledge(query: CallbackQuery) -> None:
    """Stop the button's spinner; a failure (a query too old) must not lose the result."""
    try:
        await query.answer()
    except TelegramError as exc:
        logger.info("could not answer a button tap: %s", exc)


async def _tap_toggle(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Tick or untick a multiple-choice option (the selection lives in the payload)."""
    person = person_of(update, context)
    view = open_view(context, person)
    attempt, mask = cb.int_arg(0), cb.int_arg(1)
    if view is None or view.attempt_id != attempt or view.type is not QuestionType.MULTIPLE_CHOICE:
        await query.answer("That question is not open any more.", show_alert=True)
        return
    if mask >= 1 << len(view.options):
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    await query.answer()
    await edit_keyboard(query, render.question_keyboard(view, mask))


async def _tap_submit(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Grade the ticked options of a multiple-choice question."""
    person = person_of(update, context)
    attempt, mask = cb.int_arg(0), cb.int_arg(1)
    view = open_view(context, person)
    count = len(view.options) if view and view.attempt_id == attempt else 10
    answer = render.mask_answer(mask, count)
    if answer is None:
        await query.answer("Pick at least one option first.", show_alert=False)
        return
    result = services(context).practice.submit_answer(person, attempt, answer)
    await _answered(update, context, query, person, result)


async def _tap_hint(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Show the next hint."""
    person = person_of(update, context)
    text = services(context).practice.hint(person, cb.int_arg(0))
    if text is None:
        await query.answer("No more hints for this one.")
        return
    await query.answer()
    await say(update, context, f"💡 {esc(text)}")


async def _tap_skip(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Put the question aside for today."""
    person = person_of(update, context)
    services(context).practice.skip(person, cb.int_arg(0))
    remembered(context).open.pop(person)
    await query.answer("Skipped")
    await strip_keyboard(query)
    await after_skip(update, context, person)


async def _tap_reveal(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Show the answer (scheduled as Again)."""
    person = person_of(update, context)
    result = services(context).practice.reveal(person, cb.int_arg(0))
    await _answered(update, context, query, person, result)


async def _tap_rate(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Confirm or override the suggested rating: one unit of work from the account, then
    the toast and the ticked keyboard in one round trip."""
    user = user_id_of(update)
    app = services(context)
    result = app.practice.rate_by_account(PLATFORM, str(user), cb.int_arg(0), Rating(cb.int_arg(1)))
    private = query.message is not None and query.message.chat.type == ChatType.PRIVATE
    keyboard = render.rating_keyboard(
        result.review_id,
        result.suggested,
        result.rating,
        next_button=next_label(update, context) if private else None,
    )
    _reraise(
        *await asyncio.gather(
            query.answer(render.rated(result, app.clock())),
            _retick(query, keyboard),
            return_exceptions=True,
        )
    )


async def _retick(query: CallbackQuery, keyboard: InlineKeyboardMarkup) -> None:
    try:
        await edit_keyboard(query, keyboard)
    except BadRequest as exc:  # the same keyboard again (a double tap): nothing to change
        logger.debug("rating keyboard unchanged: %s", exc)


async def _tap_next(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Ask the next question of the session."""
    person = person_of(update, context)
    await query.answer()
    await ask_next(update, context, person)


async def _tap_group(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Grade a member's tap on the group question's option."""
    message = query.message
    if message is None:
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    app = services(context)
    post = app.groups.post_for_message(PLATFORM, str(message.chat.id), str(message.message_id))
    if post is None:
        await query.answer("That question is not open any more.", show_alert=True)
        return
    person, view = open_group_question(update, context, message.chat.id, post)
    answer = render.choice_answer(view.type, cb.int_arg(0))
    result = app.practice.submit_answer(person, view.attempt_id, answer)
    if result.already_answered:
        await query.answer(result.grade.feedback, show_alert=True)
        return
    score = result.grade.score
    await query.answer(f"Your answer: {score:.0%}" if score is not None else "Answer saved")
    await group_outcome(update, context, person, result, message.message_id)


async def _tap_setting(
    update: Update, context: Context, query: CallbackQuery, cb: Callback
) -> None:
    """Apply an onboarding or settings choice and show the next screen."""
    person = person_of(update, context)
    app = services(context)
    mode, field, value = cb.args
    if mode not in {onboarding.ONBOARDING, onboarding.SETTINGS}:
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    now = app.clock()
    toast = ""
    screen: render.Rendered
    if field == "menu":
        screen = onboarding.menu(app.practice.settings(person), now)
    elif field == "go" and value in onboarding.STEPS:
        screen = onboarding.screen(app.practice, person, mode, value, now)
    elif field not in onboarding.STEPS:
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    elif value == "_type" and field in onboarding.TYPE_PROMPTS:
        remembered(context).awaiting.put(user_id_of(update), Awaiting(mode, field))
        await query.answer()
        await say(update, context, onboarding.TYPE_PROMPTS[field])
        return
    elif value == "_city":
        screen = onboarding.city_screen(mode)
    elif value == "_off":
        screen = onboarding.offset_screen(mode)
    elif value == "_back":
        screen = onboarding.screen(app.practice, person, mode, field, now)
    elif field == "tp" and value.startswith("_p") and value[2:].isdigit():
        screen = onboarding.screen(app.practice, person, mode, "tp", now, page=int(value[2:]))
    elif field == "tp" and value == "_all":
        app.practice.update_settings(person, topics=[])
        toast = "All topics"
        screen = onboarding.screen(app.practice, person, mode, "tp", now)
    elif field == "tp" and value == "_done":
        screen = onboarding.screen(
            app.practice, person, mode, onboarding.next_field(mode, field), now
        )
    elif value.startswith("_"):
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    else:
        toast = onboarding.apply(app.practice, person, field, value)
        if field == "tp":
            page = (
                app.bank.topics.index(value) // onboarding.TOPICS_PER_PAGE
                if (value in app.bank.topics)
                else 0
            )
            screen = onboarding.screen(app.practice, person, mode, "tp", now, page=page)
        else:
            screen = onboarding.screen(
                app.practice, person, mode, onboarding.next_field(mode, field), now
            )
    remembered(context).awaiting.pop(user_id_of(update))
    await query.answer(toast)
    text, keyboard = screen
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=keyboard)
    except BadRequest as exc:
        logger.debug("settings screen unchanged: %s", exc)


async def _tap_forget(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    """Delete everything after the confirmation tap (or cancel)."""
    person = person_of(update, context)
    app = services(context)
    owner, expires = cb.int_arg(0), cb.int_arg(1)
    if owner != person:
        await query.answer("That confirmation is not yours.", show_alert=True)
        return
    if expires == 0:
        await query.answer("Kept everything")
        await query.edit_message_text("Nothing was deleted.", reply_markup=None)
        return
    if expires < app.clock().timestamp():
        await query.answer("That confirmation has expired; send /forget again.", show_alert=True)
        await strip_keyboard(query)
        return
    app.subscriptions.unsubscribe(PLATFORM, str(chat_id_of(update)))
    app.practice.forget(person)
    forget_user(update, context)
    await query.answer("Deleted")
    await query.edit_message_text(
        "🗑 Everything is deleted. /start begins again from scratch.", reply_markup=None
    )


_TAPS = {
    Verb.ANSWER: _tap_answer,
    Verb.TRUE_FALSE: _tap_answer,
    Verb.TOGGLE: _tap_toggle,
    Verb.SUBMIT: _tap_submit,
    Verb.HINT: _tap_hint,
    Verb.SKIP: _tap_skip,
    Verb.REVEAL: _tap_reveal,
    Verb.RATE: _tap_rate,
    Verb.NEXT: _tap_next,
    Verb.GROUP_ANSWER: _tap_group,
    Verb.SETTING: _tap_setting,
    Verb.FORGET: _tap_forget,
}
