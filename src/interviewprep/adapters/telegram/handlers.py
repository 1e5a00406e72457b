"""Update handlers: each turns one kind of update into service calls and renders the result.

Handlers stay thin. Errors the services raise (:class:`PracticeError`, whose text is a
sentence for the person) propagate to :func:`on_error`, which shows them: as a reply to
a message, or as the answer to a button tap. Nothing here touches the database directly.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from telegram import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from interviewprep.adapters.telegram import onboarding, render, zones
from interviewprep.adapters.telegram.callbacks import Callback, Verb, decode
from interviewprep.adapters.telegram.markup import esc
from interviewprep.adapters.telegram.outbox import send_html
from interviewprep.app import App
from interviewprep.bank.schema import QuestionType
from interviewprep.domain.clock import local_date
from interviewprep.domain.rating import Rating
from interviewprep.services.errors import InvalidSetting, NotEnrolled, PracticeError
from interviewprep.services.settings import parse_time_of_day
from interviewprep.services.views import AnswerOutcome, QuestionView

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


@dataclass
class Session:
    """A /practice run in a private chat: how many questions are left, on which topic."""

    total: int
    left: int
    topic: str | None = None


# ------------------------------------------------------------------ plumbing


def _app(context: Context) -> App:
    return cast(App, context.bot_data["app"])


def _data(context: Context) -> dict[Any, Any]:
    data = context.user_data
    return data if data is not None else {}


def _person(update: Update, context: Context) -> int:
    """The enrolled person behind the update's user (cached per user)."""
    data = _data(context)
    cached = data.get("person_id")
    if isinstance(cached, int):
        return cached
    user = update.effective_user
    if user is None:
        raise NotEnrolled()
    person = _app(context).practice.find_person(PLATFORM, str(user.id))
    if person is None:
        raise NotEnrolled()
    data["person_id"] = person
    return person


def _enrol(update: Update, context: Context) -> int:
    """The person behind the update's user, enrolled on first contact."""
    data = _data(context)
    cached = data.get("person_id")
    if isinstance(cached, int):
        return cached
    user = update.effective_user
    assert user is not None
    app = _app(context)
    zone = zones.guess(user.language_code, app.settings.default_timezone)
    person = app.practice.enrol(PLATFORM, str(user.id), user.full_name, zone)
    data["person_id"] = person
    return person


def _zone(context: Context, person: int) -> str:
    data = _data(context)
    zone = data.get("zone")
    if not isinstance(zone, str):
        zone = _app(context).practice.settings(person).timezone
        data["zone"] = zone
    return zone


def _forget_cache(context: Context) -> None:
    for key in ("person_id", "zone", "session", "awaiting"):
        _data(context).pop(key, None)


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None
    return message


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


async def _say(
    update: Update,
    context: Context,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
    reply: bool = False,
) -> Message:
    reply_to = update.effective_message.message_id if reply and update.effective_message else None
    return await send_html(context.bot, _chat_id(update), text, keyboard, reply_to=reply_to)


def _session(context: Context) -> Session | None:
    session = _data(context).get("session")
    return session if isinstance(session, Session) else None


def _next_label(context: Context) -> str:
    session = _session(context)
    if session and session.left > 0:
        return f"▶ Next question ({session.left} left)"
    return "▶ Practise more"


async def _ask_next(update: Update, context: Context, person: int) -> None:
    """Ask the next question of the session (starting a default one if none runs)."""
    session = _session(context)
    if session is None or session.left <= 0:
        session = Session(DEFAULT_SESSION, DEFAULT_SESSION)
        _data(context)["session"] = session
    view = _app(context).practice.next_question(person, session.topic, source="practice")
    if view is None:
        _data(context).pop("session", None)
        await _say(update, context, NOTHING_LEFT)
        return
    if not view.resumed:
        session.left -= 1
    number = session.total - session.left
    text, keyboard = render.question(view, title=f"Question {number}/{session.total}")
    await _say(update, context, text, keyboard)


async def _show_outcome(
    update: Update, context: Context, person: int, result: AnswerOutcome
) -> None:
    """Send the result of an answer (or a reveal) with rating and next buttons."""
    text, keyboard = render.outcome(result, _app(context).clock())
    if keyboard is not None:
        keyboard = render.rating_keyboard(
            result.review_id, result.suggested, None, next_button=_next_label(context)
        )
    await _say(update, context, text, keyboard)


