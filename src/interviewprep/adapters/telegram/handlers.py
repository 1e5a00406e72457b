"""Update handlers: each turns one kind of update into service calls and renders the result.

Handlers stay thin. Errors the services raise (:class:`PracticeError`, whose text is a
sentence for the person) propagate to :func:`on_error`, which shows them: as a reply to
a message, or as the answer to a button tap. Nothing here touches the database directly.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from typing import Any

from telegram import (
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from interviewprep.adapters.telegram import onboarding, render, zones
from interviewprep.adapters.telegram.callbacks import Verb
from interviewprep.adapters.telegram.common import (
    DEFAULT_SESSION,
    EDITED,
    FORGET_SECONDS,
    MAX_SESSION,
    NO_OPEN,
    NOTHING_LEFT,
    PLATFORM,
    SEEN_UPDATES,
    SORRY,
    TEXT_ONLY,
    Context,
    after_skip,
    ask_next,
    chat_id_of,
    enrol,
    forget_user,
    group_outcome,
    message_of,
    open_group_question,
    open_view,
    person_of,
    remembered,
    replies_to_bot,
    say,
    services,
    show_outcome,
    user_id_of,
)
from interviewprep.adapters.telegram.keyboard import Keyboard
from interviewprep.adapters.telegram.markup import esc
from interviewprep.adapters.telegram.memory import Session
from interviewprep.adapters.telegram.outbox import send_html
from interviewprep.services.errors import (
    InvalidSetting,
    NotEnrolled,
    PracticeError,
)
from interviewprep.services.settings import parse_time_of_day

logger = logging.getLogger(__name__)

# ------------------------------------------------------------- commands: people


async def start(update: Update, context: Context) -> None:
    """Enrol, subscribe this chat to the daily question, and begin onboarding."""
    person = enrol(update, context)
    app = services(context)
    app.subscriptions.subscribe(person, PLATFORM, str(chat_id_of(update)))
    user = update.effective_user
    name = user.first_name if user else ""
    await say(
        update,
        context,
        f"Hi {esc(name)}! I ask you one interview question a day, grade your answer and "
        "schedule reviews so you remember. A few quick choices first:",
    )
    text, keyboard = onboarding.screen(
        app.practice, person, onboarding.ONBOARDING, "tp", app.clock()
    )
    await say(update, context, text, keyboard)


async def settings(update: Update, context: Context) -> None:
    """Show the settings menu."""
    person = person_of(update, context)
    app = services(context)
    text, keyboard = onboarding.menu(app.practice.settings(person), app.clock())
    await say(update, context, text, keyboard)


async def today(update: Update, context: Context) -> None:
    """Send today's daily question again (or a new one if none came yet)."""
    person = person_of(update, context)
    view = services(context).practice.today(person)
    if view is None:
        await say(update, context, NOTHING_LEFT)
        return
    text, keyboard = render.question(view, title="📅 Today's question")
    await say(update, context, text, keyboard)
    if not view.answered:
        remembered(context).asked(person, view.attempt_id, user_id_of(update))


async def practice(update: Update, context: Context) -> None:
    """Start an extra session: /practice [topic] [n]."""
    person = person_of(update, context)
    topic: str | None = None
    count = DEFAULT_SESSION
    for arg in context.args or []:
        if arg.isdigit():
            count = min(max(int(arg), 1), MAX_SESSION)
        elif arg.lower() in services(context).bank.topics:
            topic = arg.lower()
        else:
            await say(
                update,
                context,
                f"There is no topic <code>{esc(arg[:64])}</code>. /topics lists them; "
                "use /practice [topic] [number], e.g. <code>/practice sql 3</code>.",
            )
            return
    remembered(context).sessions.put(user_id_of(update), Session(count, count, topic))
    await ask_next(update, context, person)


async def hint(update: Update, context: Context) -> None:
    """Show the next hint for the open question."""
    person = person_of(update, context)
    view = open_view(context, person)
    if view is None:
        await say(update, context, NO_OPEN)
        return
    text = services(context).practice.hint(person, view.attempt_id)
    await say(update, context, f"💡 {esc(text)}" if text else "No more hints for this one.")


