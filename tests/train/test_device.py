"""train.device: the packed legs of a GPU run give back the very checkpoint trained, exported and loadable."""

from __future__ import annotations

import pytest
import torch

from index.models.reader import Reader
from tests.conftest import FIXTURES
from train import pack as packing
from train.device import finish, pack_base, train
from train.fit import Recipe


@pytest.mark.model
def test_the_device_legs_give_back_the_checkpoint_that_was_trained(tmp_path):
    data = FIXTURES / "train"
    pack_base(tmp_path / "packed")
    assert all(p.stat().st_size <= packing.PIECE_BYTES for p in (tmp_path / "packed").glob("weights.*"))
    train(tmp_path / "packed", data, tmp_path / "results", base=tmp_path / "base", recipe=Recipe(steps=1))
    meta = finish(tmp_path / "packed", data, tmp_path / "results", tmp_path / "work", tmp_path / "reader")
    trained = torch.load(tmp_path / "reader-work" / "reader.pt")
    restored = torch.load(tmp_path / "work" / "reader.pt")
    assert set(trained) == set(restored)
    assert max(float((trained[k].float() - restored[k]).abs().max()) for k in trained) < 2e-3
    assert meta["recipe"]["steps"] == 1
    (r,) = Reader(tmp_path / "reader").read("Who first lit the Gull Point lamp?",
                                            ["Its lamp was first lit by keeper Anna Reyes."])
    assert r.span is None or 0 <= r.span[0] < r.span[1] <= 44