async def _strip_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of the message a button was tapped on (no double taps)."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:  # "message is not modified", or too old to edit
        logger.debug("could not remove a keyboard: %s", exc)


def _open_view(context: Context, person: int) -> QuestionView | None:
    return _app(context).practice.current(person)


# ------------------------------------------------------------- commands: people


async def start(update: Update, context: Context) -> None:
    """Enrol, subscribe this chat to the daily question, and begin onboarding."""
    person = _enrol(update, context)
    app = _app(context)
    app.subscriptions.subscribe(person, PLATFORM, str(_chat_id(update)))
    _data(context).pop("zone", None)
    user = update.effective_user
    name = user.first_name if user else ""
    await _say(
        update,
        context,
        f"Hi {esc(name)}! I ask you one interview question a day, grade your answer and "
        "schedule reviews so you remember. A few quick choices first:",
    )
    text, keyboard = onboarding.screen(
        app.practice, person, onboarding.ONBOARDING, "tp", app.clock()
    )
    await _say(update, context, text, keyboard)


async def settings(update: Update, context: Context) -> None:
    """Show the settings menu."""
    person = _person(update, context)
    app = _app(context)
    text, keyboard = onboarding.menu(app.practice.settings(person), app.clock())
    await _say(update, context, text, keyboard)


async def today(update: Update, context: Context) -> None:
    """Send today's daily question again (or a new one if none came yet)."""
    person = _person(update, context)
    view = _app(context).practice.today(person)
    if view is None:
        await _say(update, context, NOTHING_LEFT)
        return
    text, keyboard = render.question(view, title="📅 Today's question")
    await _say(update, context, text, keyboard)


async def practice(update: Update, context: Context) -> None:
    """Start an extra session: /practice [topic] [n]."""
    person = _person(update, context)
    topic: str | None = None
    count = DEFAULT_SESSION
    for arg in context.args or []:
        if arg.isdigit():
            count = min(max(int(arg), 1), MAX_SESSION)
        elif arg.lower() in _app(context).bank.topics:
            topic = arg.lower()
        else:
            await _say(
                update,
                context,
                f"There is no topic <code>{esc(arg[:64])}</code>. /topics lists them; "
                "use /practice [topic] [number], e.g. <code>/practice sql 3</code>.",
            )
            return
    _data(context)["session"] = Session(count, count, topic)
    await _ask_next(update, context, person)


async def hint(update: Update, context: Context) -> None:
    """Show the next hint for the open question."""
    person = _person(update, context)
    view = _open_view(context, person)
    if view is None:
        await _say(update, context, NO_OPEN)
        return
    text = _app(context).practice.hint(person, view.attempt_id)
    await _say(update, context, f"💡 {esc(text)}" if text else "No more hints for this one.")


async def skip(update: Update, context: Context) -> None:
    """Put the open question aside for today."""
    person = _person(update, context)
    view = _open_view(context, person)
    if view is None:
        await _say(update, context, NO_OPEN)
        return
    _app(context).practice.skip(person, view.attempt_id)
    await _after_skip(update, context, person)


async def _after_skip(update: Update, context: Context, person: int) -> None:
    await _say(update, context, "⏭ Skipped for today; it comes back another day.")
    session = _session(context)
    if session and session.left > 0:
        await _ask_next(update, context, person)


async def reveal(update: Update, context: Context) -> None:
    """Show the answer of the open question (scheduled as Again)."""
    person = _person(update, context)
    view = _open_view(context, person)
    if view is None:
        await _say(update, context, NO_OPEN)
        return
    result = _app(context).practice.reveal(person, view.attempt_id)
    await _show_outcome(update, context, person, result)


async def streak(update: Update, context: Context) -> None:
    """Show the streak, freezes and a calendar of the last weeks."""
    person = _person(update, context)
    app = _app(context)
    value = app.practice.streak(person)
    today_local = local_date(app.clock(), ZoneInfo(_zone(context, person)))
    await _say(update, context, render.streak(value, today_local))


async def stats(update: Update, context: Context) -> None:
    """Show accuracy and retention per topic, the forecast and weakest topics."""
    person = _person(update, context)
    await _say(update, context, render.stats(_app(context).practice.stats(person)))