async def skip(update: Update, context: Context) -> None:
    """Put the open question aside for today."""
    person = person_of(update, context)
    view = open_view(context, person)
    if view is None:
        await say(update, context, NO_OPEN)
        return
    services(context).practice.skip(person, view.attempt_id)
    await after_skip(update, context, person)


async def reveal(update: Update, context: Context) -> None:
    """Show the answer of the open question (scheduled as Again)."""
    person = person_of(update, context)
    view = open_view(context, person)
    if view is None:
        await say(update, context, NO_OPEN)
        return
    result = services(context).practice.reveal(person, view.attempt_id)
    await show_outcome(update, context, person, result)


async def streak(update: Update, context: Context) -> None:
    """Show the streak, freezes and a calendar of the last weeks."""
    person = person_of(update, context)
    app = services(context)
    await say(update, context, render.streak(app.practice.streak(person)))


async def stats(update: Update, context: Context) -> None:
    """Show accuracy and retention per topic, the forecast and weakest topics."""
    person = person_of(update, context)
    await say(update, context, render.stats(services(context).practice.stats(person)))


async def topics(update: Update, context: Context) -> None:
    """List the topics of the question bank."""
    app = services(context)
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
    await say(update, context, render.topics(counts, chosen))


async def report(update: Update, context: Context) -> None:
    """Store a problem report about the last question for the maintainers."""
    person = person_of(update, context)
    text = " ".join(context.args or [])
    number = services(context).community.report(person, text)
    await say(update, context, f"Thanks! Report #{number} is stored for the maintainers.")


async def export(update: Update, context: Context) -> None:
    """Send all the person's data as a JSON file."""
    person = person_of(update, context)
    data = services(context).practice.export(person)
    payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    await context.bot.send_document(
        chat_id=chat_id_of(update),
        document=payload,
        filename="interviewprep-export.json",
        caption="All your interviewprep data (JSON).",
    )


async def forget(update: Update, context: Context) -> None:
    """Ask for confirmation before deleting everything."""
    person = person_of(update, context)
    expires = int(services(context).clock().timestamp()) + FORGET_SECONDS
    keyboard = Keyboard(
        [
            [render.button("🗑 Yes, delete everything", Verb.FORGET, person, expires)],
            [render.button("Cancel", Verb.FORGET, person, 0)],
        ]
    )
    await say(
        update,
        context,
        "<b>Delete all your data?</b> Answers, schedule, streak and settings go, on every "
        "linked platform. This cannot be undone. (/export first keeps a copy.)",
        keyboard,
    )


async def link(update: Update, context: Context) -> None:
    """Make a one-time code for Discord, or redeem one made there: /link [code]."""
    app = services(context)
    if context.args:
        user = update.effective_user
        assert user is not None
        person = app.community.redeem(context.args[0], PLATFORM, str(user.id), user.full_name)
        forget_user(update, context)
        remembered(context).persons.put(user.id, person)
        app.subscriptions.subscribe(person, PLATFORM, str(chat_id_of(update)))
        await say(update, context, "🔗 Linked: this account now shares your progress.")
        return
    person = person_of(update, context)
    code = app.community.link_code(person)
    await say(
        update,
        context,
        f"Your one-time code: <code>{esc(code)}</code> (valid 10 minutes).\n"
        f"On Discord, run <code>/link {esc(code)}</code> to share this progress there.",
    )


async def help_command(update: Update, context: Context) -> None:
    """List the commands."""
    chat = update.effective_chat
    await say(update, context, render.help_text(group=bool(chat and chat.type != ChatType.PRIVATE)))


# ----------------------------------------------------------------- answering


async def answer_text(update: Update, context: Context) -> None:
    """Answer the open question with this message (or take a typed setting)."""
    message = message_of(update)
    text = message.text or ""
    if await _typed_setting(update, context, text):
        return
    user = user_id_of(update)
    # the account, its open question, grading and saving: one unit of work
    result = services(context).practice.answer_open(PLATFORM, str(user), text)
    if result is None:
        await say(update, context, NO_OPEN)
        return
    assert result.person_id is not None
    remembered(context).persons.put(user, result.person_id)
    await show_outcome(update, context, result.person_id, result)


