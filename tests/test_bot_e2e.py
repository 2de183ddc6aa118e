"""End to end: the real discord.py client, started as the service starts it, against a fake
Discord server on 127.0.0.1. Assertions are on what users would see."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import socket
import urllib.request
import logging
import time
from dataclasses import replace

import discord
import pytest

from bot import commands
from bot.client import QuoteBot
from bot.config import BotSettings, Config
from bot.service import point_discord_at, serve
from fakediscord import FakeDiscord, close_client, until
from index.build import open_index

TOKEN = "fake-bot-token-e2e"
EPHEMERAL = 64


@pytest.fixture
def discord_urls(monkeypatch):
    """Let the test point discord.py at the fake; monkeypatch puts Discord's own URLs back."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


@pytest.fixture
def start_bot(seed_index, tmp_path, discord_urls):
    """Start fake Discord and the bot (as `bot.service` does); yields a starter taking settings."""
    running: list[tuple[QuoteBot, asyncio.Task]] = []

    async def start(fake: FakeDiscord, index=None, **bot_settings) -> QuoteBot:
        index = index or seed_index
        settings = BotSettings(guild_ids=(int(fake.guild_ids[0]),), api_base_url=fake.rest_url,
                               gateway_url=fake.gateway_url, cooldown_seconds=0, watch_seconds=0,
                               state_path=tmp_path / "commands.sha256")
        config = Config(bot=replace(settings, **bot_settings), index=index.settings)
        point_discord_at(config.bot.api_base_url, config.bot.gateway_url)
        client = QuoteBot(config, index, guild_ready_timeout=0.1)
        task = asyncio.create_task(serve(client, TOKEN))
        await asyncio.wait_for(client.wait_until_ready(), 10)
        running.append((client, task))
        return client

    yield start
    # Closing happens in each test (while the fake still runs): see `stop`.
    assert all(task.done() for _, task in running)


async def stop(client: QuoteBot) -> None:
    await close_client(client, None)


def message_of(fake: FakeDiscord, token: str) -> dict:
    """The body users see for an interaction: the callback's data, or the follow-up."""
    for reply in fake.replies[token]:
        if reply.kind == "callback" and reply.body.get("type") == 4:
            return reply.body["data"]
        if reply.kind == "followup":
            return reply.body
    raise AssertionError(f"no message for {token}: {fake.replies[token]}")


def assert_mentions_off_everywhere(fake: FakeDiscord) -> None:
    bodies = [r.body.get("data", {}) if r.kind == "callback" else r.body
              for replies in fake.replies.values() for r in replies
              if not (r.kind == "callback" and r.body.get("type") in (5, 8))]
    assert bodies
    for body in bodies:
        assert body.get("allowed_mentions") == {"parse": []}, body


async def test_ask_quotes_the_articles(start_bot):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        token = await fake.send_command("ask", {"question": "How many Palestinians are in Rafah?"})
        await fake.wait_for_response(token)
        body = message_of(fake, token)
        embed = body["embeds"][0]
        assert embed["title"] == "How many Palestinians are in Rafah?"
        assert ("> According to the Pentagon, Austin warned Gallant about an assault on **Rafah**, "
                "which is packed with 1.5 million **Palestinians**") in embed["description"]
        assert "`001.13` · *Austin Tells Gallant" in embed["description"]
        assert "Dave DeCamp" in embed["description"]
        assert not body.get("flags", 0) & EPHEMERAL

        token = await fake.send_command("ask", {"question": "Who invented the telephone?"})
        await fake.wait_for_response(token)
        assert "The articles don't mention invented or telephone." in message_of(fake, token)[
            "embeds"][0]["description"]
        assert_mentions_off_everywhere(fake)
        assert not fake.unknown_requests
        await stop(client)