async def topics(update: Update, context: Context) -> None:
    """List the topics of the question bank."""
    app = _app(context)
    counts: dict[str, int] = {}
    for question in app.bank:
        for topic in question.topics:
            counts[topic] = counts.get(topic, 0) + 1
    chosen: list[str] = []
    person = (
        app.practice.find_person(PLATFORM, str(update.effective_user.id))
        if (update.effective_user)
        else None
    )
    if person is not None:
        chosen = app.practice.settings(person).topics
    await _say(update, context, render.topics(counts, chosen))


async def report(update: Update, context: Context) -> None:
    """Store a problem report about the last question for the maintainers."""
    person = _person(update, context)
    text = " ".join(context.args or [])
    number = _app(context).community.report(person, text)
    await _say(update, context, f"Thanks! Report #{number} is stored for the maintainers.")


async def export(update: Update, context: Context) -> None:
    """Send all the person's data as a JSON file."""
    person = _person(update, context)
    data = _app(context).practice.export(person)
    payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    await context.bot.send_document(
        chat_id=_chat_id(update),
        document=payload,
        filename="interviewprep-export.json",
        caption="All your interviewprep data (JSON).",
    )


async def forget(update: Update, context: Context) -> None:
    """Ask for confirmation before deleting everything."""
    person = _person(update, context)
    expires = int(_app(context).clock().timestamp()) + FORGET_SECONDS
    keyboard = InlineKeyboardMarkup(
        [
            [render.button("🗑 Yes, delete everything", Verb.FORGET, person, expires)],
            [render.button("Cancel", Verb.FORGET, person, 0)],
        ]
    )
    await _say(
        update,
        context,
        "<b>Delete all your data?</b> Answers, schedule, streak and settings go, on every "
        "linked platform. This cannot be undone. (/export first keeps a copy.)",
        keyboard,
    )


async def link(update: Update, context: Context) -> None:
    """Make a one-time code for Discord, or redeem one made there: /link [code]."""
    app = _app(context)
    if context.args:
        user = update.effective_user
        assert user is not None
        person = app.community.redeem(context.args[0], PLATFORM, str(user.id), user.full_name)
        _forget_cache(context)
        _data(context)["person_id"] = person
        app.subscriptions.subscribe(person, PLATFORM, str(_chat_id(update)))
        await _say(update, context, "🔗 Linked: this account now shares your progress.")
        return
    person = _person(update, context)
    code = app.community.link_code(person)
    await _say(
        update,
        context,
        f"Your one-time code: <code>{esc(code)}</code> (valid 10 minutes).\n"
        f"On Discord, run <code>/link {esc(code)}</code> to share this progress there.",
    )


async def help_command(update: Update, context: Context) -> None:
    """List the commands."""
    chat = update.effective_chat
    await _say(
        update, context, render.help_text(group=bool(chat and chat.type != ChatType.PRIVATE))
    )


# ----------------------------------------------------------------- answering


async def answer_text(update: Update, context: Context) -> None:
    """Answer the open question with this message (or take a typed setting)."""
    message = _message(update)
    text = message.text or ""
    if await _typed_setting(update, context, text):
        return
    person = _person(update, context)
    app = _app(context)
    view = app.practice.current(person)
    if view is None:
        await _say(update, context, NO_OPEN)
        return
    result = app.practice.submit_answer(person, view.attempt_id, text)
    await _show_outcome(update, context, person, result)


async def _typed_setting(update: Update, context: Context, text: str) -> bool:
    awaiting = _data(context).get("awaiting")
    if not isinstance(awaiting, onboarding.Awaiting):
        return False
    value = onboarding.parse_typed(awaiting.field, text)
    if value is None:
        await _say(
            update, context, "I could not read that. " + onboarding.TYPE_PROMPTS[awaiting.field]
        )
        return True
    person = _person(update, context)
    app = _app(context)
    toast = onboarding.apply(app.practice, person, awaiting.field, value)
    _data(context).pop("awaiting", None)
    _data(context).pop("zone", None)
    following = onboarding.next_field(awaiting.mode, awaiting.field)
    screen = onboarding.screen(app.practice, person, awaiting.mode, following, app.clock())
    await _say(update, context, f"✔ {esc(toast)}")
    await _say(update, context, *screen)
    return True


async def not_text(update: Update, context: Context) -> None:
    """Explain that answers are read as text (stickers, photos, voice...)."""
    await _say(update, context, TEXT_ONLY)


