"""Helpers shared by test modules (a test module never imports another): corpora on disk, a CLI child process."""

from __future__ import annotations

import random
from pathlib import Path

# A child process running the real CLI with the fake embedder, committing after every few chunks and
# slowed a little, so a SIGKILL can land anywhere: mid-read, mid-embed, mid-write, mid-commit.
CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from tests import fakes
fakes.register()
slow = fakes.HashEmbedder.encode
def encode(self, texts, progress=None):
    time.sleep(0.01)
    return slow(self, texts, progress)
fakes.HashEmbedder.encode = encode
import index.indexing as indexing
indexing.EMBED_BATCH_CHUNKS = 6
indexing.COMMIT_EVERY_SECONDS = 0.0
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def make_corpus(folder: Path, n: int = 40) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    words = "river council budget harbour storm festival bridge school election vaccine court mayor".split()
    for i in range(n):
        sentences = [f"Report {i} sentence {j} mentions the {rng.choice(words)} and the {rng.choice(words)}."
                     for j in range(rng.randint(3, 12))]
        (folder / f"doc{i:03d}.txt").write_text(f"Story {i}\n\n" + " ".join(sentences), encoding="utf-8")
    return folder
