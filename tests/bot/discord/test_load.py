"""Load: a crowd over the wire gets exactly one reply per question (an answer or a polite "try again in N s"),
the engine never has more than ``workers + max_queued`` questions in flight, user/channel/server rates hold,
and the gateway heartbeat never stalls."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.discord.cooldown import Busy, Capacity, Cooldown, Cooldowns
from index.config import load_settings
from index.engine import Engine
from index.errors import ConfigError
from index.types import Answer
from tests.bot.discord.crowd import crowd, is_ephemeral
from tests.bot.discord.fake_discord import user
from tests.bot.discord.harness import followup_to, mention, reply_to, running_bot, with_discord
from tests.conftest import FIXTURES, SEEDS

BLOCKED_S = 2.0


class SlowEngine(Engine):
    """The engine with a model-sized pause per question that, like ONNX or torch, releases the GIL; it
    counts the questions it is working on at once."""

    pause = 0.03

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.busy = self.most_busy = 0

    def ask(self, question: str, k: int | None = None, asked_at=None, since=None, until=None) -> Answer:
        self.busy += 1
        self.most_busy = max(self.most_busy, self.busy)
        try:
            time.sleep(self.pause)
            return super().ask(question, k, asked_at, since, until)
        finally:
            self.busy -= 1


def test_100_questions_at_once_are_answered_without_missing_a_heartbeat(fake_settings, corpus_engine) -> None:
    engine = SlowEngine(corpus_engine.settings)
    settings = with_discord(fake_settings, cooldown_seconds=10, max_queued=200)
    figures = asyncio.run(crowd(settings, engine, questions=100, users=100, servers=3, timeout=40))
    assert (figures.answered, figures.refused, figures.lost, figures.duplicated) == (100, 0, 0, 0), figures
    # Serving those 100 questions on the event loop would block it for 3 s or more (measured: 3.9 s).
    # A busy 2-core machine delays a beat by up to ~0.8 s; a blocked loop stops them for seconds.
    assert figures.heartbeats_during >= 2 and figures.max_heartbeat_gap_s < BLOCKED_S, figures
    assert engine.most_busy <= 2  # the [discord] workers default, never one thread per question


def test_over_the_cap_everyone_hears_back_once_and_is_told_when_to_retry(fake_settings, corpus_engine) -> None:
    engine = SlowEngine(corpus_engine.settings)
    engine.pause = 0.2
    settings = with_discord(fake_settings, workers=1, max_queued=4)
    figures = asyncio.run(crowd(settings, engine, questions=30, users=30, servers=3, timeout=30))
    assert figures.lost == 0 and figures.duplicated == 0, figures
    assert figures.answered + figures.refused == 30 and figures.answered >= 5 and figures.refused >= 10, figures
    assert engine.most_busy == 1


def test_over_the_cap_a_mention_gets_a_polite_reply(fake_settings, corpus_engine) -> None:
    engine = SlowEngine(corpus_engine.settings)
    engine.pause = 0.5

    async def scenario() -> None:
        async with running_bot(with_discord(fake_settings, workers=1, max_queued=0), engine) as (fake, _):
            first = await fake.slash(user("alice"), "ask", {"question": "volcano"})
            async with asyncio.timeout(5):
                while not engine.busy:  # until the one worker is on alice's question
                    await asyncio.sleep(0.01)
            asked = await fake.post_message(user("bob"), mention(fake, "volcano ash?"))
            busy = (await fake.wait_for(reply_to(asked))).body
            assert "right now: please try again in 1 s" in busy["content"] and not busy.get("embeds")
            assert (await fake.wait_for(followup_to(first))).body["embeds"]

    asyncio.run(scenario())


def test_channel_and_server_rates_ask_to_retry_and_spare_other_channels(fake_settings, corpus_engine) -> None:
    async def scenario() -> None:
        settings = with_discord(fake_settings, channel_questions=2, channel_window_seconds=60,
                                server_questions=3, server_window_seconds=120)
        async with running_bot(settings, corpus_engine) as (fake, _):
            async def ask(who: str, channel: str | None = None) -> dict:
                token = await fake.slash(user(who), "ask", {"question": "volcano"}, channel_id=channel)
                return await fake.wait_until(lambda: next((c for c in fake.replies_to(token)
                                                           if c.path.startswith("/webhooks/")
                                                           or (c.body or {}).get("type") == 4), None))

            assert not is_ephemeral(await ask("a")) and not is_ephemeral(await ask("b"))
            third = await ask("c")  # a third user, but the channel's 2 a minute are used up
            assert is_ephemeral(third) and "try again in" in third.message["content"]
            other = await ask("c", fake.other_channel_id)  # the refusal used up none of c's allowance
            assert not is_ephemeral(other) and other.message["embeds"]
            server = await ask("d", fake.other_channel_id)  # the server's 3 in 2 minutes are used up
            assert is_ephemeral(server) and "try again in 1" in server.message["content"]  # 120 s less a moment

    asyncio.run(scenario())


def test_rates_count_n_per_window_and_a_refusal_uses_up_nothing() -> None:
    now = [0.0]
    rate = Cooldown(60, clock=lambda: now[0], count=2)
    assert rate.hit("c") == 0.0 and rate.hit("c") == 0.0
    now[0] = 10
    assert rate.hit("c") == pytest.approx(50.0)
    now[0] = 30
    assert rate.hit("d") == 0.0  # each key its own window
    now[0] = 60  # the first two have left the window
    assert rate.hit("c") == 0.0 and rate.hit("c") == 0.0 and rate.hit("c") == pytest.approx(60.0)
    limits = Cooldowns(Cooldown(5, clock=lambda: now[0]), Cooldown(60, clock=lambda: now[0], count=1),
                       Cooldown(0, clock=lambda: now[0]))
    assert limits.hit(1, 10, 100) == 0.0
    assert limits.hit(2, 10, 100) == pytest.approx(60.0)  # the channel's one is used
    assert limits.hit(2, 11, 100) == 0.0  # user 2's refusal above counted nowhere
    assert limits.hit(3, None, None) == 0.0  # a DM: only the user's rate applies


def test_capacity_refuses_past_workers_plus_queue_with_an_estimate() -> None:
    async def scenario() -> None:
        capacity = Capacity(workers=1, max_queued=1)
        capacity.seconds_per_question = 3.0
        running = [asyncio.create_task(capacity.run(time.sleep, 0.2)) for _ in range(2)]
        await asyncio.sleep(0)
        assert capacity.full()
        with pytest.raises(Busy) as busy:
            await capacity.run(time.sleep, 0)
        assert busy.value.retry_after == 6.0  # two questions ahead, one worker, 3 s each
        await asyncio.gather(*running)
        assert not capacity.full() and capacity.in_flight == 0
        await capacity.run(time.sleep, 0)
        capacity.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("key, value", [("workers", 0), ("workers", 65), ("max_queued", -1),
                                        ("channel_questions", -1), ("server_window_seconds", 0.5)])
def test_load_keys_are_range_checked(tmp_path: Path, key: str, value: float) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[discord]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=f"discord.{key}"):
        load_settings(config)


@pytest.fixture(scope="module")
def news_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The real model (and reader) over the seed article and the test news articles."""
    engine = Engine(load_settings(index_dir=tmp_path_factory.mktemp("news") / "index"))
    report = engine.ingest([SEEDS, FIXTURES / "news"])
    assert report.added == 5 and not report.failed
    return engine


@pytest.mark.model
def test_a_crowd_on_three_servers_with_the_real_engine(fake_settings, news_engine: Engine) -> None:
    """50 users on 3 servers asking 200 questions (bench/discord_load.py runs the same, with its figures)."""
    settings = with_discord(fake_settings, cooldown_seconds=0)
    figures = asyncio.run(crowd(settings, news_engine, questions=200, users=50, servers=3, timeout=120))
    print(figures.lines())
    assert figures.lost == 0 and figures.duplicated == 0, figures
    assert figures.answered + figures.refused == 200 and figures.answered >= 22, figures
    assert figures.max_heartbeat_gap_s < BLOCKED_S, figures