async def edited(update: Update, context: Context) -> None:
    """Explain that edited answers are not graded again."""
    message = update.edited_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE and not _replies_to_bot(message, context):
        return  # in groups, only edits of answers to the bot get a reply
    await send_html(context.bot, message.chat_id, EDITED, reply_to=message.message_id)


def _replies_to_bot(message: Message, context: Context) -> bool:
    target = message.reply_to_message
    return bool(target and target.from_user and target.from_user.id == context.bot.id)


# ------------------------------------------------------------------- groups


async def group_reply(update: Update, context: Context) -> None:
    """Grade a member's reply to the group's daily question."""
    message = _message(update)
    if not _replies_to_bot(message, context):
        return
    target = message.reply_to_message
    assert target is not None
    app = _app(context)
    post = app.groups.post_for_message(PLATFORM, str(message.chat_id), str(target.message_id))
    if post is None:
        return  # a reply to some other message of the bot: not an answer
    if not message.text:
        await _say(update, context, TEXT_ONLY, reply=True)
        return
    person = _enrol(update, context)
    view = app.groups.answer(post.group_id, person, post.local_date, post.question_id)
    result = app.practice.submit_answer(person, view.attempt_id, message.text)
    await _group_outcome(update, context, person, result, message.message_id)


async def _group_outcome(
    update: Update, context: Context, person: int, result: AnswerOutcome, reply_to: int
) -> None:
    user = update.effective_user
    who = user.full_name if user else None
    text, keyboard = render.outcome(result, _app(context).clock(), group=True, who=who)
    await send_html(context.bot, _chat_id(update), text, keyboard, reply_to=reply_to)


async def groupon(update: Update, context: Context) -> None:
    """Admins: turn on the daily group question: /groupon [HH:MM] [time zone]."""
    if not await _is_admin(update, context):
        await _say(update, context, "Only group admins can turn the daily question on.", reply=True)
        return
    app = _app(context)
    chat = update.effective_chat
    assert chat is not None
    existing = app.groups.find(PLATFORM, str(chat.id))
    delivery_time = existing.delivery_time if existing else "09:00"
    zone = existing.timezone if existing else app.settings.default_timezone
    args = list(context.args or [])
    if args:
        try:
            delivery_time = parse_time_of_day(args[0]).strftime("%H:%M")
            args = args[1:]
        except ValueError:
            pass
    if args:
        typed = zones.parse(" ".join(args))
        if typed is None:
            raise InvalidSetting(
                f"timezone: I do not know {' '.join(args)[:64]!r}; use a city, a zone such as "
                "Europe/Berlin, or an offset such as UTC+2"
            )
        zone = typed
    view = app.groups.setup(
        PLATFORM,
        str(chat.id),
        channel_id=str(chat.id),
        name=chat.title or "",
        timezone=zone,
        delivery_time=delivery_time,
        topics=list(existing.topics) if existing else None,
        level=existing.level if existing else "mid",
    )
    if view.paused or not view.active:
        view = app.groups.resume(view.id)
    await _say(
        update,
        context,
        f"👥 Daily group question is <b>on</b>: every day at {esc(view.delivery_time)} "
        f"({esc(zones.describe(view.timezone, app.clock()))}). Members answer by replying to it; "
        "each answer counts for their own schedule. /groupoff stops it.",
    )


async def groupoff(update: Update, context: Context) -> None:
    """Admins: stop the daily group question."""
    if not await _is_admin(update, context):
        await _say(
            update, context, "Only group admins can turn the daily question off.", reply=True
        )
        return
    app = _app(context)
    existing = app.groups.find(PLATFORM, str(_chat_id(update)))
    if existing is None:
        await _say(update, context, "The daily group question is not on here. /groupon starts it.")
        return
    app.groups.pause(existing.id)
    await _say(
        update, context, "The daily group question is <b>off</b>. /groupon turns it back on."
    )


async def _is_admin(update: Update, context: Context) -> bool:
    message = _message(update)
    chat_id = _chat_id(update)
    if message.sender_chat is not None and message.sender_chat.id == chat_id:
        return True  # an anonymous admin posting as the group
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat_id, user.id)
    return member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


async def private_only(update: Update, context: Context) -> None:
    """Point group members to a private chat for personal commands."""
    username = context.bot.username
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Open a private chat", url=f"https://t.me/{username}?start=group")]]
    )
    await _say(update, context, "Let's do that in a private chat with me.", keyboard, reply=True)


