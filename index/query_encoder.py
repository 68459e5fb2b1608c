"""A light query-time encoder: the same model exported to ONNX, run by onnxruntime with its own tokenizer.

Importing torch and sentence-transformers costs seconds, which a one-shot ``quotebot ask`` would pay for
one short question. The export is made once from the loaded model (torch is already in memory then),
kept in the user's cache, and used only if it reproduces the model's vectors (cosine >= 0.999 on probe
texts); otherwise the full model answers, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import ProgressFn

AGREEMENT = 0.999
PROBES = (
    "who supported the offensive?",
    "The ministry said the missiles were launched at targets in accordance with intelligence data.",
    "Ünïcödé, numbers 1,234.5 and a very long sentence " + "that keeps going " * 60,
)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "quotebot" / "onnx"


def model_key(model_dir: str, max_tokens: int) -> str:
    """Identity of a model folder's weights and tokenizer: a changed model never reuses an old export."""
    h = hashlib.sha256(f"{Path(model_dir).resolve()}|{max_tokens}".encode())
    for p in sorted(Path(model_dir).rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:24]


def _pooling(model: Any) -> str | None:
    """'mean' or 'cls' when the model is Transformer -> Pooling (-> Normalize); None otherwise."""
    modules = list(model)
    names = [type(m).__name__ for m in modules]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    mode = getattr(modules[1], "pooling_mode", None)
    if isinstance(mode, str):
        return mode if mode in ("mean", "cls") else None
    config = modules[1].get_config_dict() if hasattr(modules[1], "get_config_dict") else {}
    if config.get("pooling_mode_mean_tokens"):
        return "mean"
    if config.get("pooling_mode_cls_token"):
        return "cls"
    return None


def export(model: Any, model_dir: str, max_tokens: int) -> Path | None:
    """Export a loaded SentenceTransformer's transformer to the cache; None when it can't be done faithfully."""
    import torch

    pooling = _pooling(model)
    tokenizer_file = Path(model_dir) / "tokenizer.json"
    if pooling is None or not tokenizer_file.exists():
        return None
    folder = cache_dir() / model_key(model_dir, max_tokens)
    if (folder / "meta.json").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    transformer = model[0].auto_model

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = model.tokenizer(["a b", "c d e"], padding=True, return_tensors="pt")
    if "token_type_ids" not in sample:
        return None
    tmp = folder / "model.onnx.tmp"
    dynamic = {name: {0: "b", 1: "s"} for name in ("input_ids", "attention_mask", "token_type_ids", "hidden")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shapes: the agreement check below is the real test
        torch.onnx.export(Wrapped().eval(), (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                          str(tmp), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["hidden"], dynamic_axes=dynamic, opset_version=17, dynamo=False)
    os.replace(tmp, folder / "model.onnx")
    meta = {"pooling": pooling, "max_tokens": max_tokens, "tokenizer": str(tokenizer_file),
            "dim": int(model.get_embedding_dimension())}
    encoder = OnnxQueryEncoder(folder, meta)
    reference = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True)
    agreement = float(np.min(np.sum(encoder.encode(PROBES) * reference, axis=1)))
    if agreement < AGREEMENT:
        (folder / "model.onnx").unlink()
        return None
    meta["agreement"] = agreement
    (folder / "meta.json.tmp").write_text(json.dumps(meta))
    os.replace(folder / "meta.json.tmp", folder / "meta.json")  # written last: its presence means "verified"
    return folder


def load(model_dir: str, max_tokens: int) -> OnnxQueryEncoder | None:
    """The verified export for this model, or None (then the full model is used)."""
    folder = cache_dir() / model_key(model_dir, max_tokens)
    try:
        meta = json.loads((folder / "meta.json").read_text())
        return OnnxQueryEncoder(folder, meta)
    except Exception:  # noqa: BLE001 - a missing or damaged cache must never stop a question being answered
        return None


class OnnxQueryEncoder:
    """Encodes questions exactly as the model does, without torch."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        import onnxruntime
        import tokenizers

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizers.Tokenizer.from_file(meta["tokenizer"])
        self._tokenizer.enable_truncation(int(meta["max_tokens"]))  # the model's max_seq_length, not the file's
        self._tokenizer.enable_padding()
        self.pooling = meta["pooling"]
        self.dim = int(meta["dim"])
        self.max_tokens = int(meta["max_tokens"])

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        if self.pooling == "cls":
            vecs = hidden[:, 0]
        else:
            vecs = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return vecs.astype(np.float32)
