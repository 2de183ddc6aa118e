"""The fake Discord server against the real discord.py client: login, gateway, command sync, interactions, resume."""

from __future__ import annotations

import asyncio
import io

import discord
import pytest
from discord import app_commands

from fakediscord import FakeDiscord, close_client, start_client, until

TOKEN = "fake-bot-token"
FRUITS = ["apple", "apricot", "banana", "cherry"]
COMMANDS = ["pick", "ping", "slow", "tidy", "upload"]


class TinyBot(discord.Client):
    """A client with a tiny command tree; remembers what discord.py handed back to it."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.results: dict[str, object] = {}
        self._events: dict[str, asyncio.Event] = {}
        self.resumed = asyncio.Event()

        @self.tree.command(description="Answers pong.")
        async def ping(interaction: discord.Interaction) -> None:
            response = await interaction.response.send_message("pong", allowed_mentions=discord.AllowedMentions.none())
            self._done("ping", (interaction, response))

        @self.tree.command(description="Thinks, then follows up.")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            followup = await interaction.followup.send("part 1", wait=True)
            edited = await interaction.edit_original_response(content="final")
            self._done("slow", (followup, edited))

        @self.tree.command(description="Picks a fruit.")
        @app_commands.describe(fruit="The fruit", count="How many")
        async def pick(interaction: discord.Interaction, fruit: str, count: int = 1) -> None:
            await interaction.response.send_message(f"{count} x {fruit}")

        @pick.autocomplete("fruit")
        async def pick_fruit(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)]

        @self.tree.command(description="Sends a file.")
        async def upload(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("see file", file=discord.File(io.BytesIO(b"hi"), "notes.txt"))

        @self.tree.command(description="Answers, reads its answer back, deletes it.")
        async def tidy(interaction: discord.Interaction) -> None:
            try:
                await interaction.followup.send("before acknowledging")
            except discord.NotFound as error:
                await interaction.response.send_message(f"temp {error.code}")
            original = await interaction.original_response()
            await interaction.delete_original_response()
            self._done("tidy", original)

    def _done(self, name: str, value: object) -> None:
        self.results[name] = value
        self._events.setdefault(name, asyncio.Event()).set()

    async def result(self, name: str) -> object:
        """What the command `name` got back from discord.py, once it finished (bounded wait)."""
        await asyncio.wait_for(self._events.setdefault(name, asyncio.Event()).wait(), 5)
        return self.results[name]

    async def on_resumed(self) -> None:
        self.resumed.set()


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch):
    async with FakeDiscord(token=TOKEN, heartbeat_interval_ms=50) as server:
        server.patch_discord(monkeypatch)
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord):
    client = TinyBot()
    task = await start_client(client, TOKEN)
    guild = discord.Object(fake.guild_ids[0])
    client.tree.copy_global_to(guild=guild)
    client.synced = await client.tree.sync(guild=guild)
    yield client
    await close_client(client, task)  # start() returns cleanly after close()


async def test_login_gateway_and_sync(fake: FakeDiscord, bot: TinyBot) -> None:
    assert bot.user is not None and bot.user.id == fake.application_id
    assert bot.application_id == fake.application_id
    assert [g.id for g in bot.guilds] == fake.guild_ids and not bot.guilds[0].unavailable
    assert bot.guilds[0].default_role.name == "@everyone"
    assert {r.path for r in fake.requests} >= {"/users/@me", "/oauth2/applications/@me"}
    assert {r.authorization for r in fake.requests} == {f"Bot {TOKEN}"}
    assert fake.unknown_requests == []
    (identify,) = fake.received_ops(2)
    assert identify["d"]["token"] == TOKEN and identify["d"]["intents"] == discord.Intents.default().value
    assert fake.gateway_connections[0].startswith("/gateway?v=10&encoding=json")
    await fake.wait_for_gateway_op(1, count=3)  # heartbeats keep coming (every 50 ms) and are ACKed
    assert any(p["op"] == 11 for p in fake.gateway_sent)
    # the guild sync went through and discord.py parsed the (JSON) answer into AppCommand objects
    stored = fake.commands[fake.guild_ids[0]]
    assert sorted(c["name"] for c in stored) == COMMANDS
    assert sorted(c.name for c in bot.synced) == COMMANDS
    assert {c.id for c in bot.synced} == {int(c["id"]) for c in stored}
    assert [c.name for c in await bot.tree.fetch_commands(guild=discord.Object(fake.guild_ids[0]))] \
        == [c["name"] for c in stored]
    resynced = await bot.tree.sync(guild=discord.Object(fake.guild_ids[0]))
    assert {c.id for c in resynced} == {c.id for c in bot.synced}  # ids are stable across syncs


async def test_ping_is_answered_with_pong(fake: FakeDiscord, bot: TinyBot) -> None:
    token = await fake.send_command("ping")
    (reply,) = await fake.wait_for_response(token)
    assert reply.kind == "callback" and reply.type == 4 and reply.status == 200
    assert reply.body["data"]["content"] == "pong"
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}
    assert (await fake.wait_for_message(token))["content"] == "pong"
    interaction, response = await bot.result("ping")
    assert interaction.guild_id == fake.guild_ids[0] and interaction.channel_id == fake.channel_id()
    assert interaction.user.id == int(fake.user["id"]) and isinstance(interaction.user, discord.Member)
    assert isinstance(response.resource, discord.InteractionMessage) and response.resource.content == "pong"
    assert response.message_id == response.resource.id
    assert fake.requests[-1].path == f"/interactions/{fake.interactions[token]['id']}/{token}/callback"
    assert fake.requests[-1].query == {"with_response": "1"} and fake.requests[-1].authorization is None


async def test_defer_then_followup_then_edit(fake: FakeDiscord, bot: TinyBot) -> None:
    token = await fake.send_command("slow")
    replies = await fake.wait_for_response(token, kind="edit")
    assert [(r.kind, r.status) for r in replies] == [("callback", 200), ("followup", 200), ("edit", 200)]
    assert replies[0].type == 5 and replies[0].body["data"]["flags"] == 64  # ephemeral thinking
    assert replies[1].message["content"] == "part 1" and replies[2].message_id == "@original"
    assert replies[2].message["content"] == "final"
    assert (await fake.wait_for_message(token))["content"] == "part 1"
    followup, edited = await bot.result("slow")
    assert followup.content == "part 1" and edited.content == "final" and edited.flags.ephemeral


async def test_followup_before_ack_get_and_delete_original(fake: FakeDiscord, bot: TinyBot) -> None:
    token = await fake.send_command("tidy")
    replies = await fake.wait_for_response(token, kind="delete")
    assert [(r.kind, r.status) for r in replies] == [("followup", 404), ("callback", 200), ("delete", 200)]
    original = await bot.result("tidy")
    assert original.content == "temp 10015" and str(original.id) == replies[1].message_id
    assert [r.method for r in fake.requests if r.path.endswith("/messages/@original")] == ["GET", "DELETE"]


async def test_autocomplete_then_command(fake: FakeDiscord, bot: TinyBot) -> None:
    token = await fake.send_autocomplete("pick", {"count": 2, "fruit": "ap"}, focused="fruit")
    assert fake.interactions[token]["data"]["options"][0] == {"name": "count", "type": 4, "value": 2}
    (reply,) = await fake.wait_for_response(token)
    assert reply.type == 8
    assert reply.body["data"]["choices"] == [{"name": "apple", "value": "apple"}, {"name": "apricot", "value": "apricot"}]
    assert reply.message is None
    token = await fake.send_command("pick", {"fruit": "apple", "count": 3})
    assert (await fake.wait_for_message(token))["content"] == "3 x apple"


async def test_multipart_callback_is_recorded(fake: FakeDiscord, bot: TinyBot) -> None:
    token = await fake.send_command("upload")
    (reply,) = await fake.wait_for_response(token)
    assert reply.type == 4 and reply.body["data"]["content"] == "see file" and reply.files == ["notes.txt"]


async def test_reconnect_resumes_and_keeps_answering(fake: FakeDiscord, bot: TinyBot) -> None:
    session, seq = fake.session_id, fake.seq
    await fake.send_reconnect()
    (resume,) = await fake.wait_for_gateway_op(6)
    assert resume["d"] == {"seq": seq, "session_id": session, "token": TOKEN}
    assert fake.gateway_connections[-1].startswith("/resume?")  # READY's resume_gateway_url was used
    await asyncio.wait_for(bot.resumed.wait(), 5)
    assert len(fake.received_ops(2)) == 1  # no second IDENTIFY
    token = await fake.send_command("ping")
    assert (await fake.wait_for_message(token))["content"] == "pong"


async def test_dm_interaction_uses_global_commands(fake: FakeDiscord, bot: TinyBot) -> None:
    await bot.tree.sync()
    assert sorted(c["name"] for c in fake.commands[None]) == COMMANDS
    token = await fake.send_command("ping", dm=True)
    assert (await fake.wait_for_message(token))["content"] == "pong"
    interaction, _ = await bot.result("ping")
    assert interaction.guild_id is None and isinstance(interaction.user, discord.User)


async def test_unknown_routes_and_double_acknowledgement(fake: FakeDiscord, bot: TinyBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.fetch_channel(1234)
    assert [(r.method, r.path, r.status) for r in fake.unknown_requests] == [("GET", "/channels/1234", 404)]
    token = await fake.send_command("ping")
    await fake.wait_for_response(token)
    with pytest.raises(discord.HTTPException) as error:  # a fresh Interaction object, so discord.py cannot know
        await discord.Interaction(data=fake.interactions[token], state=bot._connection).response.send_message("x")
    assert error.value.code == 40060 and fake.replies[token][-1].status == 400


async def test_wrong_token_is_rejected(fake: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await start_client(client, "not-the-token")
    assert client.is_closed()
    assert fake.requests[-1].authorization == "Bot not-the-token" and fake.requests[-1].status == 401


async def test_waits_are_bounded(fake: FakeDiscord) -> None:
    with pytest.raises(TimeoutError, match="reply to interaction nope"):
        await fake.wait_for_response("nope", timeout=0.05)
    with pytest.raises(TimeoutError, match="identified gateway connection"):
        await fake.send_command("ping", timeout=0.05)


class ShardBot(discord.AutoShardedClient):
    """Records which of its shards each interaction arrived on."""

    def __init__(self, **options: object) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.1, **options)
        self.arrived: list[tuple[int | None, int]] = []  # (guild id, shard id)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # no 5 s pause between shards: the fake has no identify rate limit

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        shard = (interaction.guild_id >> 22) % self.shard_count if interaction.guild_id else 0
        self.arrived.append((interaction.guild_id, shard))


async def test_shards_each_get_only_their_own_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(token=TOKEN, shard_count=3, guild_count=6) as fake:
        fake.patch_discord(monkeypatch)
        assert {fake.shard_of(g) for g in fake.guild_ids} == {0, 1, 2}  # spread over the shards
        low, high = ShardBot(shard_count=3, shard_ids=[0, 1]), ShardBot(shard_count=3, shard_ids=[2])
        tasks = [await start_client(low, TOKEN), await start_client(high, TOKEN)]
        try:
            assert sorted(p["d"]["shard"] for p in fake.received_ops(2)) == [[0, 3], [1, 3], [2, 3]]
            assert sorted(g.id for g in low.guilds) == [g for g in fake.guild_ids if fake.shard_of(g) < 2]
            assert [g.id for g in high.guilds] == [g for g in fake.guild_ids if fake.shard_of(g) == 2]
            for guild in fake.guild_ids:
                await fake.send_command("anything", guild_id=guild)
            await fake.send_command("anything", dm=True)
            await until(lambda: len(low.arrived) + len(high.arrived) == 7, "7 interactions")
            assert sorted(s for _, s in low.arrived) == [0, 0, 0, 1, 1] and (None, 0) in low.arrived
            assert [s for _, s in high.arrived] == [2, 2]

            # A second connection for a shard that is connected is refused (4010).
            duplicate = ShardBot(shard_count=3, shard_ids=[2])
            with pytest.raises(discord.ConnectionClosed) as refused:
                await duplicate.start(TOKEN)
            assert refused.value.code == 4010 and fake.connected_shards() == [0, 1, 2]
            await close_client(duplicate)
        finally:
            for client, task in zip((low, high), tasks):
                await close_client(client, task)


async def test_gateway_bot_tells_the_shard_count() -> None:
    async with FakeDiscord(shard_count=4) as fake:
        client = ShardBot()  # no count: asks GET /gateway/bot, as discord.py does
        monkeypatch = pytest.MonkeyPatch()
        fake.patch_discord(monkeypatch)
        try:
            task = await start_client(client, TOKEN)
            assert client.shard_count == 4 and sorted(client.shards) == [0, 1, 2, 3]
            await close_client(client, task)
        finally:
            monkeypatch.undo()
