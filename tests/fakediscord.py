"""A fake Discord server (REST + gateway websocket) on 127.0.0.1 for end-to-end tests of discord.py 2.7 bots.

Wire a real ``discord.Client`` to it with :meth:`FakeDiscord.patch_discord` (or the two monkeypatches it does:
``discord.http.Route.BASE = fake.rest_url`` -- webhooks/interaction responses use the very same ``Route`` class --
and ``DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``).

Serves, under ``/api/v10``:
  GET  /users/@me, /oauth2/applications/@me, /gateway, /gateway/bot
  GET|PUT /applications/{app}/commands and /applications/{app}/guilds/{guild}/commands (stored per scope)
  POST /interactions/{id}/{token}/callback (answers ``{"interaction": ..., "resource": ...}`` like ?with_response=1)
  POST /webhooks/{app}/{token} (follow-ups), GET|PATCH|DELETE /webhooks/{app}/{token}/messages/{id|@original}
  anything else: 404 ``{"message": "404: Not Found", "code": 0}``, recorded in ``unknown_requests``.
Gateway at ``/gateway`` (and ``/resume``, READY's ``resume_gateway_url``): HELLO; IDENTIFY -> READY + one
GUILD_CREATE per guild of the shard; HEARTBEAT -> HEARTBEAT_ACK; RESUME -> RESUMED (INVALID_SESSION if the session
is unknown); REQUEST_GUILD_MEMBERS -> one GUILD_MEMBERS_CHUNK; on demand: RECONNECT, INTERACTION_CREATE, any
dispatch event.
Shards: ``FakeDiscord(shard_count=N)`` answers ``GET /gateway/bot`` with N shards and spreads its guilds over them.
IDENTIFY must carry ``[shard_id, N]`` (``[0, 1]`` or none when N is 1); a wrong shard, or a second connection for a
shard already connected, is closed with 4010 (Invalid shard). Each guild's events go only to the connection of the
shard that owns it, ``(guild_id >> 22) % N``; direct messages and guild-less events to shard 0.
Bodies may be JSON or multipart (``payload_json`` + files). Responses carry ``Content-Type: application/json``
exactly (discord.py ignores JSON bodies whose content type has a charset).

Helpers: ``start_client`` (start() as a task, bounded wait for on_ready) and ``close_client`` (close, await the
task, wait for discord.py's heartbeat threads to end so none fires into a closed event loop).

Not served: compression (plain text frames are sent; the client accepts them whatever ``compress`` it asks for),
rate limits/429, voice, presences, event replay on resume, channel/guild/message REST,
``resolved`` data for user/role/channel/attachment options, component/modal interactions, interaction expiry.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import threading
import time
import uuid
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    import discord

API = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL, LOADING = 64, 128
ALL_PERMISSIONS = str((1 << 50) - 1)
_RECORD: ContextVar[RecordedRequest] = ContextVar("record")  # set by the middleware for the handler


def _json(data: Any, status: int = 200) -> web.Response:
    # body= (not text=) so that aiohttp does not append "; charset=utf-8" to the content type
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def _user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": bot, "public_flags": 0, "flags": 0}


def _member(user: dict[str, Any]) -> dict[str, Any]:
    return {"user": user, "roles": [], "joined_at": _now(), "deaf": False, "mute": False, "flags": 0,
            "pending": False, "nick": None}


@dataclass
class _Session:
    """One shard's gateway session: resumable by its id, with its own sequence numbers."""
    shard: int
    session_id: str
    seq: int = 0
    ws: web.WebSocketResponse | None = None  # the identified/resumed connection, while open


@dataclass
class RecordedRequest:
    """One REST request (the websocket upgrade is not included)."""
    method: str
    path: str  # without the /api/v10 prefix, e.g. "/users/@me"
    query: dict[str, str]
    json: Any  # parsed JSON body, or the payload_json of a multipart body; None when empty
    files: list[str]  # filenames of multipart file parts
    authorization: str | None  # "Bot <token>" for bot routes; None for webhook/interaction routes
    status: int = 0  # status of the fake's answer


