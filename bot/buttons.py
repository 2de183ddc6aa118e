"""The More and Context buttons under an answer.

They are discord.py dynamic items: the custom id carries the passage ids and a digest of
their text (see `bot.render`), so a button keeps working after the bot restarts, and says
plainly that it expired once the articles it quoted changed. Replies are ephemeral: only
the person who pressed sees them.
"""

from __future__ import annotations

import re

import discord

from .render import Reply, context_reply, more_reply


def _button(label: str, custom_id: str) -> discord.ui.Button:
    return discord.ui.Button(label=label[:80], custom_id=custom_id,
                             style=discord.ButtonStyle.secondary)


CONTEXT_ID = re.compile(r"nq:ctx:(?P<digest>[0-9a-f]{8}|None):(?P<id>[a-z0-9-]{1,64}\.[0-9]{1,7})")
MORE_ID = re.compile(r"nq:more:(?P<digest>[0-9a-f]{8}|None):(?P<ids>[a-z0-9.,-]{1,90})")


class ContextButton(discord.ui.DynamicItem[discord.ui.Button], template=CONTEXT_ID.pattern):
    def __init__(self, label: str, custom_id: str) -> None:
        super().__init__(_button(label, custom_id))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> "ContextButton":
        return cls(item.label or "Context", item.custom_id or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await _answered(interaction, self._reply)

    async def _reply(self, interaction: discord.Interaction) -> None:
        match = CONTEXT_ID.fullmatch(self.custom_id)
        client = interaction.client
        reply = await client.in_worker(context_reply, client.index,  # type: ignore[attr-defined]
                                       match["digest"], match["id"])
        await _send(interaction, reply)


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=MORE_ID.pattern):
    def __init__(self, label: str, custom_id: str) -> None:
        super().__init__(_button(label, custom_id))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> "MoreButton":
        return cls(item.label or "More", item.custom_id or "")

    async def callback(self, interaction: discord.Interaction) -> None:
        await _answered(interaction, self._reply)

    async def _reply(self, interaction: discord.Interaction) -> None:
        match = MORE_ID.fullmatch(self.custom_id)
        client = interaction.client
        page = client.config.index.top_k  # type: ignore[attr-defined]
        reply = await client.in_worker(more_reply, client.index,  # type: ignore[attr-defined]
                                       match["digest"], match["ids"].split(","), page)
        await _send(interaction, reply)


BUTTONS = (ContextButton, MoreButton)


def view_of(reply: Reply) -> discord.ui.View | None:
    """The buttons of a reply as a view that needs no state in this process."""
    if not reply.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for label, custom_id in reply.buttons:
        kind = ContextButton if custom_id.startswith("nq:ctx:") else MoreButton
        view.add_item(kind(label, custom_id))
    return view


async def _answered(interaction: discord.Interaction, handler) -> None:
    """Through the client, which counts the press as in flight until it is answered."""
    client = interaction.client
    await client.answer(interaction, lambda: handler(interaction))  # type: ignore[attr-defined]


async def _send(interaction: discord.Interaction, reply: Reply) -> None:
    """What a button shows is for the person who pressed it (the replies are ephemeral)."""
    from .commands import respond  # commands imports this module for view_of
    await respond(interaction, reply)
