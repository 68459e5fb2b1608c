"""Retrieval metrics for a question set: what ``quotebot eval`` and ``bench/`` report.

The definitions are those of the shared eval scorer (``shared/eval/score.py``), so figures from either
tool compare directly:

- every passage is cut to ``max_chars`` characters first, so a system cannot win by quoting more;
- ``answer_recall@k``: a gold answer occurs, as whole words after SQuAD normalisation (lower case, no
  punctuation, no a/an/the, single spaces), in one of the top k passages; punctuation is tried both
  deleted and as a space, on both sides, so "Myhill" is found in "Myhill's";
- ``article_hit@k``: the gold article is among the top k passages;
- ``answer_in_highlight@k``: a gold answer lies inside the highlighted span of one of the top k
  passages (only reported when the run carries highlights);
- ``mrr@10``: mean reciprocal rank of the first passage holding a gold answer (0 past rank 10);
- ``found_rate``: share of questions answered with ``found`` true (a run without the key counts a
  question as found when it has passages).

Questions the run does not answer count as misses; run lines for unknown ids are counted and ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from index.text.answer_text import normalize

KS = (1, 3, 5, 10)
DEPTH = max(KS)


def usable_answers(answers: Iterable[str]) -> list[str]:
    """Gold answers that are not empty after normalisation (either way)."""
    return [a for a in answers if normalize(a) or normalize(a, " ")]


def holds_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether a gold answer occurs as whole words in ``text``, under either punctuation treatment."""
    for sep in ("", " "):
        padded = f" {normalize(text, sep)} "
        for answer in answers:
            gold = normalize(answer, sep)
            if gold and f" {gold} " in padded:
                return True
    return False


def token_f1(prediction: str, golds: Iterable[str]) -> float:
    """SQuAD's token F1 against the best-matching gold answer (an answer is "right" at 0.5 or more)."""
    best = 0.0
    for gold in golds:
        p, t = normalize(prediction, " ").split(), normalize(gold, " ").split()
        common = sum((Counter(p) & Counter(t)).values())
        if common:
            precision, recall = common / len(p), common / len(t)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def _first_rank(flags: Iterable[bool]) -> int:
    """1-based rank of the first true flag, 0 when there is none."""
    return next((rank for rank, flag in enumerate(flags, 1) if flag), 0)


def score(questions: Sequence[Mapping[str, Any]], run: Iterable[Mapping[str, Any]],
          max_chars: int = 1200) -> dict[str, Any]:
    """Metrics of ``run`` (answers as ``Answer.to_dict()`` gives them) against gold ``questions``.

    Args:
        questions: ``{"id", "question", "answers": [...], "article_id"}`` dicts.
        run: ``{"id", "found", "passages": [{"article_id", "text", "highlight": [s, e]}, ...]}``, best first.
        max_chars: every passage is cut to this many characters before scoring.
    Returns:
        A flat dict: counts, ``mean_passage_chars``, ``answer_recall@k``, ``article_hit@k``,
        ``answer_in_highlight@k`` (when the run has highlights), ``mrr@10`` and ``found_rate``.
    """
    by_id: dict[str, Mapping[str, Any]] = {}
    for given in run:
        by_id[str(given.get("id"))] = given
    wanted = {str(q["id"]) for q in questions}
    n = len(questions)
    first: list[int] = []
    first_hl: list[int] = []
    article: list[int] = []
    lengths: list[int] = []
    counts: list[int] = []
    missing = found = 0
    has_highlight = False
    for q in questions:
        answer = by_id.get(str(q["id"]))
        if answer is None:
            missing += 1
            answer = {}
        passages = list(answer.get("passages") or [])[:DEPTH]
        if answer.get("found", bool(passages)):
            found += 1
        counts.append(len(passages))
        golds = usable_answers(q.get("answers") or [])
        texts = [(p.get("text") or "") for p in passages]
        lengths.extend(min(len(t), max_chars) for t in texts)
        first.append(_first_rank(bool(golds) and holds_answer(t[:max_chars], golds) for t in texts))
        spans = []
        for p, full in zip(passages, texts):
            h = p.get("highlight")
            if not h:
                spans.append("")
                continue
            has_highlight = True
            lo, hi = max(0, int(h[0])), min(int(h[1]), max_chars)
            spans.append(full[lo:hi] if lo < hi else "")
        first_hl.append(_first_rank(bool(golds and s) and holds_answer(s, golds) for s in spans))
        article.append(_first_rank(p.get("article_id") == q.get("article_id") for p in passages))

    denom = max(n, 1)

    def within(ranks: list[int], k: int) -> float:
        return sum(1 for r in ranks if 0 < r <= k) / denom

    out: dict[str, Any] = {
        "questions": n,
        "missing_in_run": missing,
        "extra_in_run": len(set(by_id) - wanted),
        "max_chars": max_chars,
        "mean_passage_chars": sum(lengths) / len(lengths) if lengths else 0.0,
        "mean_passages_per_question": sum(counts) / len(counts) if counts else 0.0,
    }
    for k in KS:
        out[f"answer_recall@{k}"] = within(first, k)
    for k in KS:
        out[f"article_hit@{k}"] = within(article, k)
    if has_highlight:
        for k in KS:
            out[f"answer_in_highlight@{k}"] = within(first_hl, k)
    out["mrr@10"] = sum(1.0 / r for r in first if r) / denom
    out["found_rate"] = found / denom
    return out
