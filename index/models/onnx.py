"""One way to open a shipped ONNX model: onnxruntime on the CPU, its log quiet (no torch at run time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def cpu_session(model: Path, threads: int = 0) -> Any:
    """An ``onnxruntime.InferenceSession`` over ``model``; ``threads`` 0 lets onnxruntime choose."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