async def test_commands_are_synced_once_with_limits(start_bot):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        puts = [r for r in fake.requests if r.method == "PUT"]
        assert len(puts) == 1 and "/guilds/" in puts[0].path
        synced = {c["name"]: c for c in puts[0].json}
        assert set(synced) == {"ask", "source", "articles", "reload", "add"}
        for owner_only in ("reload", "add"):  # shown to administrators only
            assert str(synced[owner_only]["default_member_permissions"]) == "8"
        question = synced["ask"]["options"][0]
        assert question["required"] and question["max_length"] == 300
        assert synced["source"]["options"][0]["autocomplete"] is True
        await stop(client)
        client = await start_bot(fake)  # same commands: no second sync
        assert len([r for r in fake.requests if r.method == "PUT"]) == 1
        await stop(client)


async def test_blank_question_gets_a_polite_ephemeral_answer(start_bot):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        token = await fake.send_command("ask", {"question": "   \t "})
        await fake.wait_for_response(token)
        body = message_of(fake, token)
        assert body["content"] == "Please ask a question: it was empty."
        assert body["flags"] & EPHEMERAL
        await stop(client)


async def test_source_shows_context_and_unknown_ids_get_a_hint(start_bot):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        token = await fake.send_command("source", {"id": "001.13"})
        await fake.wait_for_response(token)
        embed = message_of(fake, token)["embeds"][0]
        assert "> According to the Pentagon" in embed["description"]
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Passage"] == "`001.13` (body)" and fields["Author"] == "Dave DeCamp"

        token = await fake.send_command("source", {"id": "000"})
        await fake.wait_for_response(token)
        fields = {f["name"]: f["value"] for f in message_of(fake, token)["embeds"][0]["fields"]}
        assert fields["Headline"].startswith("> Unbreakable or Not?")

        token = await fake.send_command("source", {"id": "<@everyone> 999"})
        await fake.wait_for_response(token)
        body = message_of(fake, token)
        assert body["flags"] & EPHEMERAL
        assert body["content"].startswith("No passage or article has the id")
        assert "“\\<@everyone> 999”" in body["content"]  # shown as text, never a mention
        assert_mentions_off_everywhere(fake)
        await stop(client)


async def test_autocomplete_offers_matching_ids_fast(start_bot):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        started = time.monotonic()
        token = await fake.send_autocomplete("source", {"id": "001.1"}, "id")
        replies = await fake.wait_for_response(token)
        elapsed = time.monotonic() - started
        choices = replies[0].body["data"]["choices"]
        assert replies[0].body["type"] == 8
        assert [c["value"] for c in choices] == ["001.1"] + [f"001.1{n}" for n in range(8)]
        assert all(len(c["name"]) <= 100 for c in choices)
        token = await fake.send_autocomplete("source", {"id": ""}, "id")
        replies = await fake.wait_for_response(token)
        assert [c["value"] for c in replies[0].body["data"]["choices"]] == ["000", "001"]
        assert elapsed < 3  # Discord's deadline; not a benchmark
        await stop(client)


async def test_articles_lists_ids_titles_authors(start_bot):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        token = await fake.send_command("articles", {})
        await fake.wait_for_response(token)
        text = message_of(fake, token)["embeds"][0]["description"]
        assert "`000` Unbreakable or Not?" in text and "`001` Austin Tells Gallant" in text
        assert "— Dave DeCamp" in text
        await stop(client)


async def test_cooldown_answers_try_again(start_bot):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, cooldown_uses=1, cooldown_seconds=60)
        first = await fake.send_command("ask", {"question": "ceasefire"})
        await fake.wait_for_response(first)
        second = await fake.send_command("ask", {"question": "ceasefire"})
        await fake.wait_for_response(second)
        body = message_of(fake, second)
        assert body["flags"] & EPHEMERAL
        assert body["content"].startswith("Slow down a little: try again in ")
        assert body["content"].endswith(" s.")
        await stop(client)


