"""Asking over the wire: /ask, mentions and the paging buttons, asserted on the JSON the bot sent.

Every scenario also passes ``check_sent`` (harness): no message pings anyone or breaks a limit.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.discord.asking_text import EMPTY_QUESTION, UNAVAILABLE
from bot.discord.render import NO_MATCH
from index.engine import Engine
from index.errors import QuotebotError
from tests.bot.discord.corpus import DEIR, TEXTS, corpus_jsonl
from tests.bot.discord.fake_discord import MESSAGE_CONTENT, FakeDiscord, user
from tests.bot.discord.harness import (TOKEN, buttons, callback_to, followup_to, mention, reply_to, running_bot,
                                       unmarked, with_discord)
from tests.conftest import HEADLINE


def quote_count(content: str) -> int:
    """N in "**Quotes 1–5 of N** for: …"."""
    return int(re.match(r"\*\*(?:Quotes? [\d–]+ of (\d+)|(1) quote)\*\*", content).group(1) or 1)


def test_slash_ask_defers_then_answers_with_one_embed_per_quote(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            token = await fake.slash(user("alice"), "ask", {"question": DEIR})
            answer = (await fake.wait_for(followup_to(token))).body
            first = fake.replies_to(token)[0]
            assert first.path.endswith("/callback") and first.body["type"] == 5  # deferred: "thinking…"

            total = quote_count(answer["content"])
            assert answer["content"].endswith(f"for: {DEIR}")
            assert len(answer["embeds"]) == min(total, 5)  # one page: settings.search.results = 5
            top = answer["embeds"][0]
            assert top["title"] == "1. Syrian forces break ISIS siege of Deir Ezzor"
            assert top["url"] == "https://example.com/deir-ezzor"
            assert top["footer"]["text"] == "Example News · best match"  # strength in words, not a raw score
            assert all(e["footer"]["text"].endswith(" · also relevant") for e in answer["embeds"][1:])
            assert top["description"].startswith("Published <t:1504612800:D>\n")  # 2017-09-05, a Discord timestamp
            assert "**" in top["description"]  # the highlighted sentence
            quoted, said = top["description"].split("\n", 1)[1].rsplit("\n", 1)
            assert said == "— Russia"  # who the highlighted sentence says is speaking, under the quote
            shown = unmarked(quoted).removeprefix("… ").removesuffix(" …")
            assert shown in TEXTS["deir"]  # verbatim
            ranks = [e["title"].split(".")[0] for e in answer["embeds"]]
            assert ranks == [str(n) for n in range(1, len(ranks) + 1)]
            assert ("More" in buttons(answer)) == (total > 5)
            link = buttons(answer)["Open article 1"]  # a link button per quote, paged or not
            assert link["style"] == 5 and link["url"] == "https://example.com/deir-ezzor" and "custom_id" not in link
            assert {k for k in buttons(answer) if k.startswith("Open article")} == {
                f"Open article {n + 1}" for n, e in enumerate(answer["embeds"]) if "url" in e}

    asyncio.run(scenario())


def test_mention_is_answered_in_reply_and_other_messages_are_not_read(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, bot):
            assert not int(fake.identify["intents"]) & MESSAGE_CONTENT  # no privileged intent needed
            alice = user("alice")
            ignored = await fake.post_message(alice, "what do tomato gardeners say?")
            assert ignored is not None and ignored["content"] == ""  # Discord blanks it without the intent
            asked = await fake.post_message(alice, mention(fake, "what do tomato gardeners say?"))
            reply = await fake.wait_for(reply_to(asked))
            assert reply.path == f"/channels/{fake.channel_id}/messages"
            assert reply.body["allowed_mentions"] == {"parse": [], "replied_user": False}
            assert reply.body["embeds"][0]["title"].startswith("1. ")
            assert any(c.path.endswith("/typing") for c in fake.calls)
            assert not [c for c in fake.calls if reply_to(ignored)(c)]
            assert bot.answered == {int(fake.guild_id): 1}

            empty = await fake.post_message(alice, mention(fake, "  "))
            assert (await fake.wait_for(reply_to(empty))).body["content"] == EMPTY_QUESTION

    asyncio.run(scenario())


HOSTILE = {  # what the garden article says -> how the bot must send it
    "@everyone": "@\u200beveryone", "@here": "@\u200bhere",
    "<@123456789012345678>": "\\<\u200b@\u200b123456789012345678>",
    "<@&223456789012345678>": "\\<\u200b@\u200b&223456789012345678>",
    "[this tomato link](https://evil.example)": "\\[this tomato link](",
    "||a tomato spoiler||": "\\|\\|a tomato spoiler\\|\\|",
    "**bold tomato**": "\\*\\*bold tomato\\*\\*", "`tomato code`": "\\`tomato code\\`",
}


def test_quoted_text_cannot_ping_format_link_or_spoil(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            bodies = []
            for question in ("@everyone who do tomato gardeners tell and ping? <@&223456789012345678>",
                             "what do tomato gardeners share, hide and write?"):
                token = await fake.slash(user("mallory"), "ask", {"question": question})
                bodies.append((await fake.wait_for(followup_to(token))).body)
                asked = await fake.post_message(user("mallory"), mention(fake, question))
                bodies.append((await fake.wait_for(reply_to(asked))).body)
            seen = set()
            for body in bodies:
                garden = [e for e in body["embeds"] if "Gardeners" in e["title"]]
                for e in garden:
                    text = e["description"].split("\n", 1)[1]  # after the date line
                    for raw in ("@everyone", "@here", "<@1", "<@&", "[this", "||", "**bold", "`tomato"):
                        assert not re.search(r"(?<!\\)" + re.escape(raw), text), raw  # only escaped forms
                    for raw, escaped in HOSTILE.items():
                        if raw in unmarked(text):  # shown to the reader as written...
                            assert escaped in text, escaped  # ...but inert
                            seen.add(raw)
                    quoted = re.sub(r"\n— [^\n]*$", "", text)  # less the attribution line, if any
                    assert unmarked(quoted).strip("… ") in TEXTS["garden"]
                    assert e["title"].endswith(". \\*\\*Gardeners\\*\\* \\_say\\_ @\u200beveryone "
                                               "\\<\u200b@\u200b123456789012345678>")
                    assert "url" not in e  # javascript: is never linked
            assert seen == set(HOSTILE), set(HOSTILE) - seen
            assert "@everyone" not in bodies[0]["content"] and "<@&" not in bodies[0]["content"]

    asyncio.run(scenario())


def test_no_good_match_is_a_polite_answer(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            token = await fake.slash(user("alice"), "ask", {"question": "quantum chromodynamics lattice"})
            answer = (await fake.wait_for(followup_to(token))).body
            assert answer["content"].startswith(NO_MATCH)
            assert not answer.get("embeds") and not answer.get("components")

    asyncio.run(scenario())


def test_cooldown_asks_the_user_to_wait(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, cooldown_seconds=30), corpus_engine) as (fake, _):
            alice, bob = user("alice"), user("bob")
            first = await fake.slash(alice, "ask", {"question": DEIR})
            await fake.wait_for(followup_to(first))
            again = await fake.slash(alice, "ask", {"question": DEIR})
            refused = (await fake.wait_for(callback_to(again))).body
            assert refused["type"] == 4 and refused["data"]["flags"] == 64  # ephemeral
            assert refused["data"]["content"] == "You're asking a little fast: please try again in 30 s."
            assert not [c for c in fake.calls if followup_to(again)(c)]

            other = await fake.slash(bob, "ask", {"question": DEIR})  # per user, not per channel
            assert (await fake.wait_for(followup_to(other))).body["embeds"]
            asked = await fake.post_message(alice, mention(fake, DEIR))
            assert "try again in" in (await fake.wait_for(reply_to(asked))).body["content"]

    asyncio.run(scenario())


def test_only_allowed_channels_are_answered(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        fake = FakeDiscord(token=TOKEN)
        settings = with_discord(fake_settings, allowed_channels=[int(fake.channel_id)])
        async with running_bot(settings, corpus_engine, fake=fake):
            alice = user("alice")
            token = await fake.slash(alice, "ask", {"question": DEIR}, channel_id=fake.other_channel_id)
            refused = (await fake.wait_for(callback_to(token))).body
            assert refused["type"] == 4 and refused["data"]["flags"] == 64
            assert refused["data"]["content"] == f"Sorry, I only answer questions in <#{fake.channel_id}>."
            elsewhere = await fake.post_message(alice, mention(fake, DEIR), channel_id=fake.other_channel_id)
            here = await fake.post_message(alice, mention(fake, DEIR))
            await fake.wait_for(reply_to(here))
            assert not [c for c in fake.calls if reply_to(elsewhere)(c)]

    asyncio.run(scenario())


def test_more_pages_for_the_asker_only(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            alice, bob = user("alice"), user("bob")
            token = await fake.slash(alice, "ask", {"question": "volcano eruption ash valley", "results": 2})
            answer = (await fake.wait_for(followup_to(token))).body
            total = quote_count(answer["content"])
            assert total >= 3 and answer["content"].startswith(f"**Quotes 1–2 of {total}**")
            assert len(answer["embeds"]) == 2
            assert buttons(answer)["Back"]["disabled"] and not buttons(answer)["More"]["disabled"]
            more = buttons(answer)["More"]["custom_id"]
            message = next(m for m in fake.messages.values() if m.get("interaction_token") == token)

            intruder = await fake.click(bob, message, more)
            refused = (await fake.wait_for(callback_to(intruder))).body
            assert refused["type"] == 4 and refused["data"]["flags"] == 64
            assert refused["data"]["content"].startswith("Only the person who asked")

            for first in range(3, total + 1, 2):
                press = await fake.click(alice, message, more)
                page = (await fake.wait_for(callback_to(press))).body
                assert page["type"] == 7  # the same message, edited
                shown = f"{first}–{first + 1}" if first < total else f"{first}"
                assert page["data"]["content"].startswith(f"**Quote{'s' if first < total else ''} {shown} of {total}**")
                assert page["data"]["embeds"][0]["title"].startswith(f"{first}. ")
                assert [k for k in buttons(page["data"]) if k.startswith("Open")] == [
                    f"Open article {n}" for n in range(first, min(first + 2, total + 1))]  # this page's quotes
            assert buttons(page["data"])["More"]["disabled"] and not buttons(page["data"])["Back"]["disabled"]
            back = await fake.click(alice, message, buttons(answer)["Back"]["custom_id"])
            previous = (await fake.wait_for(callback_to(back))).body["data"]["embeds"][0]["title"]
            assert previous.startswith(f"{first - 2}. ")

    asyncio.run(scenario())


def test_more_button_stops_working_after_the_timeout(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        settings = with_discord(fake_settings, page_timeout_seconds=0.3)
        async with running_bot(settings, corpus_engine) as (fake, _):
            alice = user("alice")
            asked = await fake.post_message(alice, mention(fake, "volcano eruption ash valley"))
            reply = await fake.wait_for(reply_to(asked))
            message = next(m for m in fake.messages.values() if m.get("message_reference")
                           and int(m["message_reference"]["message_id"]) == int(asked["id"]))
            assert "More" in buttons(reply.body)
            edit = await fake.wait_for(lambda c: c.method == "PATCH" and c.path.endswith(f"/messages/{message['id']}"))
            assert list(buttons(edit.body)) == ["Open article 1", "Open article 2", "Open article 3", "Open article 4",
                                                "Open article 5"]  # paging gone; the links stay
            assert all(b["style"] == 5 for b in buttons(edit.body).values())
            press = await fake.click(alice, message, buttons(reply.body)["More"]["custom_id"])
            await asyncio.sleep(0.3)
            assert not [c for c in fake.calls if callback_to(press)(c)]

            token = await fake.slash(alice, "ask", {"question": "volcano eruption ash valley"})
            await fake.wait_for(followup_to(token))
            edit = await fake.wait_for(lambda c: c.method == "PATCH" and token in c.path)
            assert buttons(edit.body) and all(b["style"] == 5 for b in buttons(edit.body).values())

    asyncio.run(scenario())


@pytest.mark.model
def test_headline_question_quotes_the_russia_passage_first(fake_settings, real_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), real_engine) as (fake, _):
            token = await fake.slash(user("alice"), "ask", {"question": HEADLINE})
            answer = (await fake.wait_for(followup_to(token))).body
            asked = await fake.post_message(user("bob"), mention(fake, HEADLINE))
            reply = (await fake.wait_for(reply_to(asked))).body
            for body in (answer, reply):
                top = body["embeds"][0]
                bold = re.search(r"\*\*(.+?)\*\*", top["description"], re.S)  # the highlighted sentence
                assert "Russia said it backed the Syrian army’s offensive" in top["description"]
                assert bold  # the attribution line names who says the highlighted sentence, after the quote
                speaker = top["description"].rsplit("\n— ", 1)[1]
                assert speaker and speaker in bold.group(1)
                assert top["title"] == "1. Syrian forces break ISIS’ siege of Deir Ezzor"
                assert "url" not in top  # the seed's URL is file://, which Discord would reject

    asyncio.run(scenario())


def test_questions_are_asked_as_of_the_message_time(fake_settings, fake_engine: Engine) -> None:
    """An article published after the message (its snowflake's time) is never quoted."""
    import json

    from datetime import datetime, timezone

    records = [{"id": "then", "title": "Ferry strike",
                "text": "The ferry strike ended when the union accepted the offer.", "date": "2020-05-01"},
               {"id": "later", "title": "Ferry strike again",
                "text": "The ferry strike ended again when the union accepted.", "date": "2099-05-01"}]
    fake_engine.ingest_bytes("strike.jsonl", "".join(json.dumps(r) + "\n" for r in records).encode())

    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), fake_engine) as (fake, _):
            asked = await fake.post_message(user("alice"), mention(fake, "how did the ferry strike end?"))
            body = (await fake.wait_for(reply_to(asked))).body
            titles = [e["title"] for e in body["embeds"]]
            assert any("Ferry strike" in t for t in titles) and not any("again" in t for t in titles)
            sent = datetime.fromtimestamp(((int(asked["id"]) >> 22) + 1420070400000) / 1000, timezone.utc)
            assert sent.year < 2099

    asyncio.run(scenario())


