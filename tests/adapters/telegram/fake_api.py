"""A fake Telegram Bot API: the state behind both the recording request (no sockets) and
the aiohttp server the end-to-end tests poll.

It keeps what a user would see (messages per chat, their text and buttons), records
every call, and can be told to fail a method once (a 429 with retry_after, a 403 for a
user who blocked the bot, a 400 for a chat without rights).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BOT = {"id": 7000, "is_bot": True, "first_name": "Interview Prep", "username": "interviewprep_bot"}
TOKEN = "7000:TEST-token-do-not-log-aaaaaaaaaaaaaaaa"

_DECODE = {"reply_markup", "reply_parameters", "commands", "scope", "allowed_updates", "options"}


def visible(html: str) -> str:
    """What a reader sees of an HTML message (tags dropped, entities decoded)."""
    import html as _html

    return _html.unescape(re.sub(r"<[^<>]+>", "", html))


_ENTITY_TYPES = {
    "b": "bold",
    "i": "italic",
    "u": "underline",
    "s": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "a": "text_link",
}


def entities_of(html: str) -> tuple[str, list[dict[str, Any]]]:
    """The text and entities Telegram makes of an HTML message (offsets in UTF-16 units)."""
    import html as _html

    text: list[str] = []
    size = 0
    opened: list[tuple[str, int, str | None]] = []
    entities: list[dict[str, Any]] = []
    for match in re.finditer(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>|([^<]+)", html):
        if match.group(4) is not None:
            chunk = _html.unescape(match.group(4))
            text.append(chunk)
            size += len(chunk.encode("utf-16-le")) // 2
        elif not match.group(1):
            href = re.search(r'href="([^"]*)"', match.group(3))
            opened.append((match.group(2).lower(), size, href.group(1) if href else None))
        else:
            name, start, url = opened.pop()
            if size > start:
                entity: dict[str, Any] = {
                    "type": _ENTITY_TYPES[name],
                    "offset": start,
                    "length": size - start,
                }
                if url is not None:
                    entity["url"] = url
                entities.append(entity)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(text), entities


@dataclass
class Sent:
    """One message as it stands in a chat (edits applied)."""

    chat_id: int
    message_id: int
    html: str
    keyboard: list[list[dict[str, Any]]] | None
    reply_to: int | None = None
    document: bytes | None = None
    filename: str | None = None
    edits: int = 0

    @property
    def text(self) -> str:
        """The text as shown."""
        return visible(self.html)

    @property
    def buttons(self) -> list[str]:
        """Every button label, in order."""
        return [b["text"] for row in self.keyboard or [] for b in row]

    def data(self, label_part: str) -> str:
        """The callback data of the first button whose label contains ``label_part``."""
        for row in self.keyboard or []:
            for b in row:
                if label_part in b["text"]:
                    return str(b.get("callback_data"))
        raise AssertionError(f"no button with {label_part!r} in {self.buttons}")


@dataclass
class Failure:
    """A scripted error response for one call."""

    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None
    migrate_to: int | None = None


@dataclass
class FakeBotApi:
    """The server side of the Bot API, in memory."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    messages: dict[tuple[int, int], Sent] = field(default_factory=dict)
    member_status: dict[tuple[int, int], str] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, list[str]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(100))
    _update_ids: Any = field(default_factory=lambda: itertools.count(1))

    # ---------------------------------------------------------------- scripting

    def fail(self, method: str, failure: Failure) -> None:
        """Fail the next call of ``method`` (to ``failure.chat_id`` if given) once."""
        self.failures.setdefault(method, []).append(failure)

    def in_chat(self, chat_id: int) -> list[Sent]:
        """Messages in a chat, oldest first."""
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    def last(self, chat_id: int) -> Sent:
        """The newest message in a chat."""
        found = self.in_chat(chat_id)
        assert found, f"no messages in chat {chat_id}"
        return found[-1]

    def count(self, method: str) -> int:
        """How many times ``method`` was called."""
        return sum(1 for name, _ in self.calls if name == method)

    def next_update_id(self) -> int:
        """A fresh update id."""
        return int(next(self._update_ids))

    # ------------------------------------------------------------------ serving

    def handle(
        self, method: str, params: Mapping[str, Any], files: Mapping[str, bytes] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        decoded = {k: _decode(k, v) for k, v in params.items()}
        self.calls.append((method, decoded))
        failure = self._take_failure(method, decoded)
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            if failure.migrate_to is not None:
                body["parameters"] = {"migrate_to_chat_id": failure.migrate_to}
            return failure.status, body
        handler = getattr(self, "_" + re.sub(r"(?<!^)([A-Z])", r"_\1", method).lower(), None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 200, {"ok": True, "result": handler(decoded, files or {})}

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        queue = self.failures.get(method) or []
        for index, failure in enumerate(queue):
            if failure.chat_id is None or str(failure.chat_id) == str(params.get("chat_id")):
                return queue.pop(index)
        return None

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        chat_type = "private" if sent.chat_id > 0 else "supergroup"
        text, entities = entities_of(sent.html)
        data: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": 1_772_870_400,
            "chat": {"id": sent.chat_id, "type": chat_type},
            "from": BOT,
            "text": text or "-",
        }
        if entities:
            data["entities"] = entities
        if sent.keyboard:
            data["reply_markup"] = {"inline_keyboard": sent.keyboard}
        return data

    def _get_me(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        return BOT

    def _delete_webhook(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        return True

    def _set_my_commands(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands[scope] = [c["command"] for c in params["commands"]]
        return True

    def _get_updates(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        return self.updates[:limit]

    def _send_message(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        chat_id = int(params["chat_id"])
        markup = params.get("reply_markup") or {}
        reply = (params.get("reply_parameters") or {}).get("message_id")
        text = str(params["text"])
        assert len(text.encode("utf-16-le")) // 2 <= 4096, "message over 4096 characters"
        assert params.get("parse_mode") == "HTML", "every message is HTML"
        _check_html(text)
        sent = Sent(chat_id, int(next(self._ids)), text, markup.get("inline_keyboard"), reply)
        _check_keyboard(sent.keyboard)
        self.messages[(chat_id, sent.message_id)] = sent
        return self._message_json(sent)

    def _send_document(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        chat_id = int(params["chat_id"])
        content = files.get("document", b"")
        sent = Sent(chat_id, int(next(self._ids)), str(params.get("caption", "")), None)
        sent.document = content
        sent.filename = str(params.get("filename") or "")
        self.messages[(chat_id, sent.message_id)] = sent
        data = self._message_json(sent)
        data["document"] = {"file_id": "f1", "file_unique_id": "u1", "file_name": sent.filename}
        return data

    def _edit_message_text(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        sent = self.messages[(int(params["chat_id"]), int(params["message_id"]))]
        _check_html(str(params["text"]))
        sent.html = str(params["text"])
        sent.keyboard = (params.get("reply_markup") or {}).get("inline_keyboard")
        _check_keyboard(sent.keyboard)
        sent.edits += 1
        return self._message_json(sent)

    def _edit_message_reply_markup(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        sent = self.messages[(int(params["chat_id"]), int(params["message_id"]))]
        sent.keyboard = (params.get("reply_markup") or {}).get("inline_keyboard")
        _check_keyboard(sent.keyboard)
        sent.edits += 1
        return self._message_json(sent)

    def _answer_callback_query(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        assert len(str(params.get("text", ""))) <= 200
        self.callback_answers.append(params)
        return True

    def _get_chat_member(self, params: dict[str, Any], files: Mapping[str, bytes]) -> Any:
        key = (int(params["chat_id"]), int(params["user_id"]))
        status = self.member_status.get(key, "member")
        user = {"id": key[1], "is_bot": False, "first_name": "U"}
        if status == "administrator":
            rights = [
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ]
            return {
                "status": status,
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **dict.fromkeys(rights, True),
            }
        if status == "creator":
            return {"status": status, "user": user, "is_anonymous": False}
        return {"status": status, "user": user}


def _decode(key: str, value: Any) -> Any:
    if key in _DECODE and isinstance(value, str):
        return json.loads(value)
    return value


_ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "tg-spoiler", "span", "a"}


def _check_html(text: str) -> None:
    """Fail like Telegram on unknown or unbalanced tags (markup injection shows up here)."""
    stack: list[str] = []
    for match in re.finditer(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>", text):
        closing, name = match.group(1), match.group(2).lower()
        assert name in _ALLOWED_TAGS, f"unsupported tag <{name}> in {text[:200]!r}"
        if closing:
            assert stack, f"unbalanced </{name}> in {text[:200]!r}"
            assert stack[-1] == name, f"unbalanced </{name}> in {text[:200]!r}"
            stack.pop()
        else:
            stack.append(name)
    assert not stack, f"unclosed tags {stack} in {text[:200]!r}"
    assert "<" not in re.sub(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*>", "", text)


def _check_keyboard(keyboard: list[list[dict[str, Any]]] | None) -> None:
    for row in keyboard or []:
        for b in row:
            data = b.get("callback_data")
            if data is not None:
                assert len(str(data).encode()) <= 64, f"callback_data over 64 bytes: {data!r}"


# --------------------------------------------------------------------- updates


def user(user_id: int, name: str = "Ada", language: str | None = "en") -> dict[str, Any]:
    """A Telegram user object."""
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    if language:
        data["language_code"] = language
    return data


def chat_of(who: dict[str, Any], group: int | None = None) -> dict[str, Any]:
    """The private chat with ``who``, or a supergroup."""
    if group is not None:
        return {"id": group, "type": "supergroup", "title": "Backend <devs> & co"}
    return {"id": who["id"], "type": "private", "first_name": who["first_name"]}


def message_update(
    update_id: int,
    who: dict[str, Any],
    text: str | None,
    group: int | None = None,
    reply_to: int | None = None,
    message_id: int = 1,
    extra: dict[str, Any] | None = None,
    kind: str = "message",
) -> dict[str, Any]:
    """A message update; commands get their bot_command entity."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 1_772_870_400,
        "chat": chat_of(who, group),
        "from": who,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to,
            "date": 1_772_870_400,
            "chat": chat_of(who, group),
            "from": BOT,
            "text": "question",
        }
    if kind == "edited_message":
        message["edit_date"] = 1_772_870_500
    message.update(extra or {})
    return {"update_id": update_id, kind: message}


def callback_update(
    update_id: int, who: dict[str, Any], data: str, message: Sent
) -> dict[str, Any]:
    """A button tap on ``message``."""
    chat = (
        chat_of(who)
        if message.chat_id > 0
        else {"id": message.chat_id, "type": "supergroup", "title": "Backend <devs> & co"}
    )
    text, entities = entities_of(message.html)
    tapped: dict[str, Any] = {
        "message_id": message.message_id,
        "date": 1_772_870_400,
        "chat": chat,
        "from": BOT,
        "text": text or "-",
    }
    if entities:  # what Telegram sends: the text as shown, its formatting as entities
        tapped["entities"] = entities
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": who,
            "chat_instance": "ci",
            "data": data,
            "message": tapped,
        },
    }
