"""Warm ``Engine.ask`` latency on one index, one question per call, reader on (run by hand).

  python bench/latency.py INDEX QUESTIONS.jsonl [N]    # e.g. the realtimeqa eval index (10,740 chunks)

Five untimed questions first (models loaded, caches warm), then the first N questions (default 100),
each asked with its ``asked_at``. Prints p50 and p90 in ms and the answer lines shown.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.config import load_settings  # noqa: E402
from index.engine import Engine  # noqa: E402


def main(argv: list[str]) -> int:
    index, questions, n = argv[0], argv[1], int(argv[2]) if len(argv) > 2 else 100
    with open(questions, encoding="utf-8") as f:
        qs = [json.loads(line) for line in f if line.strip()][:n]
    engine = Engine(load_settings(index_dir=index))
    for q in qs[:5]:
        engine.ask(q["question"], asked_at=q.get("asked_at"))
    times, lines = [], 0
    for q in qs:
        t = time.perf_counter()
        answer = engine.ask(q["question"], asked_at=q.get("asked_at"))
        times.append(time.perf_counter() - t)
        lines += answer.answer is not None
    times.sort()
    print(f"n={len(times)} p50={1000 * statistics.median(times):.0f} ms "
          f"p90={1000 * times[int(0.9 * len(times))]:.0f} ms answer lines={lines}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
