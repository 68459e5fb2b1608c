import threading
from dataclasses import replace

import faiss
import numpy as np

from index.storage import vectors
from index.engine import Engine
from index.storage.local_store import LocalStore as Store
from tests.helpers import make_corpus


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


def _threads_in_a_new_thread() -> int:
    seen: list[int] = []
    worker = threading.Thread(target=lambda: seen.append(faiss.omp_get_max_threads()))
    worker.start()
    worker.join()
    return seen[0]


def test_opening_a_store_or_training_ivf_sets_no_thread_count(tmp_path, fake_engine, monkeypatch):
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=3)])
    calls: list[int] = []
    monkeypatch.setattr(faiss, "omp_set_num_threads", calls.append)
    Store(fake_engine.folder)
    exact = vectors.new_exact(16)
    exact.add_with_ids(clustered(2_000, 16), np.arange(2_000, dtype=np.int64))
    vectors.to_approximate(exact)
    assert calls == []


def test_a_search_runs_single_threaded_in_whichever_thread_asks_and_only_there(tmp_path, fake_engine):
    """OpenMP's thread count is per calling thread: the bot's worker threads must get the setting too."""
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=3)])
    default = _threads_in_a_new_thread()
    seen: list[int] = []

    def ask() -> None:
        fake_engine.ask("which report mentions the harbour?")
        seen.append(faiss.omp_get_max_threads())

    worker = threading.Thread(target=ask)
    worker.start()
    worker.join()
    assert seen == [1]
    assert _threads_in_a_new_thread() == default  # nobody else's setting changed


def test_ivf_training_uses_the_default_threads_even_from_a_searching_thread(monkeypatch):
    vectors.search(vectors.new_exact(8), np.zeros((1, 8), np.float32), 1)  # this thread: one OpenMP thread
    seen: list[int] = []
    real_train = faiss.IndexIVFFlat.train

    def train(self, x):  # type: ignore[no-untyped-def]
        seen.append(faiss.omp_get_max_threads())
        return real_train(self, x)

    monkeypatch.setattr(faiss.IndexIVFFlat, "train", train)
    exact = vectors.new_exact(16)
    exact.add_with_ids(clustered(2_000, 16), np.arange(2_000, dtype=np.int64))
    vectors.to_approximate(exact)
    assert faiss.omp_get_max_threads() == 1 and seen == [_threads_in_a_new_thread()]
