"""Admin commands over the wire: who may use them, /index into the live index, /stats."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.discord.admin import duration
from index.config import load_settings
from index.engine import Engine
from index.errors import ConfigError
from tests.bot.discord.fake_discord import MANAGE_GUILD, FakeDiscord, snowflake, user
from tests.bot.discord.harness import TOKEN, callback_to, followup_to, running_bot, with_discord

ADMIN_COMMANDS = {"index", "stats", "follow", "unfollow", "feeds"}

BEES = "did honeybee colonies return to rooftop hives?"
NEW_ARTICLE = {"id": "bees", "title": "Bees return to the city", "source": "Town Crier", "date": "2024-04-01",
               "url": "https://example.com/bees",
               "text": "Honeybee colonies returned to rooftop hives this spring. Beekeepers counted forty hives."}


def test_admin_commands_are_registered_for_manage_server_only(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            registered = {c["name"]: c for c in fake.commands}
            assert ADMIN_COMMANDS <= registered.keys()
            for name in ADMIN_COMMANDS:  # Discord hides them from members without Manage Server
                # discord.py sends the bit field as a number; Discord stores and returns the string "32".
                assert str(registered[name]["default_member_permissions"]) == str(MANAGE_GUILD) == "32", name
            assert registered["ask"]["default_member_permissions"] is None

    asyncio.run(scenario())


def test_non_admins_are_refused_politely(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        fake = FakeDiscord(token=TOKEN)
        role_id = fake.admin_role["id"]
        async with running_bot(with_discord(fake_settings, admin_role_id=int(role_id)), corpus_engine,
                               fake=fake) as (fake, _):
            # Anyone with Manage Roles can make a role with the admin role's name: it must not count.
            impostor = {**fake.admin_role, "id": snowflake(), "position": 2}
            await fake.dispatch("GUILD_ROLE_CREATE", {"guild_id": fake.guild_id, "role": impostor})
            upload = fake.add_attachment("bees.jsonl", json.dumps(NEW_ARTICLE).encode())
            for who, roles in ((user("eve"), None), (user("mallory"), [impostor["id"]])):
                for name, options in (("stats", {}), ("index", {"file": upload}), ("feeds", {})):
                    token = await fake.slash(who, name, options, roles=roles, attachments=[upload])
                    refused = (await fake.wait_for(callback_to(token))).body
                    assert refused["type"] == 4 and refused["data"]["flags"] == 64
                    assert refused["data"]["content"] == ("Sorry, only people with the Manage Server permission or "
                                                          f"the <@&{role_id}> role can use this command.")
            assert not [c for c in fake.calls if c.path.startswith("/webhooks/")]
            assert corpus_engine.stats()["articles"] == 3

    asyncio.run(scenario())


def test_stats_for_manage_server_or_the_admin_role(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        fake = FakeDiscord(token=TOKEN)
        settings = with_discord(fake_settings, admin_role_id=int(fake.admin_role["id"]))
        async with running_bot(settings, corpus_engine, fake=fake) as (fake, bot):
            bot.answered[int(fake.guild_id)] = 7
            bot.answered[int(fake.second_guild_id)] = 99  # another server's questions are not this one's
            by_permission = await fake.slash(user("mod"), "stats", permissions=MANAGE_GUILD)
            by_role = await fake.slash(user("helper"), "stats", roles=[fake.admin_role["id"]])
            for token in (by_permission, by_role):
                reply = (await fake.wait_for(callback_to(token))).body
                assert reply["type"] == 4 and reply["data"]["flags"] == 64
                text = reply["data"]["content"]
                assert text.startswith("**This server's index:** no index yet (add articles with /index) · model "
                                       "fake-hash\n**Feeds:** none followed (add one with /follow)\n"
                                       "**Votes:** none yet\n"
                                       "**Shared index** (asked when this server's finds nothing): 3 articles, ")
                assert "chunks · model fake-hash" in text
                assert text.endswith("\n**Questions answered here:** 7 · **Bot uptime:** 0 s")

    asyncio.run(scenario())


def test_without_an_admin_role_only_manage_server_is_named(fake_settings, corpus_engine: Engine) -> None:
    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings), corpus_engine) as (fake, _):
            token = await fake.slash(user("helper"), "stats", roles=[fake.admin_role["id"]])
            refused = (await fake.wait_for(callback_to(token))).body["data"]
            assert refused["content"] == "Sorry, only people with the Manage Server permission can use this command."

    asyncio.run(scenario())


@pytest.mark.parametrize(("line", "error"), [
    ('admin_role = "Quote Admins"', r":2: 'discord.admin_role' is no longer read: the admin role is set by its id"),
    ("admin_role_id = -1", r":2: 'discord.admin_role_id' must be from 0 to 18,446,744,073,709,551,615, got -1"),
    ('admin_role_id = "123"', r":2: 'discord.admin_role_id' must be int, got '123'"),
])
def test_admin_role_id_is_checked_when_the_config_loads(tmp_path: Path, line: str, error: str) -> None:
    config = tmp_path / "quotebot.toml"
    config.write_text(f"[discord]\n{line}\n")
    with pytest.raises(ConfigError, match=error) as caught:
        load_settings(config)
    assert "\n" not in str(caught.value)


def test_admin_role_id_is_read(tmp_path: Path) -> None:
    config = tmp_path / "quotebot.toml"
    config.write_text("[discord]\nadmin_role_id = 1300000000000000042\n")
    assert load_settings(config).discord.admin_role_id == 1300000000000000042


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
