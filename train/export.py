"""Export a trained reader to ONNX for the query path, int8-quantised when its held-out quality holds.

The shipped folder holds ``model.onnx``, the tokenizer (``tokenizer.json``) and ``meta.json`` (how it was
trained, its held-out figures in fp32 and int8, which one shipped). The query path (index/models/reader.py) loads
it with onnxruntime and tokenizers only.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from train.data import Example

# int8 (per-channel weights: 23 MB, about 1.6x the fp32 speed on 2 cores) ships when held-out top-1 and the
# exact-answer rate fall by no more than this; fp32 (91 MB) is over the repository's 50 MB budget.
INT8_TOP1_TOLERANCE = 0.03


def export(trained: Path, out: Path, heldout: Sequence[Example], base_model: str) -> dict[str, object]:
    """Write out/model.onnx (+ tokenizer.json, meta.json) from trained/reader.pt; returns meta."""
    import torch
    from transformers import AutoConfig, AutoModel

    from train.model import Reader

    recipe = json.loads((trained / "recipe.json").read_text())
    config = AutoConfig.from_pretrained(trained / "encoder")
    encoder = AutoModel.from_config(config)
    model = Reader(encoder, config.hidden_size)
    model.load_state_dict(torch.load(trained / "reader.pt", map_location="cpu"))
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model-fp32.onnx.tmp"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = {n: torch.ones((2, 8), dtype=torch.long) for n in names}
    sample["token_type_ids"][:, 4:] = 1
    dynamic = {n: {0: "pairs", 1: "tokens"} for n in names} | {
        "relevance": {0: "pairs"}, "start": {0: "pairs", 1: "tokens"}, "end": {0: "pairs", 1: "tokens"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shapes; the held-out check below is the real test
        torch.onnx.export(model, tuple(sample[n] for n in names), str(fp32), input_names=names,
                          output_names=["relevance", "start", "end"], dynamic_axes=dynamic, opset_version=17,
                          dynamo=False)
    tokenizer_file = Path(base_model) / "tokenizer.json"
    shutil.copyfile(tokenizer_file, out / "tokenizer.json")
    max_tokens = int(recipe["recipe"]["max_tokens"])
    base_meta = {"max_tokens": max_tokens, "recipe": recipe["recipe"], "heldout_torch": recipe["heldout"]}
    (out / "meta.json").write_text(json.dumps(base_meta))
    int8 = out / "model-int8.onnx.tmp"
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    figures = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        os.replace(path, out / "model.onnx")
        figures[name] = heldout_figures(out, heldout)
        os.replace(out / "model.onnx", path)
    f32, i8 = figures["fp32"], figures["int8"]
    use_int8 = i8["top1"] >= f32["top1"] - INT8_TOP1_TOLERANCE and i8["exact"] >= f32["exact"] - INT8_TOP1_TOLERANCE
    chosen = int8 if use_int8 else fp32
    os.replace(chosen, out / "model.onnx")
    (int8 if chosen is fp32 else fp32).unlink()
    meta = base_meta | {"heldout_onnx": figures, "weights": "int8" if use_int8 else "fp32",
                        "bytes": (out / "model.onnx").stat().st_size}
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta


def heldout_figures(folder: Path, heldout: Sequence[Example]) -> dict[str, float]:
    """Held-out rank loss, top-1 and exact answer of the ONNX model in ``folder``, as the query path reads
    it: the best answer pooled over each question's passages (``index.ranking.answers``)."""
    from index.models.reader import Reader
    from index.ranking.answers import answer_key, pooled, shared

    reader = Reader(folder)
    loss = top1 = exact = 0.0
    for ex in heldout:
        readings = reader.read(ex.question, ex.passages)
        scores = np.array([r.relevance for r in readings])
        shifted = scores - scores.max()
        loss += float(np.log(np.exp(shifted).sum()) - shifted[0])
        top1 += float(scores.argmax() == 0)
        found = pooled(list(zip(ex.passages, shared(readings))))
        exact += float(bool(found) and found[0].key == answer_key(ex.answer_text))
    n = max(len(heldout), 1)
    return {"rank_loss": round(loss / n, 4), "top1": round(top1 / n, 4), "exact": round(exact / n, 4),
            "questions": len(heldout)}
