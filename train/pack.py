"""Weights small enough to travel to and from a GPU machine whose transfers are capped (64 MiB in all).

The word-embedding matrix (half of MiniLM's weights) goes as int8 with one scale per row, and, for a
fine-tuned model, as its change from the base the other side already holds, which int8 keeps almost
exactly; everything else goes as fp16. Then gzip, and pieces of at most ``PIECE_BYTES``.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from pathlib import Path

import numpy as np

EMBEDDINGS = "word_embeddings.weight"
PIECE_BYTES = 16_000_000  # under the 16 MiB a returned file may hold


def pack(state: Mapping[str, np.ndarray], reference: np.ndarray | None = None) -> bytes:
    """Gzipped safetensors of ``state``; the embedding matrix as int8 rows (minus ``reference`` when given)."""
    from safetensors.numpy import save

    out: dict[str, np.ndarray] = {}
    for name, w in state.items():
        if name.endswith(EMBEDDINGS):
            delta = w.astype(np.float32) - (reference if reference is not None else 0.0)
            scale = np.abs(delta).max(axis=1, keepdims=True) / 127.0
            scale[scale == 0] = 1.0
            out[name + ":int8"] = np.round(delta / scale).astype(np.int8)
            out[name + ":scale"] = scale.astype(np.float32)
        elif np.issubdtype(w.dtype, np.floating):
            out[name] = w.astype(np.float16)
        else:
            out[name] = w
    metadata = {"delta": "1" if reference is not None else "0"}
    return gzip.compress(save(out, metadata=metadata), compresslevel=6)


def unpack(data: bytes, reference: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The fp32 state ``pack`` wrote; ``reference`` must be the matrix it was packed against, if any."""
    import json

    from safetensors.numpy import load

    raw = gzip.decompress(data)
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    delta = header.get("__metadata__", {}).get("delta") == "1"
    if delta and reference is None:
        raise ValueError("these weights were packed as a change from a base: pass its embedding matrix")
    tensors = load(raw)
    state: dict[str, np.ndarray] = {}
    for name, w in tensors.items():
        if name.endswith(":scale"):
            continue
        if name.endswith(":int8"):
            key = name[: -len(":int8")]
            state[key] = w.astype(np.float32) * tensors[key + ":scale"] + (reference if delta else 0.0)
        elif np.issubdtype(w.dtype, np.floating):
            state[name] = w.astype(np.float32)
        else:
            state[name] = w
    return state


def embeddings(state: Mapping[str, np.ndarray]) -> np.ndarray:
    """The one word-embedding matrix in ``state``."""
    (name,) = [n for n in state if n.endswith(EMBEDDINGS)]
    return state[name]


def write_pieces(data: bytes, folder: Path, stem: str) -> list[Path]:
    """``data`` as folder/stem.0, stem.1, ... of at most PIECE_BYTES each."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, lo in enumerate(range(0, len(data), PIECE_BYTES)):
        path = folder / f"{stem}.{i}"
        path.write_bytes(data[lo:lo + PIECE_BYTES])
        paths.append(path)
    return paths


def read_pieces(folder: Path, stem: str) -> bytes:
    """The bytes ``write_pieces`` split, joined in order."""
    paths = sorted(folder.glob(f"{stem}.[0-9]*"), key=lambda p: int(p.suffix[1:]))
    if not paths:
        raise FileNotFoundError(f"no {stem}.0 in {folder}")
    return b"".join(p.read_bytes() for p in paths)
