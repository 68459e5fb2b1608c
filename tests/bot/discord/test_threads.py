"""[discord] answer_in_thread over the wire: an answer with quotes goes in a new thread off the question, a
follow-up by reply inside the thread is answered there, and wherever a thread can't be started the answer is
a plain reply with no error (DMs, inside a thread, no Create Public Threads, Discord refusing, no match)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.discord.render import NO_MATCH, THANKS, thread_name
from index.engine import Engine
from tests.bot.discord.fake_discord import SEND_MESSAGES, VIEW_CHANNEL, Call, FakeDiscord, user
from tests.bot.discord.corpus import DEIR
from tests.bot.discord.harness import (TOKEN, buttons, callback_to, followup_to, mention, reply_to, running_bot,
                                       with_discord)

FOLLOW_UP = "and who fired the cruise missiles?"


def starts_thread(c: Call) -> bool:
    return c.method == "POST" and c.path.endswith("/threads")


def posted_in(channel_id: str):
    return lambda c: c.method == "POST" and c.path == f"/channels/{channel_id}/messages"


def original_of(fake: FakeDiscord, token: str) -> dict[str, Any]:
    return next(m for m in fake.messages.values() if m.get("interaction_token") == token)


def test_a_slash_answer_goes_in_a_thread_off_its_public_line(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, answer_in_thread=True), corpus_engine) as (fake, _):
            alice = user("alice")
            token = await fake.slash(alice, "ask", {"question": DEIR})
            header = (await fake.wait_for(followup_to(token))).body
            assert header["content"] == f"**Quotes in the thread** for: {DEIR}" and not header.get("embeds")
            assert not int(header.get("flags") or 0) & 64  # public: the thread hangs off it
            original = original_of(fake, token)
            start = await fake.wait_for(starts_thread)
            assert start.path == f"/channels/{fake.channel_id}/messages/{original['id']}/threads"
            assert start.body["name"] == DEIR
            thread_id = original["id"]  # Discord gives a thread off a message the message's id
            answer = (await fake.wait_for(posted_in(thread_id))).body
            assert answer["embeds"][0]["title"] == "1. Syrian forces break ISIS siege of Deir Ezzor"
            assert answer["content"].endswith(f"for: {DEIR}")
            assert {"Helpful", "Not helpful", "Open article 1"} <= set(buttons(answer))

            in_thread = next(m for m in fake.messages.values() if m["channel_id"] == thread_id)
            press = await fake.click(user("bob"), in_thread, buttons(answer)["Helpful"]["custom_id"])
            assert (await fake.wait_for(callback_to(press))).body["data"]["content"] == THANKS

            # A follow-up by reply inside the thread is answered there, as a reply, with no second thread.
            asked = await fake.post_message(alice, FOLLOW_UP, channel_id=thread_id, replying_to=in_thread)
            assert asked is not None
            reply = await fake.wait_for(reply_to(asked))
            assert reply.path == f"/channels/{thread_id}/messages"
            assert reply.body["content"].endswith(f"for: {DEIR} {FOLLOW_UP}")
            assert len([c for c in fake.calls if starts_thread(c)]) == 1

    asyncio.run(scenario())


def test_a_mention_is_answered_in_a_thread_off_the_question(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, answer_in_thread=True), corpus_engine) as (fake, _):
            alice = user("alice")
            asked = await fake.post_message(alice, mention(fake, DEIR))
            assert asked is not None
            start = await fake.wait_for(starts_thread)
            assert start.path == f"/channels/{fake.channel_id}/messages/{asked['id']}/threads"
            assert start.body["name"] == DEIR
            answer = await fake.wait_for(posted_in(asked["id"]))
            assert answer.body["embeds"] and "message_reference" not in answer.body  # the thread starts at the question
            assert not [c for c in fake.calls if posted_in(fake.channel_id)(c)]  # nothing else in the channel

            in_thread = next(m for m in fake.messages.values() if m["channel_id"] == asked["id"])
            follow = await fake.post_message(alice, FOLLOW_UP, channel_id=asked["id"], replying_to=in_thread)
            assert follow is not None
            reply = await fake.wait_for(reply_to(follow))
            assert reply.path == f"/channels/{asked['id']}/messages"
            assert reply.body["content"].endswith(f"for: {DEIR} {FOLLOW_UP}") and reply.body["embeds"]

            # /ask inside the thread: answered in place, no thread in a thread.
            token = await fake.slash(alice, "ask", {"question": DEIR}, channel_id=asked["id"])
            assert (await fake.wait_for(followup_to(token))).body["embeds"]
            assert len([c for c in fake.calls if starts_thread(c)]) == 1

    asyncio.run(scenario())


def test_without_the_create_threads_permission_answers_are_replies(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        fake = FakeDiscord(token=TOKEN)
        fake.bot_permissions = VIEW_CHANNEL | SEND_MESSAGES  # no Create Public Threads / Send Messages in Threads
        async with running_bot(with_discord(fake_settings, answer_in_thread=True), corpus_engine, fake=fake):
            token = await fake.slash(user("alice"), "ask", {"question": DEIR})
            assert (await fake.wait_for(followup_to(token))).body["embeds"]
            asked = await fake.post_message(user("alice"), mention(fake, DEIR))
            assert asked is not None and (await fake.wait_for(reply_to(asked))).body["embeds"]
            assert not [c for c in fake.calls if starts_thread(c)]  # not even tried

    asyncio.run(scenario())


def test_when_discord_refuses_the_thread_the_answer_is_given_in_place(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        fake = FakeDiscord(token=TOKEN)
        fake.refuse_threads = True  # e.g. a channel overwrite the bot's cache didn't show
        async with running_bot(with_discord(fake_settings, answer_in_thread=True), corpus_engine, fake=fake):
            token = await fake.slash(user("alice"), "ask", {"question": DEIR})
            edit = await fake.wait_for(lambda c: c.method == "PATCH"
                                       and c.path.endswith(f"/{token}/messages/@original"))
            assert edit.body["embeds"][0]["title"] == "1. Syrian forces break ISIS siege of Deir Ezzor"
            assert original_of(fake, token)["embeds"] and "Helpful" in buttons(original_of(fake, token))

            asked = await fake.post_message(user("alice"), mention(fake, DEIR))
            assert asked is not None
            reply = (await fake.wait_for(reply_to(asked))).body
            assert reply["embeds"] and reply["content"].endswith(f"for: {DEIR}")
            assert len([c for c in fake.calls if starts_thread(c)]) == 2
            assert not [c for c in fake.calls if isinstance(c.body, dict) and "Sorry" in str(c.message.get("content"))]

    asyncio.run(scenario())


def test_dms_and_no_match_answers_get_no_thread(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, answer_in_thread=True), corpus_engine) as (fake, _):
            token = await fake.slash(user("alice"), "ask", {"question": DEIR}, dm=True)
            assert (await fake.wait_for(followup_to(token))).body["embeds"]
            token = await fake.slash(user("alice"), "ask", {"question": "quantum chromodynamics lattice"})
            assert (await fake.wait_for(followup_to(token))).body["content"].startswith(NO_MATCH)
            assert not [c for c in fake.calls if starts_thread(c)]

    asyncio.run(scenario())


def test_the_option_is_off_by_default(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            asked = await fake.post_message(user("alice"), mention(fake, DEIR))
            assert asked is not None and (await fake.wait_for(reply_to(asked))).body["embeds"]
            assert not [c for c in fake.calls if starts_thread(c)]

    asyncio.run(scenario())


def test_thread_names_are_the_question_cut_at_a_word() -> None:
    assert thread_name(DEIR) == DEIR
    long = "why " * 40
    name = thread_name(long.strip())
    assert len(name) <= 100 and name.endswith("why…") and name.startswith("why why")
    assert thread_name("x" * 150) == "x" * 99 + "…"
