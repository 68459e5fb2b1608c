"""A crowd over the wire: many users on several servers asking at once (tests/bot/discord/test_load.py and
bench/discord_load.py share it), and what it measured."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

from index.config import Settings
from index.engine import Engine
from tests.bot.discord.fake_discord import Call, FakeDiscord, snowflake, user
from tests.bot.discord.harness import TOKEN, running_bot

HEARTBEAT_MS = 200
QUESTIONS = ["who backed the Syrian army offensive on Deir Ezzor?", "what happened in Raqqa?",
             "what did the navy do?", "how did the markets react?", "what is happening in Iraq?",
             "who supported the Deir Ezzor offensive?"]


class CrowdDiscord(FakeDiscord):
    """The fake Discord with interactions from several servers, each with its own channel."""

    def __init__(self, servers: int, **options: Any) -> None:
        super().__init__(**options)
        self.servers = [(self.guild_id, self.channel_id)] + [(snowflake(), snowflake()) for _ in range(servers - 1)]
        self._guild_of = {channel: guild for guild, channel in self.servers}

    def _interaction(self, kind: int, who: dict[str, Any], data: dict[str, Any], **options: Any) -> dict[str, Any]:
        payload = super()._interaction(kind, who, data, **options)
        guild = self._guild_of.get(payload["channel_id"], self.guild_id)
        payload["guild_id"] = payload["channel"]["guild_id"] = guild
        payload["authorizing_integration_owners"] = {"0": guild}
        return payload


def is_final_reply(call: Call) -> bool:
    """A call that answers an asker: an immediate reply (callback type 4) or a follow-up message."""
    if call.method != "POST":
        return False
    if call.path.endswith("/callback"):
        return (call.body or {}).get("type") == 4
    return call.path.startswith("/webhooks/")


def is_ephemeral(call: Call) -> bool:
    return bool(int(call.message.get("flags") or 0) & 64)


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile; nan for none."""
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1)]


@dataclass
class Figures:
    questions: int
    answered: int  # public answers (quotes, or "no good match")
    refused: int  # polite "try again in N s" lines
    lost: int  # questions that got no reply at all
    duplicated: int  # questions that got more than one reply
    p50_s: float  # reply time of the public answers
    p95_s: float
    refusal_p95_s: float  # reply time of the "try again" lines
    max_heartbeat_gap_s: float
    heartbeats_during: int
    seconds: float

    def lines(self) -> str:
        return (f"{self.questions} questions: {self.answered} answered, {self.refused} told to retry, "
                f"{self.lost} lost, {self.duplicated} answered twice\n"
                f"answer time p50 {self.p50_s:.2f} s, p95 {self.p95_s:.2f} s; \"try again\" p95 "
                f"{self.refusal_p95_s:.2f} s; all replied in {self.seconds:.1f} s\n"
                f"max heartbeat gap {self.max_heartbeat_gap_s:.2f} s ({self.heartbeats_during} beats during the crowd, "
                f"interval {HEARTBEAT_MS / 1000:.1f} s)")


async def crowd(settings: Settings, engine: Engine, *, questions: int, users: int, servers: int,
                spread_s: float = 0.0, timeout: float = 600.0) -> Figures:
    """``questions`` slash /ask from ``users`` users spread over ``servers`` servers, sent within ``spread_s``
    seconds; waits until every question has its reply (or ``timeout``) and measures the run."""
    fake = CrowdDiscord(servers, token=TOKEN, heartbeat_interval_ms=HEARTBEAT_MS)
    async with running_bot(settings, engine, fake=fake):
        await asyncio.sleep(0.5)
        started = time.monotonic()
        sent: dict[str, float] = {}
        people = [user(f"user{n}") for n in range(users)]
        for n in range(questions):
            _, channel = fake.servers[n % servers]
            token = await fake.slash(people[n % users], "ask", {"question": QUESTIONS[n % len(QUESTIONS)]},
                                     channel_id=channel)
            sent[token] = time.monotonic()
            if spread_s:
                await asyncio.sleep(spread_s / questions)

        def replied() -> bool:
            tokens = {c.path.split("/")[3] for c in fake.calls if is_final_reply(c)}  # /x/<id>/<token>...
            return len(tokens & sent.keys()) == len(sent)

        try:
            await fake.wait_until(replied, timeout=timeout)
        except TimeoutError:
            pass
        finished = time.monotonic()
        await asyncio.sleep(0.5)
    replies = {t: [c for c in fake.replies_to(t) if is_final_reply(c)] for t in sent}
    answer_times = sorted(r[0].at - sent[t] for t, r in replies.items() if r and not is_ephemeral(r[0]))
    refusal_times = sorted(r[0].at - sent[t] for t, r in replies.items() if r and is_ephemeral(r[0]))
    firsts = [r[0] for r in replies.values() if r]
    beats = [b for b in fake.heartbeats if started - 1 <= b <= finished + 0.5]
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    return Figures(
        questions=questions,
        answered=sum(1 for c in firsts if not is_ephemeral(c)),
        refused=sum(1 for c in firsts if is_ephemeral(c) and "try again in" in c.message.get("content", "")),
        lost=sum(1 for r in replies.values() if not r),
        duplicated=sum(1 for r in replies.values() if len(r) > 1),
        p50_s=percentile(answer_times, 0.5),
        p95_s=percentile(answer_times, 0.95),
        refusal_p95_s=percentile(refusal_times, 0.95),
        max_heartbeat_gap_s=max(gaps, default=float("inf")),
        heartbeats_during=len([b for b in beats if started <= b <= finished]),
        seconds=finished - started,
    )
