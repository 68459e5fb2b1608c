"""Admin commands over the wire: who may use them, /index into the live index, /stats."""

from __future__ import annotations

import asyncio
import json

from bot.discord.admin import duration
from index.engine import Engine
from tests.bot.discord.fake_discord import MANAGE_GUILD, FakeDiscord, user
from tests.bot.discord.harness import TOKEN, callback_to, followup_to, running_bot, with_discord

BEES = "did honeybee colonies return to rooftop hives?"
NEW_ARTICLE = {"id": "bees", "title": "Bees return to the city", "source": "Town Crier", "date": "2024-04-01",
               "url": "https://example.com/bees",
               "text": "Honeybee colonies returned to rooftop hives this spring. Beekeepers counted forty hives."}


def test_non_admins_are_refused_politely(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, admin_role="Quote Admins"), corpus_engine) as (fake, _):
            upload = fake.add_attachment("bees.jsonl", json.dumps(NEW_ARTICLE).encode())
            for name, options in (("stats", {}), ("index", {"file": upload})):
                token = await fake.slash(user("eve"), name, options, attachments=[upload])
                refused = (await fake.wait_for(callback_to(token))).body
                assert refused["type"] == 4 and refused["data"]["flags"] == 64
                assert refused["data"]["content"] == ("Sorry, only people with the Manage Server permission or the "
                                                      "“Quote Admins” role can use this command.")
            assert not [c for c in fake.calls if c.path.startswith("/webhooks/")]

    asyncio.run(scenario())


def test_stats_for_manage_server_or_the_admin_role(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        fake = FakeDiscord(token=TOKEN)
        settings = with_discord(fake_settings, admin_role=fake.admin_role["name"])
        async with running_bot(settings, corpus_engine, fake=fake) as (fake, bot):
            bot.answered = 7
            by_permission = await fake.slash(user("mod"), "stats", permissions=MANAGE_GUILD)
            by_role = await fake.slash(user("helper"), "stats", roles=[fake.admin_role["id"]])
            for token in (by_permission, by_role):
                reply = (await fake.wait_for(callback_to(token))).body
                assert reply["type"] == 4 and reply["data"]["flags"] == 64
                text = reply["data"]["content"]
                assert "3 articles" in text and "chunks" in text and "model fake-hash" in text
                assert "**Uptime:** 0 s" in text and "**Questions answered:** 7" in text

    asyncio.run(scenario())


def test_index_an_attachment_then_answer_from_it(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, max_upload_kb=1), corpus_engine) as (fake, _):
            admin = user("mod")
            before = await fake.slash(user("alice"), "ask", {"question": BEES})
            assert "Bees return" not in json.dumps((await fake.wait_for(followup_to(before))).body)

            upload = fake.add_attachment("bees.jsonl", json.dumps(NEW_ARTICLE).encode())
            token = await fake.slash(admin, "index", {"file": upload}, attachments=[upload], permissions=MANAGE_GUILD)
            deferred = (await fake.wait_for(callback_to(token))).body
            assert deferred == {"type": 5, "data": {"flags": 64}}  # ephemeral "thinking…"
            done = (await fake.wait_for(followup_to(token))).body
            assert done["content"].startswith("Indexed bees.jsonl: 1 added, 0 updated, 0 unchanged, 0 failed")
            assert done["flags"] == 64

            after = await fake.slash(user("alice"), "ask", {"question": BEES})
            top = (await fake.wait_for(followup_to(after))).body["embeds"][0]
            assert top["title"] == "1. Bees return to the city"
            assert "Beekeepers counted forty hives." in top["description"]

            for name, data, size, error in (
                ("notes.pdf", b"%PDF", None, "I can't index notes.pdf: send a .txt, .md, .html, .json, .jsonl file."),
                ("big.txt", b"x" * 10, 5000, "big.txt is 5 KiB, over the 1 KiB limit."),
                ("liar.txt", b"word " * 400, 10, "liar.txt is over the 1 KiB limit."),
            ):
                upload = fake.add_attachment(name, data, size=size)
                token = await fake.slash(admin, "index", {"file": upload}, attachments=[upload],
                                         permissions=MANAGE_GUILD)
                answer = await fake.wait_for(lambda c: c.path.endswith(f"/{token}/callback") and c.body["type"] == 4
                                             or followup_to(token)(c))
                reply = answer.body.get("data", answer.body)
                assert reply["content"] == error and reply["flags"] == 64

    asyncio.run(scenario())


def test_duration_reads_naturally() -> None:
    assert [duration(s) for s in (4, 65, 3725, 90000)] == ["4 s", "1 min 5 s", "1 h 2 min", "1 d 1 h"]
