"""Telegram adapter fixtures: the real core over a temp SQLite file, PTB's real
Application, and a recording request object standing in for the Bot API (no sockets)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

from interviewprep.adapters.telegram.application import (
    TelegramApp,
    build_application,
    memory_of,
)
from interviewprep.adapters.telegram.sender import TelegramSender
from interviewprep.app import App, build_app
from interviewprep.config import Settings
from interviewprep.domain.clock import FixedClock
from tests.adapters.telegram import fake_api
from tests.adapters.telegram.fake_api import FakeBotApi, Sent

PACKS = Path(__file__).parent / "packs"


class RecordingRequest(BaseRequest):
    """Answers Bot API calls from a :class:`FakeBotApi` instead of the network."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request_data is not None:
            params = dict(request_data.parameters)
            if request_data.contains_files:
                names: dict[str, str] = {}
                for key, value in request_data.multipart_data.items():
                    if isinstance(value, tuple) and isinstance(value[1], bytes):
                        names[key], files[key] = str(value[0]), value[1]
                for key, param in list(params.items()):
                    if isinstance(param, str) and param.startswith("attach://"):
                        files[key] = files.get(param.removeprefix("attach://"), b"")
                if "document" in names:
                    params["filename"] = names["document"]
        status, body = self.api.handle(name, params, files)
        return status, json.dumps(body).encode()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: temp SQLite file, the Telegram test pack only, no fuzzing."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'telegram.db'}",
        "builtin_packs": False,
        "pack_dirs": [PACKS],
        "fuzz_intervals": False,
        "default_timezone": "UTC",
        "telegram_token": fake_api.TOKEN,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Harness:
    """Drives the real Application with updates; inspects what the user sees."""

    app: App
    application: TelegramApp
    api: FakeBotApi
    clock: FixedClock
    sender: TelegramSender

    async def process(self, update: dict[str, Any]) -> None:
        """Feed one raw update through the Application."""
        await self.application.process_update(Update.de_json(update, self.application.bot))

    async def say(
        self,
        who: dict[str, Any],
        text: str | None,
        group: int | None = None,
        reply_to: int | None = None,
        extra: dict[str, Any] | None = None,
        kind: str = "message",
    ) -> list[Sent]:
        """``who`` sends ``text``; returns the messages the bot sent in reply."""
        chat = group if group is not None else who["id"]
        before = {m.message_id for m in self.api.in_chat(chat)}
        update = fake_api.message_update(
            self.api.next_update_id(), who, text, group, reply_to, extra=extra, kind=kind
        )
        await self.process(update)
        return [m for m in self.api.in_chat(chat) if m.message_id not in before]

    async def tap(self, who: dict[str, Any], message: Sent, data: str) -> list[Sent]:
        """``who`` taps a button with ``data`` on ``message``; returns new messages."""
        before = {m.message_id for m in self.api.in_chat(message.chat_id)}
        await self.process(fake_api.callback_update(self.api.next_update_id(), who, data, message))
        return [m for m in self.api.in_chat(message.chat_id) if m.message_id not in before]

    async def press(self, who: dict[str, Any], message: Sent, label: str) -> list[Sent]:
        """Tap the button whose label contains ``label``."""
        return await self.tap(who, message, message.data(label))

    async def answer_by_tap(self, who: dict[str, Any], message: Sent, label: str) -> Sent:
        """Tap an answer button; the message showing the result: in a private chat the
        question itself, edited in place (asserted: nothing new is sent)."""
        assert await self.press(who, message, label) == []
        return message

    def toast(self) -> str:
        """The text of the last answerCallbackQuery."""
        assert self.api.callback_answers, "no callback was answered"
        return str(self.api.callback_answers[-1].get("text", ""))

    def person(self, who: dict[str, Any]) -> int:
        """The person id of a Telegram user (asserts enrolled)."""
        person = self.app.practice.find_person("telegram", str(who["id"]))
        assert person is not None
        return person

    async def onboard(
        self, who: dict[str, Any], topics: tuple[str, ...] = (), at: str = "09:00"
    ) -> None:
        """Run /start and accept the defaults (or pick ``topics`` and the time ``at``)."""
        sent = await self.say(who, "/start")
        screen = sent[-1]
        for topic in topics:
            await self.press(who, screen, topic)
        await self.press(who, screen, "Done")
        await self.press(who, self.api.last(who["id"]), "Mid")
        await self.press(who, self.api.last(who["id"]), at)
        await self.press(who, self.api.last(who["id"]), "Yes")
        await self.press(who, self.api.last(who["id"]), "5")


@pytest.fixture
def tg_clock() -> FixedClock:
    """Saturday 2026-03-07 09:00 UTC."""
    from datetime import UTC, datetime

    return FixedClock(datetime(2026, 3, 7, 9, 0, tzinfo=UTC))


@pytest.fixture
def tg_app(tmp_path: Path, tg_clock: FixedClock) -> Iterator[App]:
    """The real core over a temp SQLite file and the Telegram test pack."""
    app = build_app(make_settings(tmp_path), clock=tg_clock)
    yield app
    app.close()


@pytest.fixture
async def tg(tg_app: App, tg_clock: FixedClock) -> AsyncIterator[Harness]:
    """The real Application over the recording request, initialised."""
    api = FakeBotApi()
    request = RecordingRequest(api)
    application = build_application(
        tg_app, fake_api.TOKEN, request=request, get_updates_request=request, updater=False
    )
    await application.initialize()
    bot = Bot(fake_api.TOKEN, request=request)
    await bot.initialize()
    try:
        sender = TelegramSender(bot, tg_app, memory_of(application))
        yield Harness(tg_app, application, api, tg_clock, sender)
    finally:
        await bot.shutdown()
        await application.shutdown()
