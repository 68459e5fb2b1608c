"""The ways of asking besides /ask, over the wire: a mention of the bot's managed role, a reply to one of
its answers (a follow-up), the "Ask Quotebot about this message" menu, and /help."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.discord.ask import AskCog
from bot.discord.asking_text import CONTEXT_MENU, EXAMPLE, NOTHING_TO_ASK, SOMETHING_WRONG
from index.engine import Engine
from tests.bot.discord.corpus import DEIR
from tests.bot.discord.fake_discord import SEND_MESSAGES, FakeDiscord, _now, snowflake, user
from tests.bot.discord.harness import TOKEN, callback_to, followup_to, reply_to, running_bot, with_discord


class RoleFake(FakeDiscord):
    """The fake, with the managed role Discord creates for a bot when it joins a server."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN)
        self.bot_role = {"id": snowflake(), "name": "Quotebot", "permissions": "0", "position": 2, "color": 0,
                         "hoist": False, "managed": True, "mentionable": False, "flags": 0,
                         "tags": {"bot_id": self.bot_user["id"]}}

    def _guild_payload(self) -> dict[str, Any]:
        guild = super()._guild_payload()
        guild["roles"].append(self.bot_role)
        guild["members"][0]["roles"] = [self.bot_role["id"]]
        return guild

    def message_from(self, author: dict[str, Any], content: str, *, roles: list[str] = (),
                     replying_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A user's message as Discord sends it to a bot addressed by role or by a reply that pings it."""
        data = {"id": snowflake(), "channel_id": self.channel_id, "guild_id": self.guild_id, "author": author,
                "member": {k: v for k, v in self.member(author).items() if k != "user"}, "content": content,
                "timestamp": _now(), "edited_timestamp": None, "tts": False, "mention_everyone": False,
                "mentions": [self.bot_user] if replying_to and replying_to["author"] == self.bot_user else [],
                "mention_roles": list(roles),
                "attachments": [], "embeds": [], "pinned": False, "type": 19 if replying_to else 0, "flags": 0,
                "components": []}
        if replying_to is not None:
            data["message_reference"] = {"message_id": replying_to["id"], "channel_id": self.channel_id,
                                         "guild_id": self.guild_id, "type": 0}
            data["referenced_message"] = replying_to
        return data

    async def menu(self, who: dict[str, Any], message: dict[str, Any]) -> str:
        """"Ask Quotebot about this message" on ``message``; returns the interaction token."""
        data = {"id": snowflake(), "name": "Ask Quotebot about this message", "type": 3, "target_id": message["id"],
                "resolved": {"messages": {message["id"]: message}}}
        payload = self._interaction(2, who, data, roles=None, permissions=SEND_MESSAGES, channel_id=None)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload["token"]

    async def say(self, author: dict[str, Any], content: str, *, roles: list[str] = (),
                  replying_to: dict[str, Any] | None = None) -> dict[str, Any]:
        data = self.message_from(author, content, roles=roles, replying_to=replying_to)
        await self.dispatch("MESSAGE_CREATE", data)
        return data


def test_a_mention_of_the_bots_managed_role_asks(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        fake = RoleFake()
        async with running_bot(with_discord(fake_settings), corpus_engine, fake=fake):
            asked = await fake.say(user("alice"), f"<@&{fake.bot_role['id']}> {DEIR}", roles=[fake.bot_role["id"]])
            reply = (await fake.wait_for(reply_to(asked))).body
            assert reply["content"].endswith(f"for: {DEIR}")
            assert reply["embeds"][0]["title"] == "1. Syrian forces break ISIS siege of Deir Ezzor"

            other = await fake.say(user("alice"), f"<@&{fake.admin_role['id']}> {DEIR}", roles=[fake.admin_role["id"]])
            await asyncio.sleep(0.3)  # another role's mention is not for the bot
            assert not [c for c in fake.calls if reply_to(other)(c)]

    asyncio.run(scenario())


def test_help_lists_every_command_with_an_example_only_to_the_asker(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            token = await fake.slash(user("alice"), "help")
            sent = (await fake.wait_for(callback_to(token))).body
            assert sent["type"] == 4 and int(sent["data"]["flags"]) & 64  # ephemeral
            text = sent["data"]["content"]
            slash = [c["name"] for c in fake.commands if c.get("type", 1) == 1]
            assert {"ask", "help", "index", "stats"} <= set(slash)
            for name in slash:
                assert f"`/{name}`" in text, name
            assert f"`/ask question: {EXAMPLE}`" in text and "`/index` (server admins)" in text
            assert "`/ask` — Answer a question" in text
            assert "reply" in text and "mention" in text

    asyncio.run(scenario())


def test_ask_quotebot_about_this_message(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        fake = RoleFake()
        async with running_bot(with_discord(fake_settings), corpus_engine, fake=fake):
            menu = [c for c in fake.commands if c["name"] == CONTEXT_MENU]
            assert menu and menu[0]["type"] == 3  # a message command
            bob = user("bob")
            token = await fake.menu(user("alice"), fake.message_from(bob, f"  {DEIR}\n"))
            answer = (await fake.wait_for(followup_to(token))).body
            assert fake.replies_to(token)[0].body["type"] == 5  # deferred, public
            assert answer["content"].endswith(f"for: {DEIR}") and answer["embeds"]

            empty = await fake.menu(user("alice"), fake.message_from(bob, ""))  # e.g. only a picture
            sent = (await fake.wait_for(callback_to(empty))).body
            assert sent["type"] == 4 and int(sent["data"]["flags"]) & 64
            assert sent["data"]["content"] == NOTHING_TO_ASK

    asyncio.run(scenario())


def test_a_reply_to_an_answer_is_a_follow_up_with_the_earlier_question(fake_settings, corpus_engine: Engine,
                                                                       monkeypatch) -> None:
    asked: list[str] = []
    real_ask = corpus_engine.ask

    def spy(question, *args, **kwargs):
        asked.append(question)
        return real_ask(question, *args, **kwargs)

    monkeypatch.setattr(corpus_engine, "ask", spy)
    tricky = "who *backed* the offensive_on <Deir Ezzor> at https://example.com/x?"

    async def scenario() -> None:
        fake = RoleFake()
        async with running_bot(with_discord(fake_settings), corpus_engine, fake=fake):
            alice, bob = user("alice"), user("bob")
            first = await fake.say(alice, f"<@{fake.bot_user['id']}> {tricky}")
            await fake.wait_for(reply_to(first))
            answer = next(m for m in fake.messages.values() if m.get("message_reference")
                          and int(m["message_reference"]["message_id"]) == int(first["id"]))
            follow = await fake.say(bob, "and who opposed it?", replying_to=answer)
            reply = (await fake.wait_for(reply_to(follow))).body
            assert asked[-1] == f"{tricky} and who opposed it?"  # the earlier question, as written, as context
            assert reply["content"].split("\n")[0].endswith(" and who opposed it?")

            token = await fake.slash(alice, "ask", {"question": "quantum chromodynamics lattice"})  # no match
            await fake.wait_for(followup_to(token))
            polite = next(m for m in fake.messages.values() if m.get("interaction_token") == token)
            again = await fake.say(alice, "on a lattice?", replying_to=polite)
            await fake.wait_for(reply_to(again))
            assert asked[-1] == "quantum chromodynamics lattice on a lattice?"

            n = len(asked)
            unpinged = await fake.say(bob, "", replying_to=answer)  # a reply without the ping: no text arrives
            not_the_bot = await fake.say(bob, "and who opposed it?", replying_to=fake.message_from(alice, "hi"))
            await asyncio.sleep(0.3)
            assert len(asked) == n and not [c for c in fake.calls if reply_to(unpinged)(c) or reply_to(not_the_bot)(c)]

    asyncio.run(scenario())


def test_an_unexpected_error_sending_a_mentions_answer_gets_a_polite_reply(fake_settings, corpus_engine: Engine,
                                                                           monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("Traceback: /srv/secret/index")

    monkeypatch.setattr(AskCog, "_view", broken)

    async def scenario() -> None:
        fake = RoleFake()
        async with running_bot(with_discord(fake_settings), corpus_engine, fake=fake):
            asked = await fake.say(user("alice"), f"<@&{fake.bot_role['id']}> {DEIR}", roles=[fake.bot_role["id"]])
            sorry = (await fake.wait_for(reply_to(asked))).body
            assert sorry["content"] == SOMETHING_WRONG and not sorry.get("embeds")
            assert not any("secret" in str(c.body) for c in fake.calls)

    asyncio.run(scenario())
