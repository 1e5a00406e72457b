"""A fake Discord gateway and REST API on 127.0.0.1 for driving the real discord.py client.

The gateway speaks plain JSON text frames (HELLO, IDENTIFY, READY, GUILD_CREATE,
heartbeats, INTERACTION_CREATE, GUILD_DELETE); the REST side answers the routes the
adapter uses (login, application commands, interaction callbacks and webhooks, channel
messages, threads, DM channels) and records every request it receives.

Faults are switched on per channel, guild or user: a deleted channel (404 Unknown
Channel), missing permissions (403 50013), the bot kicked (403 50001), DMs closed
(403 50007), a rate limit (429 with ``retry_after``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord.gateway
import discord.http
import yarl
from aiohttp import web

API = "/api/v10"
EPHEMERAL = 64
MESSAGE_CONTENT_INTENT = 1 << 15

# permission bits used by the tests
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_HISTORY = 1 << 16
MANAGE_GUILD = 1 << 5
CREATE_PUBLIC_THREADS = 1 << 35
SEND_IN_THREADS = 1 << 38
BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_HISTORY
    | CREATE_PUBLIC_THREADS
    | SEND_IN_THREADS
)
MEMBER_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY | SEND_IN_THREADS
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_GUILD

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    """A new unique id, as Discord sends them (a string)."""
    return str(next(_ids))


def user(name: str, uid: str | None = None, bot: bool = False) -> dict[str, Any]:
    """A user payload."""
    return {
        "id": uid or snowflake(),
        "username": name.lower(),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


@dataclass
class Recorded:
    """One HTTP request the fake received."""

    method: str
    path: str
    json: Any
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200


@dataclass
class Exchange:
    """Everything the bot sent back for one interaction."""

    id: str
    token: str
    channel_id: str
    sent_at: float
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    acked_at: float | None = None
    message_id: str | None = None  # the message a clicked component is on
    original_id: str | None = None  # the interaction's own response message
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def type(self) -> int | None:
        """The interaction callback type (4 message, 5 deferred, 6 deferred update, 7, 9)."""
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def settled(self) -> bool:
        """Answered: a message, a modal, or a deferral followed by its followup/edit."""
        if not self.callbacks:
            return False
        if self.type in (5, 6):
            return bool(self.followups or self.edits)
        return True

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """The message payloads a user sees, in order (callback data, edits, followups)."""
        out: list[dict[str, Any]] = []
        for callback in self.callbacks:
            if callback["type"] in (4, 7) and callback.get("data"):
                out.append(callback["data"])
        out.extend(self.edits)
        out.extend(self.followups)
        return out

    @property
    def last(self) -> dict[str, Any]:
        """The newest visible payload."""
        payloads = self.payloads
        assert payloads, f"no visible reply; callbacks={self.callbacks}"
        return payloads[-1]

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened, if any."""
        for callback in self.callbacks:
            if callback["type"] == 9:
                data: dict[str, Any] = callback["data"]
                return data
        return None

    @property
    def text(self) -> str:
        """Everything visible, flattened to text (content, embeds, button labels)."""
        return "\n".join(flatten(p) for p in self.payloads)

    @property
    def ephemeral(self) -> bool:
        """True when the first visible reply is only for the person who interacted."""
        for callback in self.callbacks:
            data = callback.get("data") or {}
            if callback["type"] in (4, 5):
                return bool(int(data.get("flags", 0)) & EPHEMERAL)
        if self.followups:
            return bool(int(self.followups[0].get("flags", 0)) & EPHEMERAL)
        return False


def flatten(payload: dict[str, Any]) -> str:
    """Message payload -> plain text: content, embed parts, component labels."""
    parts: list[str] = [payload.get("content") or ""]
    for embed in payload.get("embeds") or []:
        parts.append(embed.get("title") or "")
        parts.append(embed.get("description") or "")
        for f in embed.get("fields") or []:
            parts.append(f"{f.get('name', '')}: {f.get('value', '')}")
        footer = embed.get("footer") or {}
        parts.append(footer.get("text") or "")
    for component in iter_components(payload.get("components") or []):
        if component.get("label"):
            parts.append(f"[{component['label']}]")
        for option in component.get("options") or []:
            parts.append(f"<{option.get('label')}>")
    return "\n".join(p for p in parts if p)


