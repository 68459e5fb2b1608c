"""Helpful / Not helpful over the wire: anyone may vote, the vote lands in the feedback.sqlite3 of the server's own
corpus folder (a DM's in the shared index folder), thanks only to the voter; `quotebot feedback` exports one
server's votes or all."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from bot.discord.asking_text import VOTE_FAILED
from index.engine import Engine
from index.feedback import FEEDBACK_FILE, FeedbackLog
from tests.bot.discord.corpus import DEIR, TEXTS
from tests.bot.discord.fake_discord import user
from tests.bot.discord.harness import buttons, callback_to, followup_to, running_bot, thanked, vote_on, with_discord
from tests.conftest import cli_runner

VOLCANO = "volcano eruption ash valley"


def test_votes_are_recorded_per_reader_with_question_quotes_and_server(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, bot):
            alice, bob = user("alice"), user("bob")
            token = await fake.slash(alice, "ask", {"question": DEIR, "results": 5})
            answer = (await fake.wait_for(followup_to(token))).body
            shown = buttons(answer)
            assert shown["Helpful"]["style"] == 3 and shown["Not helpful"]["style"] == 2
            message = next(m for m in fake.messages.values() if m.get("interaction_token") == token)

            for who, label in ((bob, "Helpful"), (bob, "Not helpful"), (alice, "Helpful")):  # bob changes his mind
                press = await fake.click(who, message, shown[label]["custom_id"])
                assert thanked((await fake.wait_for(callback_to(press))).body)

            server_folder = bot.corpora.folder_of(int(fake.guild_id))
            assert server_folder == corpus_engine.folder / "guilds" / fake.guild_id
            assert not (corpus_engine.folder / FEEDBACK_FILE).exists()  # not the shared index's
            votes = FeedbackLog(server_folder).votes()
            assert sorted(v.vote for v in votes) == [-1, 1]
            assert {v.answer for v in votes} == {str(message["id"])}
            for v in votes:
                assert v.question == DEIR and v.guild_id == int(fake.guild_id)
                assert len(v.quotes) == len(answer["embeds"]) and v.quotes[0].article_id == "deir"
                assert all(TEXTS[q.article_id][q.start:q.end] == q.text for q in v.quotes if q.article_id in TEXTS)
            raw = (server_folder / FEEDBACK_FILE).read_bytes()
            assert str(alice["id"]).encode() not in raw and b"alice" not in raw and b"bob" not in raw

    asyncio.run(scenario())


def test_a_vote_on_a_paged_answer_records_the_page_shown_and_anyone_may_vote(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, bot):
            alice, bob = user("alice"), user("bob")
            token = await fake.slash(alice, "ask", {"question": VOLCANO, "results": 2})
            answer = (await fake.wait_for(followup_to(token))).body
            assert {"Back", "More", "Helpful", "Not helpful"} <= set(buttons(answer))
            message = next(m for m in fake.messages.values() if m.get("interaction_token") == token)
            press = await fake.click(bob, message, buttons(answer)["Helpful"]["custom_id"])  # not the asker: fine
            assert thanked((await fake.wait_for(callback_to(press))).body)

            more = await fake.click(alice, message, buttons(answer)["More"]["custom_id"])
            page2 = (await fake.wait_for(callback_to(more))).body["data"]
            assert "Helpful" in buttons(page2)
            press = await fake.click(alice, message, buttons(page2)["Not helpful"]["custom_id"])
            assert thanked((await fake.wait_for(callback_to(press))).body)

            on_page1, on_page2 = FeedbackLog(bot.corpora.folder_of(int(fake.guild_id))).votes()
            assert (on_page1.vote, on_page2.vote) == (1, -1)
            assert len(on_page1.quotes) == len(answer["embeds"]) and len(on_page2.quotes) == len(page2["embeds"])
            assert not set(on_page1.quotes) & set(on_page2.quotes)  # each vote holds the quotes its voter saw

    asyncio.run(scenario())


def test_a_vote_that_cannot_be_written_gets_a_polite_private_line(fake_settings, corpus_engine, monkeypatch) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, bot):
            def broken(*_: object) -> None:
                raise sqlite3.OperationalError("database is locked")

            monkeypatch.setattr(FeedbackLog, "record", broken)
            token = await fake.slash(user("alice"), "ask", {"question": DEIR})
            answer = (await fake.wait_for(followup_to(token))).body
            message = next(m for m in fake.messages.values() if m.get("interaction_token") == token)
            press = await fake.click(user("bob"), message, buttons(answer)["Not helpful"]["custom_id"])
            assert thanked((await fake.wait_for(callback_to(press))).body, VOTE_FAILED)

    asyncio.run(scenario())


def test_the_vote_buttons_go_with_the_timeout_and_the_links_stay(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, page_timeout_seconds=0.3), corpus_engine) as (fake, _):
            token = await fake.slash(user("alice"), "ask", {"question": DEIR})
            await fake.wait_for(followup_to(token))
            edit = await fake.wait_for(lambda c: c.method == "PATCH" and token in c.path)
            assert buttons(edit.body) and all(b["style"] == 5 for b in buttons(edit.body).values())

    asyncio.run(scenario())


def test_each_servers_votes_are_its_own_and_export_alone_or_all(fake_settings, corpus_engine, capsys, tmp_path) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, bot):
            await vote_on(fake, DEIR, "Helpful", guild_id=fake.guild_id)
            await vote_on(fake, VOLCANO, "Not helpful", guild_id=fake.second_guild_id)
            await vote_on(fake, VOLCANO, "Helpful", guild_id=fake.second_guild_id)
            await vote_on(fake, DEIR, "Not helpful", dm=True)
            kept = {where: [(v.question, v.vote, v.guild_id) for v in FeedbackLog(bot.corpora.folder_of(where)).votes()]
                    for where in (int(fake.guild_id), int(fake.second_guild_id), None)}
            assert kept == {int(fake.guild_id): [(DEIR, 1, int(fake.guild_id))],
                            int(fake.second_guild_id): [(VOLCANO, -1, int(fake.second_guild_id)),
                                                        (VOLCANO, 1, int(fake.second_guild_id))],
                            None: [(DEIR, -1, None)]}
            return fake.guild_id, fake.second_guild_id

    first, second = asyncio.run(scenario())
    run = cli_runner(capsys, tmp_path / "fake.toml")  # the same index folder (QUOTEBOT_INDEX)

    def export(*args: str) -> list[tuple[str, int, int | None]]:
        code, out, err = run("feedback", *args)
        assert code == 0, err
        return sorted((q["question"], q["vote"], q["guild_id"]) for q in map(json.loads, out.splitlines()))

    assert export("--server", second) == [(VOLCANO, -1, int(second)), (VOLCANO, 1, int(second))]
    assert export("--server", first) == [(DEIR, 1, int(first))]
    assert export() == sorted([(DEIR, 1, int(first)), (VOLCANO, -1, int(second)), (VOLCANO, 1, int(second)),
                               (DEIR, -1, None)])
    code, out, err = run("feedback", "--server", "12345")
    assert code != 0 and out == "" and err.startswith("error: no server 12345 in ") and len(err.splitlines()) == 1
