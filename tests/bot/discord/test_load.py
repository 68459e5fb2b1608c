"""Load: 100 questions in flight at once are all answered, and the gateway heartbeat never stalls."""

from __future__ import annotations

import asyncio
import time

from index.engine import Engine
from index.types import Answer
from tests.bot.discord.fake_discord import FakeDiscord, user
from tests.bot.discord.harness import TOKEN, running_bot, with_discord

HEARTBEAT_MS = 200
BLOCKED_S = 2.0
QUESTIONS = ["volcano eruption ash valley", "what do tomato gardeners say?",
             "who backed the Syrian army offensive on Deir Ezzor?"]


class SlowEngine(Engine):
    """The engine with a model-sized pause per question that, like ONNX or torch, releases the GIL."""

    def ask(self, question: str, k: int | None = None, asked_at=None, since=None, until=None) -> Answer:
        time.sleep(0.03)
        return super().ask(question, k, asked_at, since, until)


def test_100_questions_at_once_are_answered_without_missing_a_heartbeat(fake_settings, corpus_engine) -> None:
    engine = SlowEngine(corpus_engine.settings)

    async def scenario() -> None:
        fake = FakeDiscord(token=TOKEN, heartbeat_interval_ms=HEARTBEAT_MS)
        async with running_bot(with_discord(fake_settings, cooldown_seconds=10), engine, fake=fake) as (_, bot):
            await asyncio.sleep(0.3)
            started = time.monotonic()
            tokens = [await fake.slash(user(f"user{n}"), "ask", {"question": QUESTIONS[n % 3]}) for n in range(100)]

            def answered() -> list:
                found = [c for c in fake.calls if c.method == "POST" and c.path.startswith("/webhooks/")]
                return found if len(found) == 100 else []

            answers = await fake.wait_until(answered, timeout=40)
            finished = time.monotonic()
            await asyncio.sleep(0.3)
            assert bot.answered == 100

        assert {a.path.rsplit("/", 1)[1] for a in answers} == set(tokens)
        assert all(a.body["embeds"] for a in answers)
        beats = fake.heartbeats
        gaps = [b - a for a, b in zip(beats, beats[1:])]
        during = [t for t in beats if started <= t <= finished]
        # Serving those 100 questions on the event loop would block it for 3 s or more (measured: 3.9 s).
        # A busy 2-core machine delays a beat by up to ~0.8 s; a blocked loop stops them for seconds.
        assert len(during) >= 2, (finished - started, beats)
        assert max(gaps) < BLOCKED_S, gaps
        assert fake.identifies == 1  # never reconnected

    asyncio.run(scenario())
