"""The fake itself: a gap in it must fail tests, not pass them."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.bot.discord.fake_discord import FakeDiscord


def test_unknown_routes_and_missing_tokens_are_refused_and_recorded() -> None:
    async def scenario() -> None:
        fake = FakeDiscord(token="t")
        await fake.start()
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{fake.base}/api/v10/guilds/1/members") as response:
                    assert response.status == 404 and response.headers["Content-Type"] == "application/json"
                async with http.get(f"{fake.base}/api/v10/users/@me") as response:
                    assert response.status == 401  # no "Authorization: Bot t"
                async with http.get(f"{fake.base}/api/v10/users/@me", headers={"Authorization": "Bot t"}) as response:
                    assert response.status == 200 and (await response.json())["bot"] is True
        finally:
            await fake.stop()
        assert fake.unknown == ["GET /guilds/1/members"]

    asyncio.run(scenario())