async def test_a_failing_command_apologises_and_logs_the_traceback(start_bot, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail 42")
    monkeypatch.setattr(commands, "search", broken)
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        with caplog.at_level(logging.ERROR, logger="bot.commands"):
            token = await fake.send_command("ask", {"question": "ceasefire"})
            await fake.wait_for_response(token)
        body = message_of(fake, token)
        assert body["flags"] & EPHEMERAL
        assert body["content"] == "Sorry, something went wrong answering that. It has been logged."
        assert "internal detail 42" in caplog.text and "Traceback" in caplog.text
        token = await fake.send_command("articles", {})  # and the bot still answers
        await fake.wait_for_response(token)
        await stop(client)
    assert TOKEN not in caplog.text


async def test_slow_search_defers_then_follows_up(start_bot, monkeypatch):
    real = commands.search

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return real(*args, **kwargs)
    monkeypatch.setattr(commands, "search", slow)
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, defer_after_seconds=0.1)
        token = await fake.send_command("ask", {"question": "ceasefire"})
        replies = await fake.wait_for_response(token, count=2)
        assert replies[0].kind == "callback" and replies[0].body["type"] == 5
        assert replies[1].kind == "followup"
        assert "ceasefire" in replies[1].body["embeds"][0]["description"]
        assert_mentions_off_everywhere(fake)
        await stop(client)


async def test_reconnect_then_resume_keeps_answering(start_bot):
    async with FakeDiscord(token=TOKEN, heartbeat_interval_ms=200) as fake:
        client = await start_bot(fake)
        await fake.send_reconnect()
        await fake.wait_for_gateway_op(6)  # RESUME
        assert len(fake.received_ops(2)) == 1  # never identified again
        token = await fake.send_command("ask", {"question": "F-15"})
        await fake.wait_for_response(token)
        assert "**F-15** fighter jets." in message_of(fake, token)["embeds"][0]["description"]
        await fake.wait_for_gateway_op(1)  # heartbeats go on after the resume
        await stop(client)


async def test_fifty_questions_at_once_are_each_answered_once_in_time(start_bot):
    questions = ["what did Austin say about Rafah", "ceasefire", "Who invented the telephone?",
                 "F-15", "How many Palestinians are in Rafah?"]
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        started = time.monotonic()
        tokens = await asyncio.gather(*(
            fake.send_command("ask", {"question": questions[n % len(questions)]}) for n in range(50)))
        await asyncio.gather(*(fake.wait_for_response(t, timeout=10) for t in tokens))
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.2)  # room for any duplicate reply to show up
        for token in tokens:
            assert len(fake.replies[token]) == 1, fake.replies[token]
            assert fake.replies[token][0].body["type"] == 4
        assert elapsed < 3, f"50 answers took {elapsed:.2f}s"
        assert_mentions_off_everywhere(fake)
        await stop(client)


NEW_ARTICLE = ("Zebra crossings repainted\n\nThe council repainted every zebra crossing in "
               "Springfield on Monday, officials said.\n")


@pytest.fixture
def own_index(seed_settings, seeds_copy, tmp_path):
    """An index of a writable copy of the seeds, so tests can add and break articles."""
    settings = replace(seed_settings, seeds=seeds_copy, index_path=tmp_path / "own" / "index.json")
    return open_index(settings)[0]


async def wait_for_swap(client: QuoteBot, old, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):  # bounded
        if client.index is not old:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the index was not swapped")