async def membership(update: Update, context: Context) -> None:
    """Stop sending to a person who blocked the bot, or a group that removed it."""
    change = update.my_chat_member
    if change is None:
        return
    app = _app(context)
    status = change.new_chat_member.status
    chat = change.chat
    if chat.type == ChatType.PRIVATE:
        if status == ChatMemberStatus.BANNED:
            app.subscriptions.deactivate(PLATFORM, str(chat.id), "blocked the bot")
        return
    if status in {ChatMemberStatus.LEFT, ChatMemberStatus.BANNED} or _cannot_post(change):
        group = app.groups.find(PLATFORM, str(chat.id))
        if group is not None and not group.paused:
            app.groups.pause(group.id, reason="the bot was removed or cannot post")


def _cannot_post(change: ChatMemberUpdated) -> bool:
    member = change.new_chat_member
    return member.status == ChatMemberStatus.RESTRICTED and not getattr(
        member, "can_send_messages", True
    )


# ------------------------------------------------------------------- buttons


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
    person = _person(update, context)
    kind = QuestionType.TRUE_FALSE if cb.verb is Verb.TRUE_FALSE else QuestionType.SINGLE_CHOICE
    answer = render.choice_answer(kind, cb.int_arg(1))
    result = _app(context).practice.submit_answer(person, cb.int_arg(0), answer)
    await _answered(update, context, query, person, result)


async def _answered(
    update: Update, context: Context, query: CallbackQuery, person: int, result: AnswerOutcome
) -> None:
    if result.already_answered:
        await query.answer(result.grade.feedback, show_alert=False)
        return
    await query.answer()
    await _strip_keyboard(query)
    await _show_outcome(update, context, person, result)


async def _tap_toggle(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    view = _open_view(context, person)
    attempt, mask = cb.int_arg(0), cb.int_arg(1)
    if view is None or view.attempt_id != attempt or view.type is not QuestionType.MULTIPLE_CHOICE:
        await query.answer("That question is not open any more.", show_alert=True)
        return
    if mask >= 1 << len(view.options):
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=render.question_keyboard(view, mask))


