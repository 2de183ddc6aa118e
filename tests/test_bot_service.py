"""The service as an operator runs it: `python -m bot run` in a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "service-secret-token-abc"


def write_config(folder: Path, extra: str = "", seeds: Path = ROOT / "seeds",
                 index_extra: str = "") -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[index]\nseeds = "{seeds}"\nindex_path = "{folder / "index.json"}"\n{index_extra}'
        f'[bot]\nstate_path = "{folder / "commands.sha256"}"\n{extra}', encoding="utf-8")
    return config


#: Where a test that must stop before connecting points Discord: a closed port on this
#: machine, so that a bug lets it fail there (and time out) rather than reach discord.com.
NOWHERE = 'api_base_url = "http://127.0.0.1:9/api/v10"\ngateway_url = "ws://127.0.0.1:9/"\n'


def run_bot(config: Path, env_extra: dict[str, str] | None = None, timeout: float = 60,
            command: tuple[str, ...] | list[str] = ("run",)):
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | (env_extra or {})
    return subprocess.run([sys.executable, "-m", "bot", *command, "--config", str(config)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout)


def exits_78_with_one_line(result: subprocess.CompletedProcess, named: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 78
    assert len(lines) == 1 and lines[0].startswith(f"error: {named}"), result.stderr


@contextlib.asynccontextmanager
async def service(config: Path):
    """`python -m bot run` as a subprocess; killed on the way out if a test left it running."""
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"} | {"DISCORD_TOKEN": TOKEN}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def wait_for_log(log_file: Path, text: str, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):  # bounded
        if log_file.exists() and text in log_file.read_text(encoding="utf-8"):
            return
        await asyncio.sleep(0.05)
    logged = log_file.read_text(encoding="utf-8") if log_file.exists() else "(no log file)"
    raise AssertionError(f"the log never said {text!r}; it says:\n{logged}")


def test_missing_token_exits_78_naming_the_setting(tmp_path):
    result = run_bot(write_config(tmp_path))
    assert result.returncode == 78
    assert result.stderr.strip() == ("error: bot.token_env: the environment variable DISCORD_TOKEN "
                                     "is not set (it must hold the bot token)")


@pytest.mark.parametrize("extra, named", [
    ("cooldown_seconds = -1\n", "bot.cooldown_seconds"),
    ('guild_ids = ["abc"]\n', "bot.guild_ids"),
    ('api_base_url = "ftp://x"\n', "bot.api_base_url"),
    ("token = 'abc'\n", "bot.token is not a setting"),
    ('log_level = "LOUD"\n', "bot.log_level"),
    ('api_base_url = "http://discord.example/api/v10"\n', "bot.api_base_url must use https://"),
    ('gateway_url = "ws://10.0.0.1/"\n', "bot.gateway_url must use wss://"),
    ("connect_timeout_seconds = 0\n", "bot.connect_timeout_seconds"),
    ('role = "boss"\n', "bot.role must be one of writer, reader"),
    ("shard_ids = [0, 1]\n", "bot.shard_ids needs bot.shard_count"),
    ("shard_count = 2\nshard_ids = [2]\n", "bot.shard_ids must be below bot.shard_count (2)"),
    ("shard_count = 2\nshard_ids = [1, 1]\n", "bot.shard_ids lists a shard twice"),
    ('shard_ids = "0-1"\n', "bot.shard_ids must be a list"),
])
def test_bad_config_exits_78_with_one_line(tmp_path, extra, named):
    result = run_bot(write_config(tmp_path, extra), {"DISCORD_TOKEN": TOKEN})
    assert result.returncode == 78
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("index_extra, named", [
    ('k1 = "x"\n', "index.k1 must be a number"),
    ("top_k = 0\n", "index.top_k is out of range"),
    ("b = 2\n", "index.b is out of range"),
    ("colour = 1\n", "index.colour is not a setting"),
])
@pytest.mark.parametrize("command", [["run"], ["ask", "ceasefire"]])
def test_bad_index_setting_exits_78_with_one_line(tmp_path, index_extra, named, command):
    config = write_config(tmp_path, index_extra=index_extra)
    exits_78_with_one_line(run_bot(config, {"DISCORD_TOKEN": TOKEN}, command=command), named)


@pytest.mark.parametrize("args, named", [
    (["run", "--shards", "1-0"], "--shards must be shard ids like 0, 0-1 or 0,2"),
    (["run", "--shards", "0-1"], "bot.shard_ids needs bot.shard_count"),  # none in the config
    (["write"], "bot.role is reader: only a writer's config can write"),
])
def test_bad_shards_or_role_on_the_command_line_exit_78(tmp_path, args, named):
    config = write_config(tmp_path, 'role = "reader"\n')
    exits_78_with_one_line(run_bot(config, {"DISCORD_TOKEN": TOKEN}, command=args), named)


def test_unreadable_config_exits_78(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text("[bot\n")
    assert run_bot(bad, {"DISCORD_TOKEN": TOKEN}).returncode == 78
    assert run_bot(tmp_path / "missing.toml", {"DISCORD_TOKEN": TOKEN}).returncode == 78


def test_ask_prints_the_bots_answer_without_a_token():
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "How many Palestinians are in Rafah?"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("## How many Palestinians are in Rafah?\n\n> According to the "
                                    "Pentagon, Austin warned Gallant about an assault on **Rafah**")
    assert "`001.13` · *Austin Tells Gallant" in result.stdout


async def test_service_answers_reloads_on_sighup_and_stops_cleanly_on_sigterm(tmp_path, seeds_copy):
    """The real service against fake Discord: ask, add an article and SIGHUP, ask again,
    SIGTERM: exit 0 within seconds."""
    log_file = tmp_path / "bot.log"
    async with FakeDiscord(token=TOKEN) as fake:
        config = write_config(tmp_path, f'guild_ids = [{fake.guild_ids[0]}]\n'
                              f'api_base_url = "{fake.rest_url}"\ngateway_url = "{fake.gateway_url}"\n'
                              f'log_file = "{log_file}"\nlog_level = "DEBUG"\nwatch_seconds = 0\n',
                              seeds=seeds_copy)
        async with service(config) as process:
            await fake.wait_for_gateway_op(2, timeout=60)  # IDENTIFY
            await wait_for_log(log_file, "ready as")
            token = await fake.send_command("ask", {"question": "ceasefire"}, timeout=10)
            replies = await fake.wait_for_response(token, timeout=10)
            assert "ceasefire" in replies[0].body["data"]["embeds"][0]["description"]
            (seeds_copy / "002_zebra.txt").write_text(
                "Zebra crossings repainted\n\nThe council repainted every zebra crossing.\n")
            process.send_signal(signal.SIGHUP)
            await wait_for_log(log_file, "reload (SIGHUP): Reloaded: 3 articles")
            token = await fake.send_command("ask", {"question": "zebra crossing"}, timeout=10)
            replies = await fake.wait_for_response(token, timeout=10)
            assert "`002.2`" in replies[0].body["data"]["embeds"][0]["description"]
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 10)
        stderr = (await process.stderr.read()).decode()
    assert code == 0, stderr
    log = log_file.read_text(encoding="utf-8")
    assert "ready as FakeBot" in log and "2 articles" in log
    assert "SIGTERM received: stopping" in log
    assert TOKEN not in log and TOKEN not in stderr
    assert [r.authorization for r in fake.requests if r.path == "/users/@me"] == [f"Bot {TOKEN}"]


def test_unwritable_log_file_exits_78(tmp_path):
    result = run_bot(write_config(tmp_path, f'log_file = "{tmp_path}"\n'), {"DISCORD_TOKEN": TOKEN})
    assert result.returncode == 78 and "bot.log_file" in result.stderr
    assert "Traceback" not in result.stderr


async def test_sigterm_while_logging_in_still_exits_0(tmp_path):
    """Discord accepting the connection but never answering: a stop must still be clean."""
    async def silent(reader, writer):
        await reader.read(65536)
        await asyncio.sleep(10)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    log_file = tmp_path / "bot.log"
    config = write_config(tmp_path, f'api_base_url = "http://127.0.0.1:{port}/api/v10"\n'
                          f'gateway_url = "ws://127.0.0.1:{port}/"\nlog_file = "{log_file}"\n'
                          'log_level = "DEBUG"\n')
    async with server, service(config) as process:
        await wait_for_log(log_file, "logging in")  # it is now waiting on the login request
        await asyncio.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 15)
    stderr = (await process.stderr.read()).decode()
    assert code == 0, stderr
    assert "Traceback" not in stderr


@contextlib.asynccontextmanager
async def misbehaving_discord(status: int | None):
    """An address that answers every request with `status`, or (None) accepts connections and
    never answers; yields its port."""
    async def handle(reader, writer):
        await reader.read(65536)
        if status is None:
            while await reader.read(65536):  # until the bot gives up on the connection
                pass
        else:
            body = b'{"message": "no", "code": 0}'
            writer.write(f"HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


def _pointing_at(tmp_path: Path, port: int, extra: str = "") -> tuple[Path, Path]:
    log_file = tmp_path / "bot.log"
    config = write_config(tmp_path, f'api_base_url = "http://127.0.0.1:{port}/api/v10"\n'
                          f'gateway_url = "ws://127.0.0.1:{port}/"\nlog_file = "{log_file}"\n{extra}')
    return config, log_file


async def test_a_wrong_api_address_exits_78_with_one_line(tmp_path):
    async with misbehaving_discord(404) as port:
        config, _ = _pointing_at(tmp_path, port)
        async with service(config) as process:
            code = await asyncio.wait_for(process.wait(), 30)
        stderr = (await process.stderr.read()).decode()
    assert code == 78, stderr
    assert stderr.strip().splitlines()[-1] == (
        f"error: bot.api_base_url: http://127.0.0.1:{port}/api/v10 answered 404 Whatever at "
        "login; is it Discord's API (…/api/v10)?")
    assert "Traceback" not in stderr


@pytest.mark.parametrize("status, logged", [
    (502, "Discord answered 502 Whatever to GET /api/v10/users/@me"),
    (None, "failed: no answer within 1 s; trying again in 1 s"),
])
async def test_a_failing_discord_is_logged_as_it_happens_and_tried_again(tmp_path, status, logged):
    async with misbehaving_discord(status) as port:
        config, log_file = _pointing_at(tmp_path, port, "connect_timeout_seconds = 1\n")
        async with service(config) as process:
            await wait_for_log(log_file, logged)
            if status is None:
                await wait_for_log(log_file, "trying again in 2 s")  # and again, waiting longer
            assert process.returncode is None  # still trying, not crashed
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 15)
        stderr = (await process.stderr.read()).decode()
    assert code == 0, stderr
    assert "Traceback" not in stderr + log_file.read_text(encoding="utf-8")


async def test_sighup_while_building_the_index_reloads_once_running(tmp_path, seeds_copy):
    """`systemctl reload` during the first build must not stop the service."""
    for n in range(300):  # enough text that the first build takes a while
        sentences = " ".join(f"Council member {n} said vote {k} was delayed by the storm on day "
                             f"{k}." for k in range(40))
        (seeds_copy / f"{n + 100:03d}_filler.txt").write_text(f"Filler {n}\n\n{sentences}\n")
    log_file = tmp_path / "bot.log"
    async with FakeDiscord(token=TOKEN) as fake:
        config = write_config(tmp_path, f'guild_ids = [{fake.guild_ids[0]}]\n'
                              f'api_base_url = "{fake.rest_url}"\ngateway_url = "{fake.gateway_url}"\n'
                              f'log_file = "{log_file}"\nwatch_seconds = 0\n', seeds=seeds_copy)
        async with service(config) as process:
            await wait_for_log(log_file, "building the index")
            process.send_signal(signal.SIGHUP)
            # From a fresh checkout the service first compiles its scoring loops (12 s here
            # after the build, more on a busy machine), and reloads once running.
            await wait_for_log(log_file, "ready as", seconds=90)
            await wait_for_log(log_file, "reload (SIGHUP while starting)", seconds=30)
            assert process.returncode is None
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 15)
    assert code == 0


def test_ask_into_a_closed_pipe_ends_quietly():
    """`python -m bot ask … | head -1`: the reader leaves early; no traceback."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a shell has it
    process = subprocess.Popen([sys.executable, "-m", "bot", "ask", "ceasefire"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # before it prints: its write meets a closed pipe
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr


@pytest.mark.parametrize("args", [["--config", "CONFIG", "ask", "ceasefire"],
                                  ["ask", "ceasefire", "--config", "CONFIG"]])
def test_bot_options_come_before_or_after_the_command(tmp_path, args):
    config = write_config(tmp_path, index_extra="top_k = 0\n")
    args = [str(config) if a == "CONFIG" else a for a in args]
    result = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 78 and "index.top_k" in result.stderr


def test_a_metrics_port_in_use_exits_78_naming_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_bot(write_config(tmp_path, f"metrics_port = {port}\n{NOWHERE}"),
                         {"DISCORD_TOKEN": TOKEN}, timeout=30)
    assert result.returncode == 78
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: bot.metrics_port: cannot serve metrics on 127.0.0.1:{port}")


def test_a_process_running_shards_serves_metrics_past_the_port_by_its_lowest_shard(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]  # what the process running shards 2 and 3 needs
        config = write_config(tmp_path, f"metrics_port = {port - 2}\nshard_count = 4\n{NOWHERE}")
        result = run_bot(config, {"DISCORD_TOKEN": TOKEN}, timeout=30,
                         command=("run", "--shards", "2-3"))
    assert result.returncode == 78
    assert result.stderr.strip().splitlines()[-1].startswith(
        f"error: bot.metrics_port: cannot serve metrics on 127.0.0.1:{port}")
