"""A light query-time encoder: the same model exported to ONNX, run by onnxruntime with its own tokenizer.

Importing torch and sentence-transformers costs seconds, which a one-shot ``quotebot ask`` would pay for
one short question. The export is made once from the loaded model (torch is already in memory then),
kept in the user's cache, and used only if it reproduces the model's vectors (cosine >= 0.999 on probe
texts); otherwise the full model answers, as before.

An export costs seconds, so it is tried once per process and model (a thread lock; threads that find it
taken go on without waiting), by one process at a time (a file lock; the file is written under a unique
name and renamed into place), and a model the check refuses is remembered in the cache with the reason,
so later processes don't pay for it again. Every refusal is logged with its reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from index.models.embedding import ProgressFn
from index.models.onnx import cpu_session

log = logging.getLogger(__name__)

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


REFUSED = "refused.json"
_BUSY = Path("<another process is exporting>")
_exporting = threading.Lock()
_tried: dict[tuple[Path, str, int], Path | None] = {}  # (cache, model, max tokens) -> this process's outcome


def export(model: Any, model_dir: str, max_tokens: int) -> Path | None:
    """The verified export of a loaded SentenceTransformer, made once per process and model; None when it
    can't be made faithfully, failed (logged), or another thread or process is making it right now."""
    key = (cache_dir(), model_dir, max_tokens)
    if key in _tried:
        return _tried[key]
    if not _exporting.acquire(blocking=False):
        return None  # another thread is at it: answering must not wait for an export
    try:
        if key not in _tried:
            outcome = _export_once(model, model_dir, max_tokens, cache_dir() / model_key(model_dir, max_tokens))
            if outcome is not _BUSY:  # another process's export: look again next time
                _tried[key] = outcome
        return _tried.get(key)
    finally:
        _exporting.release()


def _export_once(model: Any, model_dir: str, max_tokens: int, folder: Path) -> Path | None:
    """``folder`` when it holds a verified export (made now if need be), None when refused or failed,
    ``_BUSY`` when another process holds its lock."""
    if (folder / REFUSED).exists():
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder / "export.lock"), timeout=0):
            if load(model_dir, max_tokens) is not None:  # made before, or by another process meanwhile
                return folder
            for stale in folder.glob("*.tmp"):  # left by a killed export
                stale.unlink(missing_ok=True)
            reason = _export(model, model_dir, max_tokens, folder)
    except Timeout:
        return _BUSY
    except Exception as exc:  # noqa: BLE001 - torch's exporter raises anything; only speed is lost
        log.warning("quotebot: could not export %s for fast questions (%s: %s); the full model answers",
                    model_dir, type(exc).__name__, exc)
        return None
    if reason is None:
        return folder
    log.warning("quotebot: not exporting %s for fast questions: %s; the full model answers", model_dir, reason)
    _write_json(folder / REFUSED, {"reason": reason})
    return None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write whole or not at all: a unique temporary name, then an atomic rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _export(model: Any, model_dir: str, max_tokens: int, folder: Path) -> str | None:
    """Export and verify into ``folder`` (its lock held); None on success, else why it was refused."""
    import torch

    pooling = _pooling(model)
    tokenizer_file = Path(model_dir) / "tokenizer.json"
    if pooling is None:
        return "its modules are not Transformer -> Pooling (mean or cls) -> Normalize"
    if not tokenizer_file.exists():
        return "it has no tokenizer.json"
    transformer = model[0].auto_model

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = model.tokenizer(["a b", "c d e"], padding=True, return_tensors="pt")
    if "token_type_ids" not in sample:
        return "its tokenizer gives no token_type_ids"
    fd, name = tempfile.mkstemp(dir=folder, prefix="model.onnx.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
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
        return f"its ONNX vectors agree with the model's to cosine {agreement:.6f}, below {AGREEMENT}"
    meta["agreement"] = agreement
    _write_json(folder / "meta.json", meta)  # written last: its presence means "verified"
    return None


def load(model_dir: str, max_tokens: int) -> OnnxQueryEncoder | None:
    """The verified export for this model, or None (then the full model is used)."""
    folder = cache_dir() / model_key(model_dir, max_tokens)
    if not (folder / "meta.json").exists():
        return None
    try:
        return OnnxQueryEncoder(folder, json.loads((folder / "meta.json").read_text()))
    except Exception as exc:  # noqa: BLE001 - a damaged cache must never stop a question being answered
        log.warning("quotebot: ignoring the damaged fast-question cache %s (%s: %s); it is made again when "
                    "the full model is next loaded", folder, type(exc).__name__, exc)
        return None


class OnnxQueryEncoder:
    """Encodes questions exactly as the model does, without torch."""

    def __init__(self, folder: Path, meta: dict[str, Any]) -> None:
        import tokenizers

        self._session = cpu_session(folder / "model.onnx")
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
