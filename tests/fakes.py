"""A deterministic bag-of-words embedder: fast tests of indexing and search without a model.

Words are hashed into a small vector, so texts sharing words are close: enough for ranking tests.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index.ingest.chunking import approx_tokens
from index.config import ModelSettings
from index.models.embedding import ProgressFn, register_embedder

FAKE_MODEL = "fake-hash"


class HashEmbedder:
    name = FAKE_MODEL
    dim = 64
    max_tokens = 128

    def __init__(self, settings: ModelSettings | None = None) -> None:
        self.calls = 0

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return approx_tokens(texts)

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
            out[i, 0] = out[i, 0] if norm else 1.0
        if progress:
            progress(len(texts), len(texts))
        return out

    def encode_documents(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        return self.encode(texts, progress)


def register() -> None:
    register_embedder(FAKE_MODEL, HashEmbedder)