async def _typed_setting(update: Update, context: Context, text: str) -> bool:
    memory = remembered(context)
    awaiting = memory.awaiting.get(user_id_of(update))
    if awaiting is None:
        return False
    value = onboarding.parse_typed(awaiting.field, text)
    if value is None:
        await say(
            update, context, "I could not read that. " + onboarding.TYPE_PROMPTS[awaiting.field]
        )
        return True
    person = person_of(update, context)
    app = services(context)
    toast = onboarding.apply(app.practice, person, awaiting.field, value)
    memory.awaiting.pop(user_id_of(update))
    following = onboarding.next_field(awaiting.mode, awaiting.field)
    screen = onboarding.screen(app.practice, person, awaiting.mode, following, app.clock())
    await say(update, context, f"✔ {esc(toast)}")
    await say(update, context, *screen)
    return True


async def not_text(update: Update, context: Context) -> None:
    """Explain that answers are read as text (stickers, photos, voice...)."""
    await say(update, context, TEXT_ONLY)


async def edited(update: Update, context: Context) -> None:
    """Explain that edited answers are not graded again."""
    message = update.edited_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE and not replies_to_bot(message, context):
        return  # in groups, only edits of answers to the bot get a reply
    await send_html(context.bot, message.chat_id, EDITED, reply_to=message.message_id)


# ------------------------------------------------------------------- groups


async def group_reply(update: Update, context: Context) -> None:
    """Grade a member's reply to the group's daily question."""
    message = message_of(update)
    if not replies_to_bot(message, context):
        return
    target = message.reply_to_message
    assert target is not None
    app = services(context)
    post = app.groups.post_for_message(PLATFORM, str(message.chat_id), str(target.message_id))
    if post is None:
        return  # a reply to some other message of the bot: not an answer
    if not message.text:
        await say(update, context, TEXT_ONLY, reply=True)
        return
    person, view = open_group_question(update, context, message.chat_id, post)
    result = app.practice.submit_answer(person, view.attempt_id, message.text)
    await group_outcome(update, context, person, result, message.message_id)


async def migrated(update: Update, context: Context) -> None:
    """Follow a group that became a supergroup (its chat id changes)."""
    message = message_of(update)
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    if services(context).groups.migrate(PLATFORM, str(old), str(new)) is not None:
        logger.info("group chat %s is now %s", old, new)


async def groupon(update: Update, context: Context) -> None:
    """Admins: turn on the daily group question: /groupon [HH:MM] [time zone]."""
    if not await _is_admin(update, context):
        await say(update, context, "Only group admins can turn the daily question on.", reply=True)
        return
    app = services(context)
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
    await say(
        update,
        context,
        f"👥 Daily group question is <b>on</b>: every day at {esc(view.delivery_time)} "
        f"({esc(zones.describe(view.timezone, app.clock()))}). Members answer by replying to it; "
        "each answer counts for their own schedule. /groupoff stops it.",
    )


async def groupoff(update: Update, context: Context) -> None:
    """Admins: stop the daily group question."""
    if not await _is_admin(update, context):
        await say(update, context, "Only group admins can turn the daily question off.", reply=True)
        return
    app = services(context)
    existing = app.groups.find(PLATFORM, str(chat_id_of(update)))
    if existing is None:
        await say(update, context, "The daily group question is not on here. /groupon starts it.")
        return
    app.groups.pause(existing.id)
    await say(update, context, "The daily group question is <b>off</b>. /groupon turns it back on.")


async def _is_admin(update: Update, context: Context) -> bool:
    message = message_of(update)
    chat_id = chat_id_of(update)
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
    await say(update, context, "Let's do that in a private chat with me.", keyboard, reply=True)


async def membership(update: Update, context: Context) -> None:
    """Stop sending to a person who blocked the bot, or a group that removed it."""
    change = update.my_chat_member
    if change is None:
        return
    app = services(context)
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
            forget_user(tg_update, context)
        await _tell(context, tg_update, str(error))
        return
    if isinstance(error, Forbidden) and chat is not None and chat.type == ChatType.PRIVATE:
        logger.info("chat %s blocked the bot; daily delivery stopped", chat.id)
        services(context).subscriptions.deactivate(PLATFORM, str(chat.id), "blocked the bot")
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