async def test_an_added_article_is_found_without_a_restart(start_bot, own_index):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, index=own_index, watch_seconds=0.1)
        token = await fake.send_command("ask", {"question": "zebra crossing Springfield"})
        await fake.wait_for_response(token)
        assert "The articles don't mention zebra" in message_of(fake, token)["embeds"][0]["description"]
        (own_index.settings.seeds / "002_zebra.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        await wait_for_swap(client, own_index)
        token = await fake.send_command("ask", {"question": "zebra crossing Springfield"})
        await fake.wait_for_response(token)
        text = message_of(fake, token)["embeds"][0]["description"]
        assert "> The council repainted every **zebra** **crossing** in **Springfield**" in text
        assert "`002.2`" in text
        await stop(client)


async def test_reload_is_for_the_owner_and_a_failed_rebuild_keeps_serving(start_bot, own_index):
    stranger = {"id": "4242", "username": "stranger", "discriminator": "0", "global_name": None,
                "avatar": None}
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, index=own_index)
        seeds = own_index.settings.seeds
        (seeds / "002_zebra.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        token = await fake.send_command("reload", {}, user=stranger)
        await fake.wait_for_response(token)
        body = message_of(fake, token)
        assert body["content"] == "Only the bot's owner can reload the articles."
        assert body["flags"] & EPHEMERAL and client.index is own_index

        token = await fake.send_command("reload", {})
        replies = await fake.wait_for_response(token, count=2)
        assert replies[0].body["type"] == 5 and replies[0].body["data"]["flags"] & EPHEMERAL
        assert replies[1].body["content"] == "Reloaded: 3 articles, 33 passages."
        served = client.index
        assert served.passage("002.2") is not None

        (seeds / "002_copy.txt").write_text("Same id\n\nA clash of ids.\n", encoding="utf-8")
        token = await fake.send_command("reload", {})
        replies = await fake.wait_for_response(token, count=2)
        assert replies[1].body["content"].startswith("Reload failed: article id '002' is claimed")
        assert "Still serving the previous 3 articles." in replies[1].body["content"]
        assert client.index is served
        token = await fake.send_command("ask", {"question": "zebra crossing Springfield"})
        await fake.wait_for_response(token)
        assert "`002.2`" in message_of(fake, token)["embeds"][0]["description"]
        await stop(client)


async def test_a_private_notice_after_a_public_deferral_stays_private(start_bot, monkeypatch):
    from index.search import QuestionError

    def slow_refusal(*args, **kwargs):
        time.sleep(0.5)
        raise QuestionError("Please ask a question: it was empty.")
    monkeypatch.setattr(commands, "search", slow_refusal)
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, defer_after_seconds=0.1)
        token = await fake.send_command("ask", {"question": "ceasefire"})
        replies = await fake.wait_for_response(token, count=3)
        assert [r.kind for r in replies] == ["callback", "delete", "followup"]
        assert replies[0].body["type"] == 5
        assert replies[2].body["flags"] & EPHEMERAL
        assert replies[2].body["content"] == "Please ask a question: it was empty."
        await stop(client)


async def press(fake: FakeDiscord, custom_id: str, message: dict) -> dict:
    token = await fake.send_component(custom_id, message)
    await fake.wait_for_response(token)
    return message_of(fake, token)


def _custom_ids(message: dict) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


async def test_context_and_more_buttons_answer_privately_even_after_a_restart(start_bot, seed_index,
                                                                              seeds_copy):
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        asked = await fake.send_command("ask", {"question": "Gaza"})
        await fake.wait_for_message(asked)
        answer = fake.sent_message(asked)
        ids = _custom_ids(answer)
        context = [i for i in ids if i.startswith("nq:ctx:")]
        more = [i for i in ids if i.startswith("nq:more:")]
        assert len(context) == 3 and len(more) == 1 and all(len(i) <= 100 for i in ids)
        shown = context[0].rsplit(":", 1)[1]
        assert f"`{shown}`" in answer["embeds"][0]["description"]
        await stop(client)

        client = await start_bot(fake)  # a new process: nothing of the old one is left
        body = await press(fake, context[0], answer)
        assert body["flags"] & EPHEMERAL
        assert {"name": "Passage", "value": f"`{shown}` (body)", "inline": True} in body["embeds"][0]["fields"] \
            or body["embeds"][0]["fields"][0]["value"].startswith(f"`{shown}`")
        page = await press(fake, more[0], answer)
        assert page["flags"] & EPHEMERAL
        later = more[0].rsplit(":", 1)[1].split(",")
        assert all(f"`{i}`" in page["embeds"][0]["description"] for i in later[:3])
        assert f"`{later[3]}`" not in page["embeds"][0]["description"]
        assert any(i.startswith("nq:more:") for i in _custom_ids(page))  # and so on

        await stop(client)

        for path in seeds_copy.iterdir():  # the articles change: the buttons' passages with them
            path.write_text(path.read_text(encoding="utf-8").replace("Gaza", "the Gaza Strip"),
                            encoding="utf-8")
        changed, _ = open_index(replace(seed_index.settings, seeds=seeds_copy), save_index=False)
        client = await start_bot(fake, changed)
        for custom_id in (context[0], more[0]):
            body = await press(fake, custom_id, answer)
            assert body["flags"] & EPHEMERAL and "This button has expired" in body["content"]
        assert_mentions_off_everywhere(fake)
        await stop(client)


