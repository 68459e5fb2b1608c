"""FAISS index types: exact inner product while small, IVF (approximate) past a configured size.

IVF rather than HNSW because FAISS's IVF supports ``remove_ids`` and ``reconstruct`` by id (with a
hashtable direct map), which replacing a changed article and scoring keyword-only candidates need;
FAISS's HNSW supports neither.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np

# Measured in bench/scale.py: with nlist = 4·sqrt(n), probing nlist/16 lists keeps recall@10 >= 0.95.
PROBE_FRACTION = 1 / 16

_searching = threading.local()


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``index.ranking.search`` with one OpenMP thread for the calling thread.

    On 2 cores a single-question search over 100k vectors took 116 ms with FAISS's default threads
    (barrier contention) and 15.5 ms with one (bench/scale.py). OpenMP keeps that setting per calling
    thread (the nthreads-var ICV), so it is made once in each thread that searches: a setting made
    elsewhere (an object's constructor, the process's main thread) never reaches the bot's worker
    threads, and this one reaches no other thread.
    """
    if not getattr(_searching, "single", False):
        faiss.omp_set_num_threads(1)
        _searching.single = True
    return index.search(queries, k)


def new_exact(dim: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def is_approximate(index: faiss.Index) -> bool:
    return isinstance(index, faiss.IndexIVF)


def prepare(index: faiss.Index) -> faiss.Index:
    """Set query-time parameters that FAISS does not store in the file."""
    if is_approximate(index):
        index.nprobe = max(1, math.ceil(index.nlist * PROBE_FRACTION))
    return index


def ids_of(index: faiss.Index) -> np.ndarray:
    """Every stored id, whatever the index type."""
    if isinstance(index, faiss.IndexIDMap2):
        return faiss.vector_to_array(index.id_map)
    invlists = index.invlists
    parts = [faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
             for i in range(index.nlist) if invlists.list_size(i)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def all_vectors(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    ids = ids_of(index)
    if isinstance(index, faiss.IndexIDMap2):
        # The flat storage is in insertion order, the same order as id_map.
        return ids, faiss.downcast_index(index.index).reconstruct_n(0, index.ntotal)
    return ids, np.vstack([index.reconstruct(int(i)) for i in ids]) if len(ids) else np.zeros((0, index.d), np.float32)


def to_approximate(index: faiss.Index, seed: int = 0) -> faiss.Index:
    """An IVF index holding the same vectors and ids, trained on (a sample of) them."""
    ids, vectors = all_vectors(index)
    n, dim = vectors.shape
    nlist = int(min(65536, max(16, 4 * math.sqrt(n))))
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(n, size=min(n, nlist * 40), replace=False)]
    # k-means does use every core. A new thread starts from OpenMP's process default (all of them),
    # whatever the calling thread set for its searches, and no thread's setting is changed.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(ivf.train, np.ascontiguousarray(sample)).result()
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    ivf.add_with_ids(np.ascontiguousarray(vectors), ids.astype(np.int64))
    return prepare(ivf)


def maybe_upgrade(index: faiss.Index, exact_below: int) -> faiss.Index:
    """Switch an exact index to IVF once it holds ``exact_below`` vectors or more (0 = never)."""
    if exact_below and not is_approximate(index) and index.ntotal >= exact_below:
        return to_approximate(index)
    return index