@pytest.mark.parametrize("error", [QuotebotError("index at /srv/secret/index is locked"),
                                   RuntimeError("Traceback: /srv/secret/index")])
def test_an_engine_error_after_the_defer_reaches_only_the_asker(fake_settings, corpus_engine, monkeypatch,
                                                                 error: Exception) -> None:
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(corpus_engine, "ask", fail)

    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            token = await fake.slash(user("alice"), "ask", {"question": DEIR})
            sorry = (await fake.wait_for(followup_to(token))).body
            assert sorry["content"] == UNAVAILABLE and int(sorry["flags"]) & 64  # ephemeral
            assert [c.method for c in fake.replies_to(token)][:2] == ["POST", "DELETE"]  # defer, then "thinking…" gone
            public = [m for m in fake.messages.values() if not int(m.get("flags") or 0) & 64]
            assert not [m for m in public if m.get("interaction_token") == token]  # nothing left in the channel

            asked = await fake.post_message(user("bob"), mention(fake, DEIR))
            assert (await fake.wait_for(reply_to(asked))).body["content"] == UNAVAILABLE
            assert not any("secret" in (c.body or {}).get("content", "")
                           for c in fake.calls if isinstance(c.body, dict))

    asyncio.run(scenario())


def test_invites_and_links_in_quotes_are_inert_over_the_wire(fake_settings, fake_engine: Engine) -> None:
    club = {"id": "club", "title": "Gardening club opens", "source": "Garden Weekly", "url": "https://example.com/club",
            "date": "2021-04-02",
            "text": ("The gardening club opened on Sunday. Members join the gardening club at discord.gg/tomatoes "
                     "or https://discord.com/invite/tomatoes today. The club guide is at https://tomato.example/guide "
                     "for members.")}
    fake_engine.ingest_bytes("club.jsonl", corpus_jsonl([club]))

    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), fake_engine) as (fake, _):
            question = "where do members join the gardening club, and where is the club guide?"
            token = await fake.slash(user("alice"), "ask", {"question": question})
            asked = await fake.post_message(user("alice"), mention(fake, question))
            for body in ((await fake.wait_for(followup_to(token))).body, (await fake.wait_for(reply_to(asked))).body):
                text = " ".join(e["description"] for e in body["embeds"])
                assert "discord.gg\u2215tomatoes" in text and "discord.com\u2215invite\u2215tomatoes" in text
                assert "discord.gg/" not in text and "/invite/" not in text  # no live invite, no invite card
                assert "<https://tomato.example/guide>" in text  # a link, but with no preview
                assert not re.search(r"(?<!<)https://tomato", text)

    asyncio.run(scenario())