async def test_malformed_interactions_are_logged_and_the_bot_keeps_answering(start_bot, caplog):
    unretrieved: list[dict] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: unretrieved.append(context))
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        good = await fake.send_command("ask", {"question": "ceasefire"})
        await fake.wait_for_response(good)
        template = fake.interactions[good]
        for broken in ("token", "data", "member"):
            payload = {k: v for k, v in template.items() if k != broken}
            payload["id"] = str(fake.snowflake())
            if broken != "token":
                payload["token"] = f"broken-{broken}"
            await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.dispatch("INTERACTION_CREATE", {"type": 2})  # nothing but a type
        token = await fake.send_command("ask", {"question": "How many Palestinians are in Rafah?"})
        await fake.wait_for_response(token)
        assert "1.5 million" in message_of(fake, token)["embeds"][0]["description"]
        assert not client.is_closed()
        await stop(client)
    gc.collect()
    await asyncio.sleep(0)
    assert unretrieved == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all("malformed" in r.getMessage() for r in errors)
    assert sum("INTERACTION_CREATE" in r.getMessage() for r in errors) >= 2  # no token; bare


async def test_sigterm_lets_the_answers_in_flight_finish_and_refuses_new_ones(start_bot, monkeypatch,
                                                                              caplog):
    slow = commands._answer

    def slow_answer(index, question):
        time.sleep(0.05)  # 20 answers one after another on the search thread: about a second
        return slow(index, question)
    monkeypatch.setattr(commands, "_answer", slow_answer)
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, defer_after_seconds=2.5)
        tokens = [await fake.send_command("ask", {"question": f"ceasefire {n}"}) for n in range(20)]
        await until(lambda: len(client.in_flight) >= 10, "answers in flight")
        os.kill(os.getpid(), signal.SIGTERM)  # the service's own handler takes it
        await until(lambda: client.stopping, "stop beginning")
        late = await fake.send_command("ask", {"question": "ceasefire"})
        for token in tokens:
            await fake.wait_for_response(token, timeout=10)
            assert "ceasefire" in message_of(fake, token)["embeds"][0]["description"], token
        await fake.wait_for_response(late)
        assert message_of(fake, late)["content"] == "I'm restarting: please ask again in a minute."
        await until(client.is_closed, "client closing")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


class _LongBackoff:
    """discord.py's reconnect backoff, stuck at its longest kind of wait."""

    def delay(self) -> float:
        return 600.0


async def test_sigterm_stops_the_service_while_it_waits_to_reconnect(start_bot, monkeypatch,
                                                                      caplog):
    """Discord gone: discord.py sleeps before each reconnect, longer each time (up to 17
    minutes), and closing the client does not wake it. A stop must not wait for it."""
    from bot import service

    monkeypatch.setattr(discord.shard, "ExponentialBackoff", _LongBackoff)
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        await fake.stop()  # Discord goes away: every shard waits 600 s to reconnect
        await until(lambda: any("Attempting a reconnect" in r.getMessage() for r in caplog.records),
                    "a reconnect waiting")
        serving = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "serve"]
        started = time.monotonic()
        os.kill(os.getpid(), signal.SIGTERM)  # the service's own handler takes it
        await asyncio.wait_for(asyncio.gather(*serving), service.CLOSE_SECONDS + 5)
        assert time.monotonic() - started < service.CLOSE_SECONDS + 2
        assert client.is_closed()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_metrics_count_what_the_operator_needs(start_bot, seeds_copy, tmp_path):
    port = _free_port()
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake)
        client.metrics.serve(port)
        try:
            for question in ("How many Palestinians are in Rafah?", "Who invented the telephone?"):
                token = await fake.send_command("ask", {"question": question})
                await fake.wait_for_response(token)
            await fake.send_reconnect()
            await fake.wait_for_gateway_op(6)  # RESUME
            await until(lambda: client.metrics.registry.get_sample_value(
                "newsquote_gateway_reconnects_total", {"how": "resumed"}), "the resume counted")
            client.config = replace(client.config, index=replace(
                client.config.index, seeds=seeds_copy, index_path=tmp_path / "index.json"))
            (seeds_copy / "002_zebra.txt").write_text("Zebra\n\nThe zebra crossing is new.\n")
            await client.reloader.reload("test")
            body = await asyncio.to_thread(
                lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read())
        finally:
            client.metrics.close()
        await stop(client)
    text = body.decode()
    for line in ("newsquote_questions_total 2.0", 'newsquote_answers_total{grade="answer"} 1.0',
                 'newsquote_answers_total{grade="none"} 1.0', "newsquote_index_articles 3.0",
                 "newsquote_reloads_total 1.0", "newsquote_reloads_failed_total 0.0",
                 'newsquote_gateway_reconnects_total{how="resumed"} 1.0',
                 "newsquote_answer_seconds_count 2.0"):
        assert line in text.splitlines(), line


