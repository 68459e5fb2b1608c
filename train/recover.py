"""The torch weights of a shipped reader, read back out of its ONNX file.

Training continues from a checkpoint (``--resume``); the shipped model's own checkpoint stays on the machine
that trained it (it is 90 MB, over the repository's budget). Its ONNX file holds every weight, int8 with a
scale (and zero point) per output channel where quantised: dequantised, they give the checkpoint back to
within int8 rounding, close enough to continue training from (held-out figures of int8 and fp32 agree).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

# "/encoder/encoder/layer.0/attention/self/query/MatMul_output_0_output_quantized" -> the Linear's name
_MATMUL_OUT = re.compile(r"^/(?P<path>.+)/(?:MatMul|Gemm)_output_0(?:_MatMul)?_output_quantized$")


def _dequantised(q: np.ndarray, scale: np.ndarray, zero: np.ndarray) -> np.ndarray:
    q = q.astype(np.float32)
    if scale.ndim == 0:  # one scale for the whole tensor (the embeddings)
        return (q - zero.astype(np.float32)) * scale
    return (q - zero.astype(np.float32)[None, :]) * scale[None, :]  # per output column of [in, out]


def onnx_state(path: Path) -> dict[str, np.ndarray]:
    """The Reader's state dict (train.model.Reader names, torch layouts) from an exported ONNX file."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    state: dict[str, np.ndarray] = {}
    for name, value in inits.items():
        if not name.endswith(("_quantized", "_scale", "_zero_point")):
            state[name] = value.astype(np.float32)
        elif name.endswith("_quantized") and name.startswith("encoder.embeddings."):
            base = name[: -len("_quantized")]
            state[base] = _dequantised(value, inits[base + "_scale"], inits[base + "_zero_point"])
    for node in model.graph.node:
        if node.op_type not in ("MatMulInteger", "MatMul"):
            continue
        m = _MATMUL_OUT.match(node.output[0]) or _MATMUL_OUT.match(node.output[0] + "_quantized")
        weight = node.input[1]
        if m is None or not (weight in inits or weight.endswith("_quantized")):
            continue
        linear = m.group("path").replace("/", ".")
        if node.op_type == "MatMulInteger":
            base = weight[: -len("_quantized")]
            matrix = _dequantised(inits[weight], inits[base + "_scale"], inits[base + "_zero_point"])
        else:
            matrix = inits[weight].astype(np.float32)
        state[linear + ".weight"] = matrix.T.copy()  # ONNX keeps [in, out]; torch's Linear is [out, in]
    return state


def load_into(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Fill a train.model.Reader with the weights of the ONNX reader at ``path``; every parameter must be found."""
    import torch

    state = {k: torch.from_numpy(v) for k, v in onnx_state(path).items()}
    wanted = dict(model.state_dict())
    missing = [k for k in wanted if k not in state and not k.endswith("position_ids")]
    if missing:
        raise ValueError(f"{path}: no weights for {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else ""))
    model.load_state_dict({k: state.get(k, v) for k, v in wanted.items()}, strict=True)
