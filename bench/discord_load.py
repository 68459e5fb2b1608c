"""Discord load benchmark (run by hand): a crowd asking the bot over the wire, with the real engine.

  python bench/discord_load.py                          # 200 questions, 50 users, 3 servers: a burst, then spread
  python bench/discord_load.py --spread 120             # the steady run's questions over 120 s
  python bench/discord_load.py --workers 1 --max-queued 5
  python bench/discord_load.py --with-rates             # the config's channel and server rates on (default off)

The bot (bot/discord/client.py) connects to the fake Discord of the tests (gateway + REST on 127.0.0.1,
heartbeat every 0.2 s) and answers /ask from the real packaged model and reader over the seed article and
tests/fixtures/news (the shared corpus), with the [discord] defaults (cooldown, workers, max_queued) unless
given, and the channel and server rates off: the bench measures what the machine answers (the crowd puts a
third of its questions in each server's one channel, far past the default 20 a minute a channel). Two runs: a
burst (every question sent at once) and a steady crowd (the questions spread evenly over --spread s). Each
prints: answered / told to retry / lost / answered twice, the reply time of the answers
(p50, p95: from the interaction's dispatch to the follow-up that carries the answer), the p95 of the
"try again" lines, and the longest gap between two heartbeats. Nothing is written to disk but a temporary index.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from index.config import load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402
from tests.bot.discord.crowd import crowd  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the steady run's questions span")
    parser.add_argument("--workers", type=int, help="[discord] workers (default: the config's)")
    parser.add_argument("--max-queued", type=int, help="[discord] max_queued (default: the config's)")
    parser.add_argument("--with-rates", action="store_true",
                        help="keep the config's channel_questions and server_questions (default: off)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(index_dir=Path(tmp) / "index")
        overrides = {k: v for k, v in (("workers", args.workers), ("max_queued", args.max_queued)) if v is not None}
        if not args.with_rates:
            overrides.update(channel_questions=0, server_questions=0)
        # The articles are the bot's shared corpus, answered in every server (no server indexed its own).
        settings = replace(settings, discord=replace(settings.discord, shared_corpus=True, **overrides))
        engine = Engine(settings)
        report = engine.ingest([ROOT / "seeds", ROOT / "tests" / "fixtures" / "news"])
        d = settings.discord
        print(f"indexed {report.added} articles; load average {os.getloadavg()[0]:.2f}; cpus {os.cpu_count()}; "
              f"[discord] workers {d.workers}, max_queued {d.max_queued}, "
              f"cooldown_seconds {d.cooldown_seconds}, channel_questions {d.channel_questions} per "
              f"{d.channel_window_seconds:.0f} s, server_questions {d.server_questions} per "
              f"{d.server_window_seconds:.0f} s")
        engine.warm_up()
        started = time.monotonic()
        engine.ask("who backed the Syrian army offensive?")
        print(f"one warm Engine.ask: {time.monotonic() - started:.2f} s")
        for name, spread in (("burst", 0.0), (f"steady over {args.spread:.0f} s", args.spread)):
            figures = asyncio.run(crowd(settings, engine, questions=args.questions, users=args.users,
                                        servers=args.servers, spread_s=spread, timeout=args.spread + 600))
            print(f"\n== {name}: {args.users} users on {args.servers} servers\n{figures.lines()}")


if __name__ == "__main__":
    main()