def iter_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component, depth first (action rows, labels, their children)."""
    for component in components:
        yield component
        yield from iter_components(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            yield from iter_components([component["component"]])


def custom_ids(payload: dict[str, Any]) -> list[str]:
    """The custom_ids of every component in a message payload."""
    return [
        c["custom_id"] for c in iter_components(payload.get("components") or []) if "custom_id" in c
    ]


class FakeGuild:
    """A guild with text channels, roles and an owner."""

    def __init__(self, name: str, owner: dict[str, Any], bot_user: dict[str, Any]) -> None:
        self.id = snowflake()
        self.name = name
        self.owner = owner
        self.bot_user = bot_user
        self.channels: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {
            self.id: self._role(self.id, "@everyone", MEMBER_PERMISSIONS)
        }
        self.bot_role = snowflake()
        self.roles[self.bot_role] = self._role(self.bot_role, "interviewprep", BOT_PERMISSIONS)

    @staticmethod
    def _role(rid: str, name: str, permissions: int) -> dict[str, Any]:
        return {
            "id": rid,
            "name": name,
            "color": 0,
            "hoist": False,
            "position": 0 if name == "@everyone" else 1,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": True,
            "flags": 0,
        }

    def add_channel(self, name: str, deny_bot: int = 0) -> str:
        """A text channel; ``deny_bot`` removes permissions from the bot's role there."""
        cid = snowflake()
        overwrites = []
        if deny_bot:
            overwrites.append({"id": self.bot_role, "type": 0, "allow": "0", "deny": str(deny_bot)})
        self.channels[cid] = {
            "id": cid,
            "type": 0,
            "guild_id": self.id,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": overwrites,
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        return cid

    def add_role(self, name: str) -> str:
        """A mentionable role."""
        rid = snowflake()
        self.roles[rid] = self._role(rid, name, 0)
        return rid

    def payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload."""
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "owner_id": self.owner["id"],
            "unavailable": False,
            "member_count": 2,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": list(self.roles.values()),
            "channels": list(self.channels.values()),
            "threads": [],
            "members": [
                {
                    "user": self.bot_user,
                    "roles": [self.bot_role],
                    "joined_at": "2026-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                }
            ],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
        }


class FakeDiscord:
    """The fake Discord: start it, point discord.py at it, then drive interactions."""

    def __init__(self) -> None:
        self.bot_user = user("interviewprep", bot=True)
        self.app_id = self.bot_user["id"]
        self.guilds: dict[str, FakeGuild] = {}
        self.requests: list[Recorded] = []
        self.identify: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.messages: dict[str, dict[str, Any]] = {}  # every message the bot created, by id
        self.channel_log: dict[str, list[dict[str, Any]]] = {}  # channel id -> messages
        self.threads: dict[str, dict[str, Any]] = {}
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.exchanges: dict[str, Exchange] = {}
        self.ready = asyncio.Event()
        self.deleted_channels: set[str] = set()
        self.forbidden_channels: set[str] = set()
        self.no_thread_channels: set[str] = set()
        self.kicked_guilds: set[str] = set()
        self.closed_dms: set[str] = set()
        self.rate_limited: dict[str, float] = {}  # channel id -> retry_after
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.record = True
        self.valid_token: str | None = None  # when set, login with any other token fails
        self._auth = ""

    # ------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Listen on a random loopback port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop the gateway connection."""
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """The REST base URL (what ``discord.http.Route.BASE`` is set to)."""
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> yarl.URL:
        """The gateway URL (what ``DiscordWebSocket.DEFAULT_GATEWAY`` is set to)."""
        return yarl.URL(f"ws://127.0.0.1:{self.port}/gateway")

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Point discord.py at this fake for the duration of the block."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self.gateway_url
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    def add_guild(self, name: str, owner: dict[str, Any]) -> FakeGuild:
        """A guild the bot is in (sent on the next IDENTIFY)."""
        guild = FakeGuild(name, owner, self.bot_user)
        self.guilds[guild.id] = guild
        return guild

    # ---------------------------------------------------------------- gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._ws = ws
        self._seq = 0
        self.ready.clear()
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identify.append(data["d"])
                await self._dispatch(
                    "READY",
                    {
                        "v": 10,
                        "user": self.bot_user,
                        "guilds": [{"id": g, "unavailable": True} for g in self.guilds],
                        "session_id": snowflake(),
                        "resume_gateway_url": str(self.gateway_url),
                        "application": {"id": self.app_id, "flags": 0},
                        "private_channels": [],
                        "relationships": [],
                    },
                )
                for gid, guild in self.guilds.items():
                    if gid not in self.kicked_guilds:
                        await self._dispatch("GUILD_CREATE", guild.payload())
                self.ready.set()
        if self._ws is ws:
            self._ws = None
        return ws

    async def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "no gateway connection"
        self._seq += 1
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def kick(self, guild: FakeGuild) -> None:
        """The bot is removed from a guild: GUILD_DELETE, then 403 Missing Access."""
        self.kicked_guilds.add(guild.id)
        await self._dispatch("GUILD_DELETE", {"id": guild.id})
        await asyncio.sleep(0.05)

    # ------------------------------------------------------------------ REST

    async def _read(self, request: web.Request) -> tuple[Any, dict[str, bytes]]:
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                raw = await part.read()
                if part.name == "payload_json":
                    body = json.loads(raw)
                else:
                    files[part.filename or part.name or "file"] = bytes(raw)
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), files

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return self._json({"code": code, "message": message}, status=status)

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        body, files = await self._read(request)
        self._auth = request.headers.get("Authorization", "")
        path = request.path[len(API) :]
        record = Recorded(request.method, path, body, files)
        if self.record:
            self.requests.append(record)
        response = await self._route(request.method, path.strip("/").split("/"), body, files)
        record.status = response.status
        return response

    async def _route(
        self, method: str, parts: list[str], body: Any, files: dict[str, bytes]
    ) -> web.StreamResponse:
        match method, parts:
            case "GET", ["users", "@me"]:
                if self.valid_token is not None and self._auth != f"Bot {self.valid_token}":
                    return self._error(401, 0, "401: Unauthorized")
                return self._json(self.bot_user)
            case "GET", ["oauth2", "applications", "@me"]:
                return self._json(
                    {
                        "id": self.app_id,
                        "name": "interviewprep",
                        "icon": None,
                        "description": "",
                        "rpc_origins": [],
                        "bot_public": True,
                        "bot_require_code_grant": False,
                        "owner": user("owner"),
                        "summary": "",
                        "verify_key": "0" * 64,
                        "flags": 0,
                        "interactions_endpoint_url": None,
                    }
                )
            case "PUT", ["applications", _, "commands"]:
                self.commands = [
                    {**c, "id": snowflake(), "application_id": self.app_id, "version": "1"}
                    for c in body
                ]
                return self._json(self.commands)
            case "POST", ["interactions", iid, token, "callback"]:
                return self._callback(iid, token, body, files)
            case "POST", ["webhooks", _, token]:
                exchange = self.exchanges[token]
                message = self._message(exchange_channel(exchange, self), body, files)
                exchange.followups.append(message)
                exchange.changed.set()
                return self._json(message)
            case "PATCH", ["webhooks", _, token, "messages", mid]:
                exchange = self.exchanges[token]
                if mid == "@original":
                    mid = (
                        exchange.message_id
                        if exchange.type in (6, 7)
                        else (exchange.original_id or mid)
                    )
                message = self._message(exchange_channel(exchange, self), body, files, mid=mid)
                exchange.edits.append(message)
                exchange.changed.set()
                return self._json(message)
            case "GET", ["webhooks", _, token, "messages", mid]:
                exchange = self.exchanges[token]
                found = self.messages.get(mid) or (
                    exchange.payloads[-1] if exchange.payloads else {}
                )
                return self._json(found)
            case "DELETE", ["webhooks", _, _, "messages", _]:
                return web.Response(status=204)
            case "POST", ["users", "@me", "channels"]:
                uid = str(body["recipient_id"])
                cid = self.dm_channels.setdefault(uid, snowflake())
                return self._json(
                    {
                        "id": cid,
                        "type": 1,
                        "recipients": [user("someone", uid)],
                        "last_message_id": None,
                    }
                )
            case "POST", ["channels", cid, "messages"]:
                return self._post_message(cid, body, files)
            case "POST", ["channels", cid, "messages", mid, "threads"]:
                return self._create_thread(cid, mid, body)
            case "GET", ["channels", cid]:
                fault = self._channel_fault(cid)
                if fault is not None:
                    return fault
                channel = self._channel(cid)
                return (
                    self._json(channel) if channel else self._error(404, 10003, "Unknown Channel")
                )
        return self._error(404, 0, f"fake discord: no route {method} /{'/'.join(parts)}")

    def _callback(
        self, iid: str, token: str, body: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        exchange = self.exchanges.get(token)
        if exchange is None or exchange.id != iid:
            return self._error(404, 10062, "Unknown interaction")
        if exchange.callbacks:
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        exchange.acked_at = time.perf_counter()
        data = body.get("data") or {}
        message_id = exchange.message_id if body["type"] == 7 else snowflake()
        assert message_id is not None
        exchange.original_id = message_id
        if body["type"] in (4, 7):
            message = self._message(exchange_channel(exchange, self), data, files, mid=message_id)
            body = {**body, "data": message}
        exchange.callbacks.append(body)
        exchange.files.extend(files.items())
        exchange.changed.set()
        return self._json(
            {
                "interaction": {
                    "id": iid,
                    "type": 2,
                    "response_message_id": message_id,
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(int(data.get("flags", 0)) & EPHEMERAL),
                },
                "resource": {"type": body["type"], "message": body["data"]}
                if body["type"] in (4, 7)
                else {"type": body["type"]},
            }
        )

    def _channel(self, cid: str) -> dict[str, Any] | None:
        for guild in self.guilds.values():
            if cid in guild.channels:
                return guild.channels[cid]
        return self.threads.get(cid)

    def _guild_of(self, cid: str) -> FakeGuild | None:
        for guild in self.guilds.values():
            if cid in guild.channels:
                return guild
        thread = self.threads.get(cid)
        if thread is not None:
            return self.guilds.get(thread["guild_id"])
        return None

    def _channel_fault(self, cid: str) -> web.Response | None:
        guild = self._guild_of(cid)
        if guild is not None and guild.id in self.kicked_guilds:
            return self._error(403, 50001, "Missing Access")
        if cid in self.deleted_channels:
            return self._error(404, 10003, "Unknown Channel")
        if cid in self.rate_limited:
            retry = self.rate_limited[cid]
            return self._json(
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                status=429,
                headers={
                    "Retry-After": str(retry),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(retry),
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "shared",
                },
            )
        return None

    def _post_message(
        self, cid: str, body: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        fault = self._channel_fault(cid)
        if fault is not None:
            return fault
        if cid in self.forbidden_channels:
            return self._error(403, 50013, "Missing Permissions")
        dm_user = next((u for u, c in self.dm_channels.items() if c == cid), None)
        if dm_user is not None and dm_user in self.closed_dms:
            return self._error(403, 50007, "Cannot send messages to this user")
        if dm_user is None and self._channel(cid) is None:
            return self._error(404, 10003, "Unknown Channel")
        message = self._message(cid, body, files)
        self.channel_log.setdefault(cid, []).append(message)
        return self._json(message)

    def _create_thread(self, cid: str, mid: str, body: dict[str, Any]) -> web.Response:
        fault = self._channel_fault(cid)
        if fault is not None:
            return fault
        if cid in self.no_thread_channels or cid in self.forbidden_channels:
            return self._error(403, 50013, "Missing Permissions")
        guild = self._guild_of(cid)
        assert guild is not None
        thread = {
            "id": mid,
            "type": 11,
            "guild_id": guild.id,
            "parent_id": cid,
            "owner_id": self.bot_user["id"],
            "name": body["name"],
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": "2026-01-01T00:00:00+00:00",
                "locked": False,
            },
        }
        self.threads[mid] = thread
        return self._json(thread, status=201)

    def _message(
        self,
        cid: str,
        body: dict[str, Any] | None,
        files: dict[str, bytes],
        mid: str | None = None,
    ) -> dict[str, Any]:
        body = body or {}
        if mid is not None and mid in self.messages and mid != "@original":
            message = dict(self.messages[mid])
            message.update({k: v for k, v in body.items() if k != "attachments"})
        else:
            message = {
                "id": mid if mid and mid != "@original" else snowflake(),
                "channel_id": cid,
                "author": self.bot_user,
                "content": "",
                "timestamp": "2026-03-07T09:00:00+00:00",
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": False,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "pinned": False,
                "type": 0,
                "components": [],
                "flags": 0,
                **{k: v for k, v in body.items() if k != "attachments"},
            }
        message["attachments"] = [
            {"id": snowflake(), "filename": name, "size": len(data), "url": "http://x/" + name}
            for name, data in files.items()
        ]
        message["files"] = files
        message["request"] = body
        self.messages[message["id"]] = message
        return message

    # ----------------------------------------------------------- interactions

    def _base(
        self,
        kind: int,
        who: dict[str, Any],
        guild: FakeGuild | None,
        channel_id: str | None,
        data: dict[str, Any],
        permissions: int,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        iid, token = snowflake(), "tok-" + snowflake()
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.app_id,
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 8 * 1024 * 1024,
            "app_permissions": str(BOT_PERMISSIONS),
        }
        if guild is not None:
            cid = channel_id or next(iter(guild.channels))
            payload.update(
                guild_id=guild.id,
                channel_id=cid,
                channel={"id": cid, "type": 0, "guild_id": guild.id, "name": "x"},
                guild={"id": guild.id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                member={
                    "user": who,
                    "roles": [],
                    "permissions": str(permissions),
                    "joined_at": "2026-01-01T00:00:00+00:00",
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "nick": None,
                },
                context=0,
                authorizing_integration_owners={"0": guild.id},
            )
        else:
            cid = channel_id or self.dm_channels.setdefault(who["id"], snowflake())
            payload.update(
                channel_id=cid,
                channel={"id": cid, "type": 1, "recipients": [who]},
                user=who,
                context=1,
                authorizing_integration_owners={"0": "0"},
            )
        if message is not None:
            clean = {k: v for k, v in message.items() if k not in {"files", "request"}}
            payload["message"] = clean
        return payload

    def _command(self, name: str) -> dict[str, Any]:
        for command in self.commands:
            if command["name"] == name:
                return command
        raise AssertionError(
            f"/{name} was not synced; synced: {[c['name'] for c in self.commands]}"
        )

    def slash_payload(
        self,
        name: str,
        who: dict[str, Any],
        guild: FakeGuild | None = None,
        options: dict[str, Any] | None = None,
        sub: str | None = None,
        permissions: int = MEMBER_PERMISSIONS,
        channel_id: str | None = None,
    ) -> dict[str, Any]:
        """An application command interaction, typed from the synced command schema."""
        command = self._command(name)
        schema = command.get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        if sub is not None:
            subcommand = next((o for o in schema if o["name"] == sub), None)
            assert subcommand is not None, f"/{name} has no subcommand {sub}"
            schema = subcommand.get("options") or []
        values = []
        for key, value in (options or {}).items():
            spec = next((o for o in schema if o["name"] == key), None)
            assert spec is not None, f"/{name} {sub or ''} has no option {key!r}"
            if spec["type"] == 7:  # channel
                assert guild is not None
                resolved.setdefault("channels", {})[value] = {
                    **guild.channels[value],
                    "permissions": str(ADMIN_PERMISSIONS),
                }
            elif spec["type"] == 8:  # role
                assert guild is not None
                resolved.setdefault("roles", {})[value] = guild.roles[value]
            values.append({"name": key, "type": spec["type"], "value": value})
        top: list[dict[str, Any]] = (
            [{"name": sub, "type": 1, "options": values}] if sub is not None else values
        )
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1, "options": top}
        if resolved:
            data["resolved"] = resolved
        return self._base(2, who, guild, channel_id, data, permissions)

    def autocomplete_payload(
        self, name: str, who: dict[str, Any], option: str, typed: str, guild: FakeGuild | None
    ) -> dict[str, Any]:
        """An autocomplete request while ``who`` types ``typed`` into ``option``."""
        payload = self.slash_payload(name, who, guild, {option: typed})
        payload["type"] = 4
        payload["data"]["options"][0]["focused"] = True
        return payload

    def click_payload(
        self,
        message: dict[str, Any],
        custom_id: str,
        who: dict[str, Any],
        guild: FakeGuild | None = None,
        values: list[str] | None = None,
        permissions: int = MEMBER_PERMISSIONS,
    ) -> dict[str, Any]:
        """A button click (or select) on a message the bot sent."""
        component = next(
            (
                c
                for c in iter_components(message.get("components") or [])
                if c.get("custom_id") == custom_id
            ),
            None,
        )
        kind = component["type"] if component else 2
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
        if values is not None:
            data["values"] = values
        return self._base(
            3, who, guild, message.get("channel_id"), data, permissions, message=message
        )

    def modal_payload(
        self,
        custom_id: str,
        fields: dict[str, str],
        who: dict[str, Any],
        guild: FakeGuild | None = None,
        channel_id: str | None = None,
        label_wrapped: bool = True,
    ) -> dict[str, Any]:
        """A modal submit with text inputs (wrapped in Label or ActionRow components)."""
        components = []
        for cid, value in fields.items():
            inner = {"type": 4, "custom_id": cid, "value": value}
            if label_wrapped:
                components.append({"type": 18, "component": inner})
            else:
                components.append({"type": 1, "components": [inner]})
        data = {"custom_id": custom_id, "components": components}
        return self._base(5, who, guild, channel_id, data, MEMBER_PERMISSIONS)

    async def send_interaction(self, payload: dict[str, Any]) -> Exchange:
        """Dispatch INTERACTION_CREATE; return the exchange that records the answer."""
        exchange = Exchange(
            payload["id"], payload["token"], payload["channel_id"], time.perf_counter()
        )
        exchange.message_id = (payload.get("message") or {}).get("id")
        self.exchanges[payload["token"]] = exchange
        await self._dispatch("INTERACTION_CREATE", payload)
        return exchange

    async def interact(self, payload: dict[str, Any], within: float = 5.0) -> Exchange:
        """Send an interaction and wait until the bot has answered it."""
        exchange = await self.send_interaction(payload)
        await self.settle(exchange, within)
        return exchange

    @staticmethod
    async def settle(exchange: Exchange, within: float = 5.0) -> Exchange:
        """Wait until the exchange is answered (a deferral needs its followup too)."""
        deadline = time.perf_counter() + within
        while not exchange.settled:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise AssertionError(f"interaction not answered in {within} s: {exchange}")
            exchange.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(exchange.changed.wait(), remaining)
        # give a moment for follow-on requests (announcements, edits) to land
        await asyncio.sleep(0.02)
        return exchange

    # ---------------------------------------------------------------- queries

    def requests_to(self, method: str, prefix: str) -> list[Recorded]:
        """Recorded requests whose path starts with ``prefix``."""
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def posts_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages the bot posted in a channel or thread."""
        return self.channel_log.get(channel_id, [])


def exchange_channel(exchange: Exchange, fake: FakeDiscord) -> str:
    """The channel an interaction happened in (for message payloads)."""
    return exchange.channel_id