async def _tap_submit(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    attempt, mask = cb.int_arg(0), cb.int_arg(1)
    view = _open_view(context, person)
    count = len(view.options) if view and view.attempt_id == attempt else 10
    answer = render.mask_answer(mask, count)
    if answer is None:
        await query.answer("Pick at least one option first.", show_alert=False)
        return
    result = _app(context).practice.submit_answer(person, attempt, answer)
    await _answered(update, context, query, person, result)


async def _tap_hint(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    text = _app(context).practice.hint(person, cb.int_arg(0))
    if text is None:
        await query.answer("No more hints for this one.")
        return
    await query.answer()
    await _say(update, context, f"💡 {esc(text)}")


async def _tap_skip(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    _app(context).practice.skip(person, cb.int_arg(0))
    await query.answer("Skipped")
    await _strip_keyboard(query)
    await _after_skip(update, context, person)


async def _tap_reveal(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    result = _app(context).practice.reveal(person, cb.int_arg(0))
    await _answered(update, context, query, person, result)


async def _tap_rate(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    rating = Rating(cb.int_arg(1))
    result = _app(context).practice.rate(person, cb.int_arg(0), rating)
    await query.answer(render.rated(result, _app(context).clock()))
    private = query.message is not None and query.message.chat.type == ChatType.PRIVATE
    keyboard = render.rating_keyboard(
        result.review_id,
        result.suggested,
        rating,
        next_button=_next_label(context) if private else None,
    )
    try:
        await query.edit_message_reply_markup(reply_markup=keyboard)
    except BadRequest as exc:  # the same keyboard again (a double tap): nothing to change
        logger.debug("rating keyboard unchanged: %s", exc)


async def _tap_next(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    await query.answer()
    await _ask_next(update, context, person)


async def _tap_group(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    message = query.message
    if message is None:
        await query.answer(STALE_BUTTON, show_alert=True)
        return
    app = _app(context)
    post = app.groups.post_for_message(PLATFORM, str(message.chat.id), str(message.message_id))
    if post is None:
        await query.answer("That question is not open any more.", show_alert=True)
        return
    person = _enrol(update, context)
    view = app.groups.answer(post.group_id, person, post.local_date, post.question_id)
    answer = render.choice_answer(view.type, cb.int_arg(0))
    result = app.practice.submit_answer(person, view.attempt_id, answer)
    if result.already_answered:
        await query.answer(result.grade.feedback, show_alert=True)
        return
    score = result.grade.score
    await query.answer(f"Your answer: {score:.0%}" if score is not None else "Answer saved")
    await _group_outcome(update, context, person, result, message.message_id)


async def _tap_setting(
    update: Update, context: Context, query: CallbackQuery, cb: Callback
) -> None:
    person = _person(update, context)
    app = _app(context)
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
        _data(context)["awaiting"] = onboarding.Awaiting(mode, field)
        await query.answer()
        await _say(update, context, onboarding.TYPE_PROMPTS[field])
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
        _data(context).pop("zone", None)
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
    _data(context).pop("awaiting", None)
    await query.answer(toast)
    text, keyboard = screen
    try:
        await query.edit_message_text(text, parse_mode="HTML", reply_markup=keyboard)
    except BadRequest as exc:
        logger.debug("settings screen unchanged: %s", exc)


async def _tap_forget(update: Update, context: Context, query: CallbackQuery, cb: Callback) -> None:
    person = _person(update, context)
    app = _app(context)
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
        await _strip_keyboard(query)
        return
    app.subscriptions.unsubscribe(PLATFORM, str(_chat_id(update)))
    app.practice.forget(person)
    _forget_cache(context)
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


# ------------------------------------------------------------ guards and errors


async def dedupe(update: Update, context: Context) -> None:
    """Drop an update whose update_id was already handled (webhook retries, replays)."""
    seen = context.bot_data.setdefault("seen_updates", _Seen())
    if not seen.add(update.update_id):
        logger.info("ignoring duplicate update %s", update.update_id)
        raise ApplicationHandlerStop


class _Seen:
    """A bounded set of recent update ids."""

    def __init__(self, size: int = SEEN_UPDATES) -> None:
        self.order: deque[int] = deque(maxlen=size)
        self.ids: set[int] = set()

    def add(self, update_id: int) -> bool:
        """Remember an id; False when it was already there."""
        if update_id in self.ids:
            return False
        if len(self.order) == self.order.maxlen:
            self.ids.discard(self.order[0])
        self.order.append(update_id)
        self.ids.add(update_id)
        return True


async def on_error(update: object, context: Context) -> None:
    """Log a failure with its context and answer the person politely."""
    error = context.error
    tg_update = update if isinstance(update, Update) else None
    query = tg_update.callback_query if tg_update else None
    chat = tg_update.effective_chat if tg_update else None
    if isinstance(error, PracticeError):
        if isinstance(error, NotEnrolled):
            _forget_cache(context)
        await _tell(context, tg_update, str(error))
        return
    if isinstance(error, Forbidden) and chat is not None and chat.type == ChatType.PRIVATE:
        logger.info("chat %s blocked the bot; daily delivery stopped", chat.id)
        _app(context).subscriptions.deactivate(PLATFORM, str(chat.id), "blocked the bot")
        if query is not None:
            await _quietly(query.answer())
        return
    logger.error(
        "update %s failed (chat %s, user %s, %s)",
        tg_update.update_id if tg_update else None,
        chat.id if chat else None,
        tg_update.effective_user.id if tg_update and tg_update.effective_user else None,
        _kind(tg_update),
        exc_info=error,
    )
    await _tell(context, tg_update, SORRY)


async def _tell(context: Context, update: Update | None, text: str) -> None:
    if update is None:
        return
    query = update.callback_query
    if query is not None:
        await _quietly(query.answer(text[:200], show_alert=True))
        return
    chat = update.effective_chat
    message = update.effective_message
    if chat is None:
        return
    reply_to = message.message_id if message and chat.type != ChatType.PRIVATE else None
    await _quietly(send_html(context.bot, chat.id, esc(text), reply_to=reply_to))


async def _quietly(call: Any) -> None:
    try:
        await call
    except TelegramError as exc:
        logger.warning("could not tell the person about an error: %s", exc)


def _kind(update: Update | None) -> str:
    if update is None:
        return "no update"
    if update.callback_query is not None:
        return f"button {update.callback_query.data!r}"
    message = update.effective_message
    if message is not None and message.text:
        return (
            "command " + message.text.split()[0][:32]
            if message.text.startswith("/")
            else (f"text of {len(message.text)} chars")
        )
    return "other update"
