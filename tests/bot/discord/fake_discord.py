"""A small fake of Discord's gateway and REST API, served on 127.0.0.1 by aiohttp inside the tests.

The real discord.py client talks to it over HTTP and a websocket; tests read the JSON the bot sent.
It enforces none of Discord's rules (permissions, deadlines, limits) except what the bot's design
relies on being faithful: intents decide which message content arrives, and unknown routes are 404s
recorded in ``unknown`` so a gap fails a test instead of passing silently. Interactions must be
acknowledged once and within Discord's 3 seconds; a breach is recorded in ``problems``. Sharding is as
Discord does it: each shard's connection IDENTIFYs with ``[shard, count]`` and gets READY and GUILD_CREATE
for its guilds only (``(guild id >> 22) % count``), and every event goes down the connection of its guild's
shard (DMs: shard 0); ``GET /gateway/bot`` recommends ``recommended_shards``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

import discord
import yarl
from aiohttp import WSMsgType, web

GUILD_MESSAGES = 1 << 9
MESSAGE_CONTENT = 1 << 15
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
THREADS = CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS

T = TypeVar("T")
_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": with a charset suffix discord.py reads the body as text.
    return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> dict[str, Any]:
        """The message a send or edit carries (an interaction callback nests it under "data")."""
        if self.path.endswith("/callback"):
            return (self.body or {}).get("data") or {}
        return self.body or {}


def user(name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": snowflake(), "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": bot, "flags": 0}


class FakeDiscord:
    """Gateway + REST on one local port; one bot, a guild with two text channels and a second guild (its
    own channel, on another shard when there are two), direct messages by slash command, and the threads
    the bot starts."""

    def __init__(self, *, token: str = "fake-token", heartbeat_interval_ms: int = 41250) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.bot_user = user("Quotebot", bot=True)
        self.owner = user("owner")
        self.app_id = snowflake()
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.other_channel_id = snowflake()
        # Guild ids 1 << 22 apart: with two shards, each guild is on its own (shard = (id >> 22) % count).
        self.second_guild_id = str(int(self.guild_id) + (1 << 22))
        self.second_channel_id = snowflake()
        self.admin_role = {"id": snowflake(), "name": "Quote Admins", "permissions": "0", "position": 1, "color": 0,
                           "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        self.calls: list[Call] = []
        self.unknown: list[str] = []
        self.problems: list[str] = []
        self.heartbeats: list[float] = []
        self.identify: dict[str, Any] | None = None  # the last IDENTIFY
        self.identifies = 0
        self.shard_count = 1  # as the bot's IDENTIFY says
        self.identified_shards: list[tuple[int, int]] = []  # (shard, count) of each IDENTIFY
        self.recommended_shards = 1  # what GET /gateway/bot tells an auto-sharded client
        # The bot's permissions in every channel (its @everyone role; app_permissions of interactions):
        # Discord's defaults include starting and posting in public threads.
        self.bot_permissions = VIEW_CHANNEL | SEND_MESSAGES | THREADS
        self.refuse_threads = False  # Discord answers 403 to starting a thread (an overwrite the bot can't see)
        self.threads: dict[str, dict[str, Any]] = {}  # id -> the thread channels the bot started
        self.user_messages: dict[str, dict[str, Any]] = {}  # what users posted (post_message, say)
        self.dm_channels: set[str] = set()
        self.left: set[str] = set()  # guilds that removed the bot: not in READY, no GUILD_CREATE
        self.messages: dict[str, dict[str, Any]] = {}
        self.attachments: dict[str, bytes] = {}
        self.commands: list[dict[str, Any]] = []
        self._interactions: dict[str, dict[str, Any]] = {}  # token -> what the fake knows of that interaction
        self._sockets: dict[int, web.WebSocketResponse] = {}  # shard -> its connection
        self._seq: dict[int, int] = {}
        self._ready = asyncio.Event()
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/cdn/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets.values()):
            if not ws.closed:
                await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """Point discord.py's REST base and gateway at this fake."""
        old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = f"{self.base}/api/v10"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # -- waiting --------------------------------------------------------------------------------
    def _record(self, call: Call) -> None:
        self.calls.append(call)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_until(self, condition: Callable[[], T], timeout: float = 10.0) -> T:
        """The first truthy value of ``condition()``, checked again after every recorded call."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                value = condition()
                if value:
                    return value
                await changed.wait()

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """The first recorded call matching ``predicate``, waiting for it if need be."""
        return await self.wait_until(lambda: next((c for c in self.calls if predicate(c)), None), timeout)

    async def wait_ready(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    def replies_to(self, token: str) -> list[Call]:
        """Calls answering the interaction with this token: callback, follow-ups, edits."""
        return [c for c in self.calls if f"/{token}/" in c.path + "/"]

    # -- gateway --------------------------------------------------------------------------------
    def shard_of(self, guild_id: str | None) -> int:
        """The shard Discord sends a guild's events to; DMs go to shard 0."""
        return (int(guild_id) >> 22) % self.shard_count if guild_id else 0

    async def dispatch(self, event: str, data: dict[str, Any], *, shard: int | None = None) -> None:
        """An event down the connection of ``shard`` (default: the shard of the event's guild)."""
        shard = self.shard_of(data.get("guild_id")) if shard is None else shard
        ws = self._sockets.get(shard)
        assert ws is not None and not ws.closed, f"shard {shard} of the bot is not connected"
        self._seq[shard] = self._seq.get(shard, 0) + 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq[shard], "d": data}))

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op = payload.get("op")
            if op == 1:
                self.heartbeats.append(time.monotonic())
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identify = payload["d"]
                self.identifies += 1
                if payload["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                shard, self.shard_count = payload["d"].get("shard") or (0, 1)
                self.identified_shards.append((shard, self.shard_count))
                self._sockets[shard], self._seq[shard] = ws, 0
                await self.dispatch("READY", self._ready_payload(shard), shard=shard)
                for guild in self.guilds_of(shard):
                    await self.dispatch("GUILD_CREATE", guild, shard=shard)
                if len(self._sockets) == self.shard_count:
                    self._ready.set()
        return ws

    def guilds_of(self, shard: int) -> list[dict[str, Any]]:
        """The GUILD_CREATE payloads of the guilds on ``shard``."""
        return [g for g in (self._guild_payload(), self._second_guild_payload())
                if self.shard_of(g["id"]) == shard and g["id"] not in self.left]

    async def remove_guild(self, guild_id: str) -> None:
        """The guild kicks (or bans) the bot: GUILD_DELETE without "unavailable", as Discord sends it."""
        self.left.add(guild_id)
        await self.dispatch("GUILD_DELETE", {"id": guild_id}, shard=self.shard_of(guild_id))

    async def rejoin_guild(self, guild_id: str) -> None:
        """The guild invites the bot again: a GUILD_CREATE without "unavailable" (a join, not an outage's end)."""
        self.left.discard(guild_id)
        guild = next(g for g in (self._guild_payload(), self._second_guild_payload()) if g["id"] == guild_id)
        await self.dispatch("GUILD_CREATE", {k: v for k, v in guild.items() if k != "unavailable"},
                            shard=self.shard_of(guild_id))

    def _ready_payload(self, shard: int = 0) -> dict[str, Any]:
        return {"v": 10, "user": self.bot_user,
                "guilds": [{"id": g["id"], "unavailable": True} for g in self.guilds_of(shard)],
                "session_id": f"fake-session-{shard}", "resume_gateway_url": self.gateway_url, "private_channels": [],
                "relationships": [], "application": {"id": self.app_id, "flags": 0},
                "shard": [shard, self.shard_count]}

    def channel_guild(self, channel_id: str) -> str | None:
        """The guild a channel (or a thread the bot started) is in; None for a DM channel."""
        if channel_id in self.dm_channels:
            return None
        if channel_id in self.threads:
            return self.threads[channel_id]["guild_id"]
        return self.second_guild_id if channel_id == self.second_channel_id else self.guild_id

    def _channel(self, channel_id: str, name: str, position: int, guild_id: str | None = None) -> dict[str, Any]:
        if channel_id in self.threads:
            return self.threads[channel_id]
        return {"id": channel_id, "type": 0, "guild_id": guild_id or self.guild_id, "name": name, "position": position,
                "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
                "last_message_id": None, "rate_limit_per_user": 0}

    def _guild_payload(self) -> dict[str, Any]:
        everyone = {"id": self.guild_id, "name": "@everyone", "permissions": str(self.bot_permissions), "position": 0,
                    "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        bot_member = {"user": self.bot_user, "roles": [], "joined_at": _now(), "deaf": False, "mute": False,
                      "flags": 0}
        return {"id": self.guild_id, "name": "Test Guild", "icon": None, "owner_id": self.owner["id"],
                "roles": [everyone, self.admin_role],
                "channels": [self._channel(self.channel_id, "general", 0),
                             self._channel(self.other_channel_id, "other", 1)],
                "members": [bot_member], "member_count": 1, "large": False, "unavailable": False,
                "joined_at": _now(), "emojis": [], "stickers": [], "features": [], "threads": [],
                "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
                "soundboard_sounds": [], "verification_level": 0, "default_message_notifications": 0,
                "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
                "nsfw_level": 0, "system_channel_flags": 0}

    def _second_guild_payload(self) -> dict[str, Any]:
        """The second guild: its own id, roles and one channel."""
        guild = self._guild_payload()
        everyone = {**guild["roles"][0], "id": self.second_guild_id}
        return {**guild, "id": self.second_guild_id, "name": "Second Guild", "roles": [everyone],
                "channels": [self._channel(self.second_channel_id, "general", 0, self.second_guild_id)]}

    def member(self, who: dict[str, Any], roles: list[str] | None = None,
               permissions: int = SEND_MESSAGES) -> dict[str, Any]:
        return {"user": who, "roles": roles or [], "joined_at": _now(), "deaf": False, "mute": False, "flags": 0,
                "permissions": str(permissions)}

    # -- what users do --------------------------------------------------------------------------
    async def post_message(self, author: dict[str, Any], content: str, *, channel_id: str | None = None,
                           mention_bot: bool | None = None, replying_to: dict[str, Any] | None = None
                           ) -> dict[str, Any] | None:
        """A user's message (``replying_to`` one of the bot's, with Discord's default ping of its author);
        Discord blanks content the bot may not read. None if not delivered."""
        intents = int((self.identify or {}).get("intents", 0))
        if not intents & GUILD_MESSAGES:
            return None
        mentioned = f"<@{self.bot_user['id']}>" in content or f"<@!{self.bot_user['id']}>" in content
        mentioned = mentioned or (replying_to is not None and replying_to["author"]["id"] == self.bot_user["id"])
        if mention_bot is not None:
            mentioned = mention_bot
        channel_id = channel_id or self.channel_id
        data = {"id": snowflake(), "channel_id": channel_id, "guild_id": self.channel_guild(channel_id),
                "author": author, "member": {k: v for k, v in self.member(author).items() if k != "user"},
                "content": content if mentioned or intents & MESSAGE_CONTENT else "",
                "timestamp": _now(), "edited_timestamp": None, "tts": False, "mention_everyone": False,
                "mentions": [self.bot_user] if mentioned else [], "mention_roles": [], "attachments": [],
                "embeds": [], "pinned": False, "type": 19 if replying_to else 0, "flags": 0, "components": []}
        if replying_to is not None:
            data["message_reference"] = {"message_id": replying_to["id"], "channel_id": replying_to["channel_id"],
                                         "guild_id": data["guild_id"], "type": 0}
            data["referenced_message"] = replying_to
        self.user_messages[data["id"]] = data
        await self.dispatch("MESSAGE_CREATE", data)
        return data

    def add_attachment(self, filename: str, data: bytes, *, size: int | None = None) -> dict[str, Any]:
        """An uploaded file, served by this fake at a local URL (like Discord's CDN)."""
        att_id = snowflake()
        self.attachments[att_id] = data
        url = f"{self.base}/cdn/attachments/{att_id}/{filename}"
        return {"id": att_id, "filename": filename, "size": len(data) if size is None else size, "url": url,
                "proxy_url": url, "content_type": "text/plain"}

    def _interaction(self, kind: int, who: dict[str, Any], data: dict[str, Any], *, roles: list[str] | None,
                     permissions: int, channel_id: str | None, message: dict[str, Any] | None = None,
                     guild_id: str | None = None, dm: bool = False) -> dict[str, Any]:
        """An interaction in ``guild_id`` (default: the first guild; the second guild's default channel is
        its own), or with ``dm`` in the user's direct messages with the bot."""
        token = "itoken-" + snowflake()
        guild_id = guild_id or self.guild_id
        if channel_id is None:
            channel_id = self.second_channel_id if guild_id == self.second_guild_id else self.channel_id
        payload = {"id": snowflake(), "application_id": self.app_id, "type": kind, "data": data,
                   "guild_id": guild_id, "channel_id": channel_id,
                   "channel": self._channel(channel_id, "general", 0, guild_id),
                   "member": self.member(who, roles, permissions), "token": token, "version": 1,
                   "app_permissions": str(self.bot_permissions), "locale": "en-US", "guild_locale": "en-US",
                   "entitlements": [], "authorizing_integration_owners": {"0": guild_id}, "context": 0,
                   "attachment_size_limit": 10 * 1024 * 1024}
        if dm:  # no guild, the user instead of a member, a DM channel (context 1: the bot's DM)
            for key in ("guild_id", "member", "guild_locale"):
                del payload[key]
            dm_channel = channel_id if channel_id in self.dm_channels else snowflake()
            self.dm_channels.add(dm_channel)
            payload.update(user=who, channel={"id": dm_channel, "type": 1, "recipients": [who]}, channel_id=dm_channel,
                           context=1,
                           authorizing_integration_owners={"1": who["id"]})
        if message is not None:
            payload["message"] = message
        self._interactions[token] = {"id": payload["id"], "type": kind, "original": None, "filled": False,
                                     "message": message["id"] if message else None, "acked": False,
                                     "at": time.monotonic(), "channel_id": payload["channel_id"]}
        return payload

    async def slash(self, who: dict[str, Any], name: str, options: dict[str, Any] | None = None, *,
                    roles: list[str] | None = None, permissions: int = SEND_MESSAGES,
                    channel_id: str | None = None, attachments: list[dict[str, Any]] | None = None,
                    guild_id: str | None = None, dm: bool = False) -> str:
        """A slash command (in ``guild_id``, default the first guild, or with ``dm`` in a direct message);
        returns the interaction token (the key to its replies)."""
        types = {str: 3, int: 4, bool: 5}
        opts = []
        for key, value in (options or {}).items():
            if isinstance(value, dict) and "filename" in value:
                opts.append({"name": key, "type": 11, "value": value["id"]})
            else:
                opts.append({"name": key, "type": types[type(value)], "value": value})
        data: dict[str, Any] = {"id": snowflake(), "name": name, "type": 1, "options": opts}
        if attachments:
            data["resolved"] = {"attachments": {a["id"]: a for a in attachments}}
        payload = self._interaction(2, who, data, roles=roles, permissions=permissions, channel_id=channel_id,
                                    guild_id=guild_id, dm=dm)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def click(self, who: dict[str, Any], message: dict[str, Any], custom_id: str) -> str:
        """A button press on a message the bot sent; returns the interaction token."""
        data = {"custom_id": custom_id, "component_type": 2}
        guild_id = self.channel_guild(message["channel_id"])
        payload = self._interaction(3, who, data, roles=None, permissions=SEND_MESSAGES,
                                    channel_id=message["channel_id"], message=message, guild_id=guild_id,
                                    dm=guild_id is None)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    # -- REST -----------------------------------------------------------------------------------
    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["id"])
        if data is None:
            return _json({"message": "404: Not Found", "code": 0}, 404)
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

    def _stored_message(self, body: dict[str, Any], channel_id: str, **extra: Any) -> dict[str, Any]:
        msg = {"id": snowflake(), "channel_id": channel_id, "author": self.bot_user,
               "content": body.get("content") or "", "embeds": body.get("embeds") or [],
               "components": body.get("components") or [], "attachments": [], "timestamp": _now(),
               "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
               "mention_roles": [], "pinned": False, "type": 19 if body.get("message_reference") else 0,
               "flags": int(body.get("flags") or 0), **extra}
        if self.channel_guild(channel_id) is not None:
            msg["guild_id"] = self.channel_guild(channel_id)
        if body.get("message_reference"):
            msg["message_reference"] = body["message_reference"]
        self.messages[msg["id"]] = msg
        return msg

    def _edit(self, message_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        msg = self.messages.get(message_id)
        if msg is None:
            return None
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        msg["edited_timestamp"] = _now()
        return msg

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix("/api/v10")
        body: Any = None
        if request.can_read_body:
            if request.content_type == "multipart/form-data":
                form = await request.post()
                body = json.loads(str(form.get("payload_json", "{}")))
            else:
                raw = await request.read()
                body = json.loads(raw) if raw else None
        call = Call(request.method, path, dict(request.query), body, dict(request.headers))
        self._record(call)
        for method, pattern, handler, bot_auth in self._routes():
            m = re.fullmatch(pattern, path)
            if m and method == request.method:
                if bot_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                    return _json({"message": "401: Unauthorized", "code": 0}, 401)
                return await handler(call, *m.groups())
        self.unknown.append(f"{request.method} {path}")
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _routes(self) -> list[tuple[str, str, Callable[..., Any], bool]]:
        """(method, path pattern, handler, needs the bot token); interaction routes carry their own."""
        a = self.app_id
        return [
            ("GET", r"/users/@me", self._me, True),
            ("GET", r"/oauth2/applications/@me", self._application, True),
            ("GET", r"/gateway(?:/bot)?", self._gateway_info, True),
            ("PUT", rf"/applications/{a}/commands", self._sync, True),
            ("PUT", rf"/applications/{a}/guilds/(\d+)/commands", self._sync, True),
            ("POST", r"/channels/(\d+)/messages", self._create_message, True),
            ("POST", r"/channels/(\d+)/messages/(\d+)/threads", self._start_thread, True),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self._edit_message, True),
            ("POST", r"/channels/(\d+)/typing", self._typing, True),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback, False),
            ("POST", rf"/webhooks/{a}/([^/]+)", self._webhook_create, False),
            ("PATCH", rf"/webhooks/{a}/([^/]+)/messages/(@original|\d+)", self._webhook_edit, False),
            ("GET", rf"/webhooks/{a}/([^/]+)/messages/(@original|\d+)", self._webhook_get, False),
            ("DELETE", rf"/webhooks/{a}/([^/]+)/messages/(@original|\d+)", self._webhook_delete, False),
        ]

    async def _me(self, call: Call) -> web.Response:
        return _json(self.bot_user)

    async def _application(self, call: Call) -> web.Response:
        return _json({"id": self.app_id, "name": "Quotebot", "icon": None, "description": "", "bot_public": True,
                      "bot_require_code_grant": False, "owner": self.owner, "verify_key": "0" * 64, "team": None,
                      "flags": 0, "summary": "", "rpc_origins": []})

    async def _gateway_info(self, call: Call) -> web.Response:
        return _json({"url": self.gateway_url, "shards": self.recommended_shards,
                      "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                              "max_concurrency": 1}})

    async def _sync(self, call: Call, guild_id: str | None = None) -> web.Response:
        out = []
        for cmd in call.body or []:
            # Discord gives a menu command the description "".
            out.append({"description": "", **cmd, "id": snowflake(), "application_id": self.app_id,
                        "version": snowflake(), **({"guild_id": guild_id} if guild_id else {})})
        self.commands = out
        return _json(out)

    async def _create_message(self, call: Call, channel_id: str) -> web.Response:
        return _json(self._stored_message(call.body or {}, channel_id))

    async def _start_thread(self, call: Call, channel_id: str, message_id: str) -> web.Response:
        """A public thread off a message: it takes the message's id, and THREAD_CREATE goes to the bot."""
        message = self.messages.get(message_id) or self.user_messages.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        if channel_id in self.threads:
            return _json({"message": "Cannot execute action on this channel type", "code": 50024}, 400)
        if self.refuse_threads:
            return _json({"message": "Missing Permissions", "code": 50013}, 403)
        body = call.body or {}
        guild_id = self.channel_guild(channel_id)
        thread = {"id": message_id, "type": 11, "guild_id": guild_id, "parent_id": channel_id, "name": body["name"],
                  "owner_id": self.bot_user["id"], "last_message_id": None, "rate_limit_per_user": 0,
                  "message_count": 0, "member_count": 1, "total_message_sent": 0, "flags": 0,
                  "thread_metadata": {"archived": False, "locked": False, "archive_timestamp": _now(),
                                      "auto_archive_duration": body.get("auto_archive_duration") or 1440}}
        self.threads[message_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread, 201)

    async def _edit_message(self, call: Call, channel_id: str, message_id: str) -> web.Response:
        msg = self._edit(message_id, call.body or {})
        return _json(msg) if msg else _json({"message": "Unknown Message", "code": 10008}, 404)

    async def _typing(self, call: Call, channel_id: str) -> web.Response:
        return web.Response(status=204)

    async def _callback(self, call: Call, interaction_id: str, token: str) -> web.Response:
        state = self._interactions.get(token)
        if state is None or state["id"] != interaction_id:
            return _json({"message": "Unknown interaction", "code": 10062}, 404)
        late = time.monotonic() - state["at"]
        if late > 3.0:
            self.problems.append(f"interaction {interaction_id} acknowledged after {late:.1f} s")
            return _json({"message": "Unknown interaction", "code": 10062}, 404)
        if state["acked"]:
            self.problems.append(f"interaction {interaction_id} acknowledged twice")
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, 400)
        state["acked"] = True
        kind = (call.body or {}).get("type")
        data = (call.body or {}).get("data") or {}
        info: dict[str, Any] = {"id": interaction_id, "type": state["type"]}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):  # a message, or the "thinking…" placeholder the first follow-up fills
            msg = self._stored_message(data, state["channel_id"], interaction_token=token)
            state["original"] = msg["id"]
            info.update(response_message_id=msg["id"], response_message_loading=kind == 5,
                        response_message_ephemeral=bool(int(data.get("flags") or 0) & 64))
            resource["message"] = msg
        elif kind == 7 and state["message"]:  # update the message the button is on
            resource["message"] = self._edit(state["message"], data)
        return _json({"interaction": info, "resource": resource})

    async def _webhook_create(self, call: Call, token: str) -> web.Response:
        state = self._interactions.get(token)
        if state is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        original = self.messages.get(state["original"] or "")
        if original is not None and not state["filled"] and not original["content"] and not original["embeds"]:
            # After a deferred reply, Discord puts the first follow-up into the "thinking…" message.
            state["filled"] = True
            return _json(self._edit(original["id"], {**(call.body or {}), "flags": original["flags"]}))
        return _json(self._stored_message(call.body or {}, state["channel_id"], interaction_token=token,
                                          webhook_id=self.app_id))

    async def _webhook_edit(self, call: Call, token: str, message_id: str) -> web.Response:
        state = self._interactions.get(token)
        if state is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, 404)
        target = state["original"] if message_id == "@original" else message_id
        msg = self._edit(target or "", call.body or {})
        return _json(msg) if msg else _json({"message": "Unknown Message", "code": 10008}, 404)

    async def _webhook_get(self, call: Call, token: str, message_id: str) -> web.Response:
        state = self._interactions.get(token) or {}
        msg = self.messages.get(state.get("original") if message_id == "@original" else message_id)
        return _json(msg) if msg else _json({"message": "Unknown Message", "code": 10008}, 404)


    async def _webhook_delete(self, call: Call, token: str, message_id: str) -> web.Response:
        state = self._interactions.get(token) or {}
        target = state.get("original") if message_id == "@original" else message_id
        if self.messages.pop(target or "", None) is None:
            return _json({"message": "Unknown Message", "code": 10008}, 404)
        return web.Response(status=204)


@contextlib.contextmanager
def served_in_thread(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """The fake on its own event loop in a thread, for code that runs its own ``asyncio.run``."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    try:
        with fake.patched():
            yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
