from dataclasses import replace

import faiss
import numpy as np

from index import vectors
from index.engine import Engine
from tests.index.test_reliability import make_corpus


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Vectors in topic clusters, like sentence embeddings of a news corpus (random noise is IVF's worst case)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(8, n // 200), dim))
    x = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_recall_at_10_against_exact():
    data, queries = clustered(30_000, 64), clustered(200, 64, seed=1)
    exact = vectors.new_exact(64)
    exact.add_with_ids(data, np.arange(10, 30_010, dtype=np.int64))
    ivf = vectors.to_approximate(exact)
    _, truth = exact.search(queries, 10)
    _, got = ivf.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got)])
    assert recall >= 0.95, recall
    assert sorted(vectors.ids_of(ivf)) == list(range(10, 30_010))
    np.testing.assert_allclose(ivf.reconstruct(12), data[2], atol=1e-6)


def test_index_switches_to_ivf_past_the_threshold_and_still_updates(tmp_path, fake_settings):
    settings = replace(fake_settings, search=replace(fake_settings.search, exact_below=20))
    docs = make_corpus(tmp_path / "docs", n=40)
    engine = Engine(settings)
    engine.ingest([docs])
    assert isinstance(engine.store.vectors(), faiss.IndexIVF)
    assert engine.check() == []
    (docs / "doc000.txt").write_text("Changed\n\nThe lighthouse keeper retired after forty years.")
    report = engine.ingest([docs])
    assert report.updated == 1
    fresh = Engine(settings)  # reads the IVF file back, direct map included
    assert isinstance(fresh.store.vectors(), faiss.IndexIVF) and fresh.check() == []
    assert fresh.ask("lighthouse keeper retired").passages[0].title == "Changed"
    assert fresh.store.counts()[1] == fresh.store.vectors().ntotal


def test_zero_means_always_exact(tmp_path, fake_settings):
    settings = replace(fake_settings, search=replace(fake_settings.search, exact_below=0))
    engine = Engine(settings)
    engine.ingest([make_corpus(tmp_path / "docs", n=30)])
    assert isinstance(engine.store.vectors(), faiss.IndexIDMap2)