@dataclass
class InteractionReply:
    """Something the bot did in answer to an injected interaction."""
    kind: Literal["callback", "followup", "edit", "delete"]
    body: Any  # the JSON (or payload_json) the bot sent; None for delete
    files: list[str] = field(default_factory=list)
    status: int = 200  # the fake's answer: 404 unknown, 400 already acknowledged, ...
    message_id: str | None = None  # callback/followup: id of the message created; edit/delete: id in the path

    @property
    def type(self) -> int | None:
        """Callback type (4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete, 9 modal)."""
        return self.body.get("type") if self.kind == "callback" else None

    @property
    def message(self) -> dict[str, Any] | None:
        """The message content this reply carries (callback 4/7 ``data``, followup or edit body), else None."""
        if self.kind == "callback":
            return (self.body.get("data") or {}) if self.type in (4, 7) else None
        return self.body if self.kind in ("followup", "edit") else None


class FakeDiscord:
    """Fake Discord server; use as ``async with FakeDiscord() as fake:`` (binds a free port on 127.0.0.1)."""

    def __init__(self, *, token: str | None = None, heartbeat_interval_ms: int = 41_250, guild_count: int = 1,
                 bot_name: str = "FakeBot", shard_count: int = 1) -> None:
        self.token = token
        self.shard_count = shard_count  # when set, other bot tokens get 401 on REST and close code 4004 on IDENTIFY
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._last_id = 0
        self.application_id: int = self.snowflake()
        self.bot_user = _user(self.application_id, bot_name, bot=True)
        self.user = _user(self.snowflake(), "tester")  # default invoker of injected interactions
        self.guilds: list[dict[str, Any]] = [self._guild(i) for i in range(guild_count)]
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> stored commands
        self.requests: list[RecordedRequest] = []
        self.unknown_requests: list[RecordedRequest] = []
        self.errors: list[Exception] = []  # exceptions raised inside REST handlers (answered with 400)
        self.gateway_received: list[dict[str, Any]] = []  # every payload the client sent, in order
        self.gateway_sent: list[dict[str, Any]] = []
        self.gateway_connections: list[str] = []  # path and query string of every websocket connection
        self.interactions: dict[str, dict[str, Any]] = {}  # token -> INTERACTION_CREATE payload
        self.replies: dict[str, list[InteractionReply]] = {}  # token -> replies, in order
        self.sessions: dict[int, _Session] = {}  # shard id -> its latest session
        self.undelivered: list[dict[str, Any]] = []  # dispatches for a shard with no connection (see dispatch)
        self.port = 0
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}  # (token, id or "@original") -> message
        self._sockets: set[web.WebSocketResponse] = set()
        self._send_lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # ---- lifecycle and wiring -------------------------------------------------------------------------------
    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume"

    @property
    def session_id(self) -> str | None:
        """Shard 0's session (the only one of an unsharded bot)."""
        return self.sessions[0].session_id if 0 in self.sessions else None

    @property
    def seq(self) -> int:
        return self.sessions[0].seq if 0 in self.sessions else 0

    def shard_of(self, guild_id: int | str | None) -> int:
        """The shard that owns a guild, as Discord computes it; shard 0 for direct messages."""
        return 0 if guild_id is None else (int(guild_id) >> 22) % self.shard_count

    def connected_shards(self) -> list[int]:
        """Shards with an identified (or resumed) connection open now."""
        return [shard for shard in sorted(self.sessions) if self._live(shard) is not None]

    @property
    def guild_ids(self) -> list[int]:
        return [int(g["id"]) for g in self.guilds]

    def channel_id(self, guild_id: int | None = None) -> int:
        """The id of the text channel of a guild (default: the first guild)."""
        guild = self._find_guild(guild_id or self.guild_ids[0])
        return int(guild["channels"][0]["id"])

    def patch_discord(self, monkeypatch: Any) -> None:
        """Point discord.py's REST (incl. webhooks) and gateway URLs at this server, via pytest's monkeypatch."""
        import discord.gateway
        import discord.http
        import yarl
        monkeypatch.setattr(discord.http.Route, "BASE", self.rest_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url))

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record], client_max_size=64 * 1024 * 1024)
        for method, path, handler in [
            ("GET", "/users/@me", self._get_me), ("GET", "/oauth2/applications/@me", self._get_app),
            ("GET", "/gateway", self._get_gateway), ("GET", "/gateway/bot", self._get_gateway),
            *[(method, path, self._commands) for method in ("GET", "PUT") for path in
              ("/applications/{app}/commands", "/applications/{app}/guilds/{guild}/commands")],
            ("POST", "/interactions/{id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            *[(method, "/webhooks/{app}/{token}/messages/{message}", self._message)
              for method in ("GET", "PATCH", "DELETE")],
        ]:
            app.router.add_route(method, API + path, handler)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/resume", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close open websockets (code 1001) and the server. Close the client first, or it will try to reconnect."""
        for ws in list(self._sockets):
            with suppress(Exception):
                await asyncio.wait_for(ws.close(code=1001), 2)
        if self._runner is not None:
            await asyncio.wait_for(self._runner.cleanup(), 5)
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- waiting ------------------------------------------------------------------------------------------
    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "a condition") -> None:
        """Wait (bounded) until predicate() is true. It is re-checked only when the fake records something
        (a request, a gateway frame, a connection change): don't use it for state only the bot changes."""
        try:
            async with asyncio.timeout(timeout):
                async with self._changed:
                    await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"fake discord: no {what} within {timeout}s") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def received_ops(self, op: int) -> list[dict[str, Any]]:
        return [p for p in self.gateway_received if p.get("op") == op]

    async def wait_for_gateway_op(self, op: int, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until the client sent `count` payloads with this op; return all payloads with it."""
        await self.wait_until(lambda: len(self.received_ops(op)) >= count, timeout, f"{count} x op {op}")
        return self.received_ops(op)

    async def wait_for_response(self, token: str, *, kind: str | None = None, count: int = 1,
                                timeout: float = 5.0) -> list[InteractionReply]:
        """Wait until `count` replies (of `kind`, if given) exist for an interaction; return ALL its replies."""
        def ready() -> bool:
            return sum(kind is None or r.kind == kind for r in self.replies.get(token, [])) >= count
        await self.wait_until(ready, timeout, f"{count} x {kind or 'reply'} to interaction {token}")
        return list(self.replies[token])

    async def wait_for_message(self, token: str, timeout: float = 5.0) -> dict[str, Any]:
        """Wait for the first successful reply that carries a message (see InteractionReply.message); return it."""
        def first() -> dict[str, Any] | None:
            return next((r.message for r in self.replies.get(token, []) if r.status == 200 and r.message is not None),
                        None)
        await self.wait_until(lambda: first() is not None, timeout, f"message answering interaction {token}")
        return first()  # type: ignore[return-value]

    def forget(self) -> None:
        """Drop everything recorded so far (requests, frames, interactions, replies): for long
        runs such as soak benchmarks, whose memory must be the bot's alone."""
        for record in (self.requests, self.unknown_requests, self.errors, self.gateway_received,
                       self.gateway_sent):
            record.clear()
        self.interactions.clear()
        self.replies.clear()
        self._messages.clear()

    # ---- driving the client -------------------------------------------------------------------------------
    async def dispatch(self, event: str, data: Any, timeout: float = 5.0, *, wait: bool = True) -> None:
        """Send a DISPATCH (op 0) to the connection of the shard that owns ``data["guild_id"]`` (shard 0 if
        none), waiting (bounded) for one to exist. ``wait=False``: if the shard has no connection, drop the
        event (recorded in ``undelivered``), as Discord does for a bot that is down."""
        shard = self.shard_of(data.get("guild_id") if isinstance(data, dict) else None)
        if not wait and self._live(shard) is None:
            self.undelivered.append({"t": event, "d": data, "shard": shard})
            return
        await self.wait_until(lambda: self._live(shard) is not None, timeout,
                              f"identified gateway connection for shard {shard}")
        await self._dispatch_on(self.sessions[shard], event, data)

    async def send_reconnect(self, timeout: float = 5.0, shard: int = 0) -> None:
        """Send RECONNECT (op 7); the client should reconnect to /resume and RESUME (op 6)."""
        await self.wait_until(lambda: self._live(shard) is not None, timeout, "identified gateway connection")
        session = self.sessions[shard]
        ws, session.ws = session.ws, None
        assert ws is not None
        await self._send(ws, {"op": 7, "d": None})

    async def send_command(self, name: str, options: dict[str, Any] | list[dict[str, Any]] | None = None,
                           **kwargs: Any) -> str:
        """Inject a slash command (interaction type 2); return its token. `options`: {name: value} (types taken
        from the synced command, else guessed) or raw option payloads. kwargs: guild_id (default: first guild),
        dm=True (from a DM; finds global commands only), user (payload; default self.user), locale, timeout,
        wait=False (drop it if the owning shard is not connected: see dispatch)."""
        return await self._send_interaction(2, name, options, None, **kwargs)

    async def send_autocomplete(self, name: str, options: dict[str, Any] | None, focused: str,
                                **kwargs: Any) -> str:
        """Inject an autocomplete interaction (type 4), `focused` naming the focused option; return its token."""
        return await self._send_interaction(4, name, dict(options or {}), focused, **kwargs)

    def sent_message(self, token: str) -> dict[str, Any]:
        """The message as Discord holds it (id, author, flags, components) for an interaction's first
        message reply: what a button press on it carries."""
        for reply in self.replies.get(token, []):
            if reply.message_id and (token, reply.message_id) in self._messages:
                return self._messages[(token, reply.message_id)]
        raise KeyError(f"no message was created for interaction {token}")

    async def send_component(self, custom_id: str, message: dict[str, Any], **kwargs: Any) -> str:
        """Inject a button press (interaction type 3) on `message` (see sent_message); return its token.
        kwargs as for send_command."""
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._send_interaction(3, "", None, None, data=data, message=message, **kwargs)

    def find_command(self, name: str, guild_id: int | None = None) -> dict[str, Any] | None:
        """A synced chat-input command: the guild's first, then the global one."""
        for scope in ([guild_id] if guild_id else []) + [None]:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    async def _send_interaction(self, itype: int, name: str, options: Any, focused: str | None, *,
                                guild_id: int | None = None, dm: bool = False, user: dict[str, Any] | None = None,
                                locale: str = "en-US", timeout: float = 5.0, data: dict[str, Any] | None = None,
                                message: dict[str, Any] | None = None, wait: bool = True) -> str:
        gid = None if dm else (guild_id or self.guild_ids[0])
        invoker = user or self.user
        if data is None:
            command = self.find_command(name, gid)
            data = {"id": command["id"] if command else str(self.snowflake()), "name": name, "type": 1,
                    "options": self._options(command, options, focused)}
            if command and "guild_id" in command:
                data["guild_id"] = command["guild_id"]
        token = f"fake-interaction-{uuid.uuid4().hex}"
        payload: dict[str, Any] = {
            "id": str(self.snowflake()), "application_id": str(self.application_id), "type": itype, "token": token,
            "version": 1, "attachment_size_limit": 10 * 1024 * 1024, "data": data, "locale": locale,
            "app_permissions": ALL_PERMISSIONS, "entitlements": [], "context": 1 if dm else 0,
        }
        if gid is not None:
            channel = {**self._find_guild(gid)["channels"][0], "guild_id": str(gid)}
            payload.update(guild_id=str(gid), guild_locale="en-US", member={**_member(invoker),
                           "permissions": ALL_PERMISSIONS}, guild={"id": str(gid), "locale": "en-US", "features": []},
                           authorizing_integration_owners={"0": str(gid)})
        else:
            channel = {"id": str(self.snowflake()), "type": 1, "recipients": [invoker], "flags": 0}
            payload.update(user=invoker, authorizing_integration_owners={"1": invoker["id"]})
        payload.update(channel=channel, channel_id=channel["id"])
        if message is not None:
            payload["message"] = message
        self.interactions[token] = payload
        self.replies[token] = []
        await self.dispatch("INTERACTION_CREATE", payload, timeout, wait=wait)
        return token

    @staticmethod
    def _options(command: dict[str, Any] | None, options: Any, focused: str | None) -> list[dict[str, Any]]:
        if isinstance(options, list):
            return options  # raw option payloads, e.g. for subcommands
        options = dict(options or {})
        if focused is not None:
            options.setdefault(focused, "")
        defs = {o["name"]: o for o in (command or {}).get("options", [])}
        result = []
        for key, value in options.items():
            guessed = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else \
                10 if isinstance(value, float) else 3
            option = {"name": key, "type": defs.get(key, {}).get("type", guessed), "value": value}
            if key == focused:
                option["focused"] = True
            result.append(option)
        return result

    # ---- payload builders ---------------------------------------------------------------------------------
    def snowflake(self, shard: int | None = None) -> int:
        """A fresh, increasing, Discord-like id; with `shard`, one that shard owns (as a guild id)."""
        self._last_id = max(self._last_id + 1, (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22)
        while shard is not None and self.shard_of(self._last_id) != shard:
            self._last_id = ((self._last_id >> 22) + 1) << 22  # the next millisecond
        return self._last_id

    def _guild(self, index: int) -> dict[str, Any]:
        gid = self.snowflake(shard=index % self.shard_count)  # guilds spread over the shards in turn
        cid = self.snowflake()
        return {
            "id": str(gid), "name": f"Fake Guild {index}", "unavailable": False, "owner_id": self.user["id"],
            "member_count": 2, "large": False, "joined_at": _now(), "preferred_locale": "en-US", "icon": None,
            "features": [], "emojis": [], "stickers": [], "threads": [], "stage_instances": [], "presences": [],
            "guild_scheduled_events": [], "voice_states": [], "system_channel_id": str(cid), "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
            "roles": [{"id": str(gid), "name": "@everyone", "permissions": "1071698660929", "position": 0,
                       "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
            "channels": [{"id": str(cid), "type": 0, "name": "general", "position": 0, "permission_overwrites": [],
                          "nsfw": False, "parent_id": None, "topic": None, "last_message_id": None,
                          "rate_limit_per_user": 0, "flags": 0}],
            "members": [_member(self.bot_user), _member(self.user)],
        }

    def _find_guild(self, guild_id: int) -> dict[str, Any]:
        return next(g for g in self.guilds if int(g["id"]) == guild_id)

    def _new_message(self, token: str, body: dict[str, Any], files: list[str], flags: int = 0) -> dict[str, Any]:
        interaction = self.interactions[token]
        message = {
            "id": str(self.snowflake()), "type": 20, "channel_id": interaction["channel_id"], "content": "",
            "embeds": [], "components": [], "author": self.bot_user, "webhook_id": str(self.application_id),
            "application_id": str(self.application_id), "timestamp": _now(), "edited_timestamp": None,
            "mentions": [], "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
        }
        if "guild_id" in interaction:
            message["guild_id"] = interaction["guild_id"]
        self._apply(message, body, files)
        message["flags"] = (body.get("flags") or 0) | flags
        self._messages[(token, message["id"])] = message
        return message

    def _apply(self, message: dict[str, Any], body: dict[str, Any], files: list[str]) -> None:
        for key in ("content", "embeds", "components", "tts", "poll"):
            if body.get(key) is not None:
                message[key] = body[key]
        if files:
            message["attachments"] = [{"id": str(self.snowflake()), "filename": name, "size": 0,
                                       "url": f"{self.rest_url}/attachments/{name}",
                                       "proxy_url": f"{self.rest_url}/attachments/{name}"} for name in files]

    def _add_reply(self, token: str, reply: InteractionReply) -> None:
        if token in self.replies:
            self.replies[token].append(reply)
        else:  # a token the fake never issued
            self.unknown_requests.append(_RECORD.get())

    def _acknowledged(self, token: str) -> bool:
        return any(r.kind == "callback" and r.status == 200 for r in self.replies.get(token, []))

    # ---- REST handlers ------------------------------------------------------------------------------------
    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path in ("/gateway", "/resume"):
            return await handler(request)
        body, files = None, []
        if request.content_type == "multipart/form-data":
            form = await request.post()
            files = [f.filename for f in form.values() if isinstance(f, web.FileField)]
            raw = form.get("payload_json")
            body = json.loads(raw) if isinstance(raw, str) else None
        elif text := await request.text():
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        path = request.path.removeprefix(API)
        record = RecordedRequest(request.method, path, dict(request.query), body, files,
                                 request.headers.get("Authorization"))
        _RECORD.set(record)
        self.requests.append(record)
        if self.token is not None and not path.startswith(("/webhooks/", "/interactions/")) \
                and record.authorization != f"Bot {self.token}":
            response: web.StreamResponse = _error(401, 0, "401: Unauthorized")
        else:
            try:
                response = await handler(request)
            except Exception as exc:  # a bug in the fake: fail fast (a 5xx would make discord.py retry for ~25 s)
                self.errors.append(exc)
                response = _error(400, 0, f"fake discord error: {exc!r}")
        record.status = response.status
        await self._notify()
        return response

    async def _unknown(self, request: web.Request) -> web.Response:
        self.unknown_requests.append(_RECORD.get())
        return _error(404, 0, "404: Not Found")

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json(self.bot_user)

    async def _get_app(self, request: web.Request) -> web.Response:
        return _json({"id": str(self.application_id), "name": self.bot_user["username"], "description": "",
                      "icon": None, "bot_public": False, "bot_require_code_grant": False, "owner": self.user,
                      "verify_key": "0" * 64, "flags": 0, "bot": self.bot_user, "team": None})

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": {
            "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})

    async def _commands(self, request: web.Request) -> web.Response:
        if request.match_info["app"] != str(self.application_id):
            return _error(404, 10002, "Unknown Application")
        guild = request.match_info.get("guild")
        scope = int(guild) if guild else None
        if scope is not None and scope not in self.guild_ids:
            return _error(403, 50001, "Missing Access")
        if request.method == "PUT":
            old = {(c["type"], c["name"]): c["id"] for c in self.commands.get(scope, [])}
            stored = []
            for command in _RECORD.get().json or []:
                ctype = command.get("type", 1)
                stored.append({"description": "", **command, "type": ctype,
                               "id": old.get((ctype, command["name"])) or str(self.snowflake()),
                               "application_id": str(self.application_id), "version": str(self.snowflake()),
                               **({"guild_id": str(scope)} if scope else {})})
            self.commands[scope] = stored
        return _json(self.commands.get(scope, []))

    async def _callback(self, request: web.Request) -> web.Response:
        token, record = request.match_info["token"], _RECORD.get()
        body = record.json or {}
        interaction = self.interactions.get(token)
        if interaction is None or interaction["id"] != request.match_info["id"]:
            self.unknown_requests.append(record)
            return _error(404, 10062, "Unknown interaction")
        if self._acknowledged(token):
            self.replies[token].append(InteractionReply("callback", body, record.files, 400))
            return _error(400, 40060, "Interaction has already been acknowledged.")
        reply = InteractionReply("callback", body, record.files)
        self.replies[token].append(reply)
        ctype, data = body.get("type"), body.get("data") or {}
        flags = data.get("flags") or 0
        result: dict[str, Any] = {"interaction": {
            "id": interaction["id"], "type": interaction["type"], "response_message_loading": ctype == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL)}}
        if ctype in (4, 5, 7):
            message = self._new_message(token, data, record.files, LOADING if ctype == 5 else 0)
            self._messages[(token, "@original")] = message
            result["interaction"]["response_message_id"] = reply.message_id = message["id"]
            result["resource"] = {"type": ctype, "message": message}
        return _json(result)

    async def _followup(self, request: web.Request) -> web.Response:
        token, record = request.match_info["token"], _RECORD.get()
        if request.match_info["app"] != str(self.application_id) or not self._acknowledged(token):
            self._add_reply(token, InteractionReply("followup", record.json, record.files, 404))
            return _error(404, 10015, "Unknown Webhook")
        message = self._new_message(token, record.json or {}, record.files)
        self.replies[token].append(InteractionReply("followup", record.json, record.files, 200, message["id"]))
        return _json(message)

    async def _message(self, request: web.Request) -> web.StreamResponse:
        token, message_id, record = request.match_info["token"], request.match_info["message"], _RECORD.get()
        message = self._messages.get((token, message_id))
        reply = InteractionReply("delete" if request.method == "DELETE" else "edit", record.json, record.files,
                                 200, message_id)
        if request.method != "GET":
            self._add_reply(token, reply)
        if message is None or request.match_info["app"] != str(self.application_id):
            reply.status = 404
            return _error(404, 10008, "Unknown Message")
        if request.method == "GET":
            return _json(message)
        if request.method == "DELETE":
            for key in [k for k, v in self._messages.items() if v is message]:
                del self._messages[key]
            return web.Response(status=204)
        self._apply(message, record.json or {}, record.files)
        message["flags"] = (message["flags"] & ~LOADING) | ((record.json or {}).get("flags") or 0)
        message["edited_timestamp"] = _now()
        return _json(message)

    # ---- gateway ------------------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        self.gateway_connections.append(request.path_qs)
        self._sockets.add(ws)
        try:
            await self._send(ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(ws, json.loads(msg.data))
        finally:
            self._sockets.discard(ws)
            for session in self.sessions.values():
                if session.ws is ws:
                    session.ws = None
            await self._notify()
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        self.gateway_received.append(payload)
        op, d = payload.get("op"), payload.get("d") or {}
        if op == 1:
            await self._send(ws, {"op": 11})
        elif op == 2:
            if self.token is not None and d.get("token") != self.token:
                await ws.close(code=4004, message=b"Authentication failed.")
                return
            shard, count = d.get("shard") or [0, 1]
            if count != self.shard_count or not 0 <= shard < count or self._live(shard) is not None:
                await ws.close(code=4010, message=b"Invalid shard.")
                return
            session = _Session(shard, uuid.uuid4().hex)
            self.sessions[shard] = session
            guilds = [g for g in self.guilds if self.shard_of(g["id"]) == shard]
            await self._dispatch_on(session, "READY", {
                "v": 10, "user": self.bot_user, "session_id": session.session_id,
                "resume_gateway_url": self.resume_url, "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
                "private_channels": [], "application": {"id": str(self.application_id), "flags": 0},
                "shard": [shard, count]}, ws)
            for guild in guilds:
                await self._dispatch_on(session, "GUILD_CREATE", guild, ws)
            session.ws = ws
        elif op == 6:
            session = next((s for s in self.sessions.values() if s.session_id == d.get("session_id")), None)
            if session is None:
                await self._send(ws, {"op": 9, "d": False})
            else:
                await self._dispatch_on(session, "RESUMED", {}, ws)
                session.ws = ws
        elif op == 8:
            ids = d.get("guild_id")
            for guild in self.guilds:
                if guild["id"] in map(str, ids if isinstance(ids, list) else [ids]):
                    session = self.sessions[self.shard_of(guild["id"])]
                    await self._dispatch_on(session, "GUILD_MEMBERS_CHUNK", {
                        "guild_id": guild["id"], "members": guild["members"], "chunk_index": 0, "chunk_count": 1,
                        "not_found": [], "nonce": d.get("nonce")}, ws)
        await self._notify()

    def _live(self, shard: int) -> web.WebSocketResponse | None:
        """The shard's identified (or resumed) connection, if one is open."""
        session = self.sessions.get(shard)
        return session.ws if session is not None and session.ws is not None and not session.ws.closed else None

    async def _dispatch_on(self, session: _Session, event: str, data: Any,
                           ws: web.WebSocketResponse | None = None) -> None:
        """A dispatch in `session` (its own sequence numbers), on `ws` or the session's connection."""
        async with self._send_lock:  # keeps sequence numbers in sending order
            session.seq += 1
            target = ws or session.ws
            assert target is not None
            await self._write(target, {"op": 0, "t": event, "s": session.seq, "d": data})

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        async with self._send_lock:
            await self._write(ws, payload)

    async def _write(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        self.gateway_sent.append(payload)
        with suppress(ConnectionError):  # the client may close at any moment
            await ws.send_str(json.dumps(payload))


async def until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait (bounded) for a condition only the client changes (``FakeDiscord.wait_until``
    re-checks on the fake's own events only)."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {what} within {timeout} s")


async def start_client(client: discord.Client, token: str, timeout: float = 5.0) -> asyncio.Task[None]:
    """Run ``client.start(token)`` as a task and return it once on_ready fired (re-raising start()'s error)."""
    task = asyncio.create_task(client.start(token))
    ready = asyncio.create_task(client.wait_until_ready())
    await asyncio.wait([task, ready], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if ready.done():
        return task
    ready.cancel()
    error = task.exception() if task.done() else None
    task.cancel()
    with suppress(BaseException):
        await task
    await close_client(client, None, timeout)
    raise error or TimeoutError(f"fake discord: the client was not ready within {timeout}s")


async def close_client(client: discord.Client, task: asyncio.Task[None] | None = None, timeout: float = 5.0) -> None:
    """Close the client, await its start() task, and wait for its heartbeat threads to end. (A heartbeat
    thread that woke just before close() would otherwise schedule a heartbeat on an event loop that pytest
    closed meanwhile: "PytestUnhandledThreadExceptionWarning ... Event loop is closed".)"""
    await asyncio.wait_for(client.close(), timeout)
    if task is not None:
        await asyncio.wait_for(task, timeout)
    deadline = time.monotonic() + timeout
    while any(t.is_alive() and getattr(getattr(t, "ws", None), "_connection", None) is client._connection
              for t in threading.enumerate()):
        if time.monotonic() > deadline:
            raise TimeoutError("fake discord: discord.py heartbeat thread still alive")
        await asyncio.sleep(0.01)  # threads have nothing to await; poll, without blocking the loop