@pytest.mark.model
def test_the_answer_line_names_the_independent_sources_or_says_they_differ(fake_settings) -> None:
    """tests/fixtures/corroboration.jsonl, read by the real reader (its answer line shown at any confidence):
    Reuters' wire story and Yahoo News' syndicated copy are one source; on the Aleppo toll, Reuters and AP say 15
    and CNN 12, and both are shown with their sources."""
    from dataclasses import replace

    from index.config import ReaderSettings
    from tests.conftest import FIXTURES

    settings = replace(fake_settings, reader=ReaderSettings(enabled=True, answer_confidence=0.0))
    engine = Engine(settings)
    assert engine.ingest([FIXTURES / "corroboration.jsonl"]).added == 7
    backed = "which country backed the Syrian army's offensive on Deir Ezzor?"
    toll = "how many people did the Aleppo market bombing kill?"

    async def scenario() -> None:
        async with running_bot(with_discord(settings), engine) as (fake, _):
            token = await fake.slash(user("alice"), "ask", {"question": backed})
            answer = (await fake.wait_for(followup_to(token))).body
            head, line = answer["content"].split("\n")
            assert head.endswith(f"for: {backed}")
            said = re.fullmatch(r"\*\*Answer:\*\* Russia · reported by 3 sources: (.+) -# \(quote (\d)\)", line)
            assert said, line
            assert sorted(said.group(1).split(", ")) == ["CNN", "Reuters", "SANA"]  # Yahoo News' copy is Reuters'
            assert "Russia" in unmarked(answer["embeds"][int(said.group(2)) - 1]["description"])

            asked = await fake.post_message(user("bob"), mention(fake, toll))
            reply = (await fake.wait_for(reply_to(asked))).body
            assert reply["content"].split("\n")[1] == (
                "**Answer:** 15 people · sources differ: 15 people (Reuters, AP) · 12 (CNN) -# (quote 1)")

    asyncio.run(scenario())