async def test_add_puts_a_page_in_the_articles_and_ask_finds_it(start_bot, own_index, web):
    stranger = {"id": "4242", "username": "stranger", "discriminator": "0", "global_name": None,
                "avatar": None}
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, index=own_index)
        client.config = replace(client.config, index=replace(client.config.index,
                                                             fetch_private=True))  # loopback
        token = await fake.send_command("add", {"url": f"{web}/news/story.html"}, user=stranger)
        await fake.wait_for_response(token)
        assert message_of(fake, token)["content"] == "Only the bot's owner can add articles."
        token = await fake.send_command("add", {"url": f"{web}/news/story.html"})
        replies = await fake.wait_for_response(token, count=2, timeout=20)
        assert replies[0].body["data"]["flags"] & EPHEMERAL
        assert replies[1].body["content"] == ("Added `002`: Council votes to repaint every "
                                              "zebra crossing")
        token = await fake.send_command("add", {"url": f"{web}/missing"})
        replies = await fake.wait_for_response(token, count=2, timeout=20)
        assert replies[1].body["content"] == f"Not added: {web}/missing: HTTP 404 Not Found"
        token = await fake.send_command("ask", {"question": "Who proposed repainting the zebra "
                                                            "crossings?"})
        await fake.wait_for_response(token)
        description = message_of(fake, token)["embeds"][0]["description"]
        assert "Dana Whitfield" in description and "`002." in description
        assert "Maria Okafor" in description  # the byline became the author
        assert_mentions_off_everywhere(fake)
        await stop(client)


async def test_a_reader_answers_from_a_copy_and_sends_adds_to_the_writer(start_bot, own_index,
                                                                          tmp_path):
    from index.build import load_saved
    from test_reader import copy_index

    copy = tmp_path / "copy" / "index.json"
    copy_index(own_index.settings.index_path, copy)
    reader = load_saved(replace(own_index.settings, seeds=tmp_path / "absent", index_path=copy))
    async with FakeDiscord(token=TOKEN) as fake:
        client = await start_bot(fake, index=reader, role="reader")
        # The copy was loaded, not warmed: with no compiled loops cached (a fresh checkout),
        # its first answer may come after a deferral, so wait for the message itself.
        token = await fake.send_command("ask", {"question": "How many Palestinians are in Rafah?"})
        answer = await fake.wait_for_message(token, timeout=60)
        assert "`001.13`" in answer["embeds"][0]["description"]
        token = await fake.send_command("source", {"id": "001.13"})
        assert "Dave DeCamp" in json.dumps(await fake.wait_for_message(token, timeout=60))
        token = await fake.send_command("add", {"url": "https://example.com/story"})
        await fake.wait_for_response(token)
        assert message_of(fake, token)["content"] == (
            "This process serves a copy of the index: add articles on the writer's machine, with "
            "`python -m index add URL` (its articles folder is watched).")
        await stop(client)
