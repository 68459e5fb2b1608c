"""train.pack: weights shrunk for a GPU machine's capped transfers come back close, a change from a base closer."""

from __future__ import annotations

import numpy as np
import pytest

from train import pack as packing
from train.pack import pack, read_pieces, unpack, write_pieces


def _state(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"encoder.embeddings.word_embeddings.weight": rng.normal(0, 0.05, (50, 16)).astype(np.float32),
            "encoder.layer.0.weight": rng.normal(0, 0.1, (16, 16)).astype(np.float32),
            "encoder.embeddings.position_ids": np.arange(8, dtype=np.int64)[None]}


def test_round_trip_is_close_and_keeps_integers_exact():
    state = _state(np.random.default_rng(0))
    back = unpack(pack(state))
    assert set(back) == set(state)
    assert np.array_equal(back["encoder.embeddings.position_ids"], state["encoder.embeddings.position_ids"])
    for name in ("encoder.embeddings.word_embeddings.weight", "encoder.layer.0.weight"):
        assert back[name].dtype == np.float32
        assert np.abs(back[name] - state[name]).max() < 0.002


def test_a_change_from_the_base_comes_back_far_closer_than_the_matrix_alone():
    rng = np.random.default_rng(1)
    base = _state(rng)["encoder.embeddings.word_embeddings.weight"]
    tuned = {"encoder.embeddings.word_embeddings.weight": base + rng.normal(0, 1e-4, base.shape).astype(np.float32)}
    name = "encoder.embeddings.word_embeddings.weight"
    plain = np.abs(unpack(pack(tuned))[name] - tuned[name]).max()
    delta = np.abs(unpack(pack(tuned, base), base)[name] - tuned[name]).max()
    assert delta < plain / 50


def test_a_delta_without_its_base_is_refused():
    state = _state(np.random.default_rng(2))
    data = pack(state, state["encoder.embeddings.word_embeddings.weight"])
    with pytest.raises(ValueError, match="change from a base"):
        unpack(data)


def test_pieces_rejoin_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(packing, "PIECE_BYTES", 7)
    data = bytes(range(256)) * 3
    paths = write_pieces(data, tmp_path, "w")
    assert len(paths) == -(-len(data) // 7) and all(p.stat().st_size <= 7 for p in paths)
    assert read_pieces(tmp_path, "w") == data
    with pytest.raises(FileNotFoundError):
        read_pieces(tmp_path, "missing")

