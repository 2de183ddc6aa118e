"""One bot in several processes, as an operator scales it out: a writer (`python -m bot write`)
and two readers running two shards each (`python -m bot run --shards 0-1`, `--shards 2-3`),
against a fake Discord with four shards and servers on each. Every interaction is answered
once, by the process whose shard owns its server; an article added through the writer reaches
every reader; a reader that dies takes only its own servers down, and back when it restarts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path

from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "shard-secret-token-xyz"
QUESTIONS = ["what did Austin say about Rafah", "How many Palestinians are in Rafah?",
             "ceasefire", "Who is Gallant?", "what did Gallant say"]


def write_config(folder: Path, name: str, role: str, seeds: Path, fake: FakeDiscord) -> Path:
    """One config for the writer, one shared by every reader (as the systemd template shares it)."""
    config = folder / f"{name}.toml"
    config.write_text(
        f'[index]\nseeds = "{seeds}"\nindex_path = "{folder / "index" / "index.json"}"\n'
        f'[bot]\nrole = "{role}"\nshard_count = 4\nwatch_seconds = 0.2\ncooldown_seconds = 0\n'
        f'log_level = "DEBUG"\nstate_path = "{folder / "commands.sha256"}"\n'
        f'api_base_url = "{fake.rest_url}"\ngateway_url = "{fake.gateway_url}"\n', encoding="utf-8")
    return config


class Process:
    """`python -m bot …` with its log (stderr) in a file; killed on the way out."""

    def __init__(self, log: Path, *args: str) -> None:
        self.log, self.args = log, args
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Process:
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"DISCORD_TOKEN": TOKEN}
        with open(self.log, "a", encoding="utf-8") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *self.args, cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        return self

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    async def said(self, text: str, timeout: float = 30) -> None:
        for _ in range(int(timeout / 0.05)):
            if text in self.text():
                return
            if self.process and self.process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.args} never logged {text!r}; it logged:\n{self.text()[-3000:]}")

    def answered(self) -> Counter[int]:
        """The servers whose /ask this process answered, with how often."""
        return Counter(int(g) for g in re.findall(r"answering ask from server (\d+)", self.text()))

    async def kill(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@contextlib.asynccontextmanager
async def processes():
    started: list[Process] = []

    async def launch(log: Path, *args: str) -> Process:
        started.append(await Process(log, *args).start())
        return started[-1]
    try:
        yield launch
    finally:
        for process in started:
            await process.kill()


async def ask_everywhere(fake: FakeDiscord, count: int, question: str | None = None,
                         ) -> dict[str, int]:
    """`count` /ask spread over every server in turn; token -> server. A server whose shard
    has no connection gets none delivered, as when a bot is down."""
    tokens = {}
    for i in range(count):
        guild = fake.guild_ids[i % len(fake.guild_ids)]
        token = await fake.send_command("ask", {"question": question or QUESTIONS[i % len(QUESTIONS)]},
                                        guild_id=guild, wait=False)
        tokens[token] = guild
    return tokens


def callbacks(fake: FakeDiscord, token: str) -> list:
    return [r for r in fake.replies[token] if r.kind == "callback"]


async def test_a_writer_and_two_readers_share_four_shards(tmp_path, seeds_copy):
    async with FakeDiscord(token=TOKEN, shard_count=4, guild_count=8) as fake, \
            processes() as launch:
        writer_config = write_config(tmp_path, "writer", "writer", seeds_copy, fake)
        reader_config = write_config(tmp_path, "reader", "reader", tmp_path / "none", fake)
        writer = await launch(tmp_path / "writer.log", "write", "--config", str(writer_config))
        await writer.said("writing ", timeout=60)
        readers = [await launch(tmp_path / f"reader{n}.log", "run", "--config", str(reader_config),
                                "--shards", shards) for n, shards in enumerate(("0-1", "2-3"))]
        await fake.wait_until(lambda: fake.connected_shards() == [0, 1, 2, 3], 90, "4 shards")
        await readers[0].said("ready as FakeBot on shards 0, 1 of 4: 4 servers")
        await readers[1].said("ready as FakeBot on shards 2, 3 of 4: 4 servers")
        await fake.wait_until(lambda: fake.find_command("ask") is not None, 30, "/ask registered")

        # 200 questions over all 8 servers: each answered once, by the shard's process.
        tokens = await ask_everywhere(fake, 200)
        for token in tokens:
            await fake.wait_for_response(token, timeout=30)
        await asyncio.sleep(0.5)  # time for a second answer, were one coming
        assert all(len(callbacks(fake, t)) == 1 and callbacks(fake, t)[0].status == 200
                   for t in tokens)
        for reader, shards in zip(readers, ({0, 1}, {2, 3})):
            assert reader.answered() == Counter(g for g in tokens.values()
                                                if fake.shard_of(g) in shards)
        assert len([r for r in fake.requests if r.method == "PUT"]) == 1  # registered once
        assert "registered by the process running shard 0, not this one" in readers[1].text()
        assert "[shards 2, 3 of 4] " in readers[1].text()  # every line names its shards

        # An article added on the writer's side is found through every reader.
        (seeds_copy / "002_zebra.txt").write_text(
            "Zebra crossings repainted\n\nThe council repainted every zebra crossing.\n")
        await writer.said("Reloaded: 3 articles")
        for reader in readers:
            await reader.said("reload (saved index changed): Reloaded: 3 articles")
        for token in await ask_everywhere(fake, 8, "zebra crossing"):
            message = await fake.wait_for_message(token, timeout=10)
            assert "`002.2`" in message["embeds"][0]["description"]

        # The second reader dies: only its servers go unanswered.
        await readers[1].kill()
        await fake.wait_until(lambda: fake.connected_shards() == [0, 1], 10, "shards 2, 3 gone")
        tokens = await ask_everywhere(fake, 16)
        for token, guild in tokens.items():
            if fake.shard_of(guild) in (0, 1):
                await fake.wait_for_message(token, timeout=10)
        await asyncio.sleep(0.5)
        unanswered = {g for t, g in tokens.items() if not fake.replies[t]}
        assert unanswered == {g for g in fake.guild_ids if fake.shard_of(g) in (2, 3)}

        # A second process for shards already running is refused, and says why.
        duplicate = await launch(tmp_path / "duplicate.log", "run", "--config", str(reader_config),
                                 "--shards", "1")
        assert await asyncio.wait_for(duplicate.process.wait(), 60) == 78
        assert "Discord refused shard 1 (4010" in duplicate.text()

        # Restarted, it answers its servers again.
        await launch(tmp_path / "reader1.log", "run", "--config", str(reader_config),
                     "--shards", "2-3")
        await fake.wait_until(lambda: fake.connected_shards() == [0, 1, 2, 3], 90, "4 shards again")
        for token in await ask_everywhere(fake, 8):
            await fake.wait_for_message(token, timeout=10)

        writer.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(writer.process.wait(), 10) == 0
        assert "writer stopped" in writer.text()
    assert TOKEN not in "".join(p.read_text() for p in tmp_path.glob("*.log"))
