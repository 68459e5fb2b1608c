"""The models an index is used with, loaded on first use and once: one object that several engines can share
(the Discord bot's guilds), so that one copy of each model is in memory however many indexes use it.

Loading costs seconds (torch, ONNX sessions), which commands like ``info`` or ``stats`` must not pay: nothing is
loaded until it is asked for.
"""

from __future__ import annotations

import threading

from index.config import ModelSettings
from index.errors import ModelError
from index.models.embedding import Embedder, QueryEncoder, load_embedder, load_query_encoder
from index.models.reader import SHIPPED, Reader


class Models:
    """The embedder (``[model]``), what encodes questions, and the reader (unless ``[reader] enabled = false``).

    Safe from any thread: each model is loaded by the first thread that needs it, the others wait for it.
    """

    def __init__(self, settings: ModelSettings, reader_enabled: bool) -> None:
        self.settings = settings
        self.reader_enabled = reader_enabled
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self._export: QueryEncoder | None = None  # the cached ONNX export, when one was found
        self._looked_for_export = False  # looked once: a missing export is not looked for on every question
        self._reader: Reader | None = None

    @property
    def embedder(self) -> Embedder:
        """The full model (sentence-transformers, torch): indexing needs it, and questions once it is loaded."""
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.settings)
            return self._embedder

    @property
    def embedder_loaded(self) -> bool:
        """Whether the full model is in memory (then it also encodes the questions)."""
        return self._embedder is not None

    @property
    def query_encoder(self) -> QueryEncoder:
        """What encodes questions: the full model if it is loaded, else its cached ONNX export (no torch: a
        one-shot question is seconds faster), else the full model, loaded now."""
        with self._lock:
            if self._embedder is None:
                if not self._looked_for_export:
                    self._export = load_query_encoder(self.settings)
                    self._looked_for_export = True
                if self._export is not None:
                    return self._export
        return self.embedder

    def export_query_encoder(self) -> None:
        """Once the full model is loaded, cache its ONNX export for later processes; does nothing otherwise
        (index.models.query_encoder makes it once per process and model, and logs why when it won't)."""
        export = getattr(self._embedder, "export_query_encoder", None)
        if export is not None:
            export()

    @property
    def reader(self) -> Reader | None:
        """The shipped re-ranker and answer reader (onnxruntime, no torch), or None when disabled."""
        if not self.reader_enabled:
            return None
        with self._lock:
            if self._reader is None:
                try:
                    self._reader = Reader()
                except (OSError, ValueError, RuntimeError) as exc:
                    raise ModelError(f"cannot load the re-ranker from {SHIPPED} ({exc}); reinstall quotebot, "
                                     "or set [reader] enabled = false") from None
            return self._reader

    def warm_up(self) -> None:
        """Load the models now, and run each once, rather than on the first question."""
        self.embedder.encode(["warm up"])
        reader = self.reader
        if reader is not None:
            reader.read("warm up", ["warm up"])
