"""Mine the attribution cue lexicon from PolNeAR's train split: writes index/attribution/mined.py (run by hand).

  python bench/mine_cues.py              # mine on all of train, write index/attribution/mined.py
  python bench/mine_cues.py --check      # mine on one half of train's articles, score on the other (both ways)

Train only: dev is for checking (bench/attribution.py), never read here. Two steps:

1. Candidates: every lower-case word form met inside an annotated cue at least ``MIN_CUES`` times and annotated
   as (part of) a cue in at least ``MIN_RATE`` of its uses (a word outside quotations); with a particle ("referring
   to", "called for") when the pair is annotated together as often. Function words and adverbs are left out:
   the rules want the cue's verb.
2. End to end, one form at a time: the rules run again over the train articles that hold the form, with the
   candidate added (or the hand-written form left out), against the hand-written lexicon; the change is kept when
   it gains more than ``MIN_GAIN``: full matches (content, source exact, cue) plus sentences given their right
   source, less ``COST`` per prediction added (see ``gain``). A hand-written form is dropped only when no
   sentence loses its right source by it.

The output is small and reviewable: the forms added (with their particles) and the forms dropped, each with its
counts on train as a comment.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.attribution import attributions  # noqa: E402
from index.attribution import lexicon as lx  # noqa: E402
from index.attribution import mined  # noqa: E402
from index.attribution.phrases import PREPOSITIONS  # noqa: E402
from index.attribution.tokens import paragraphs, quote_regions, tokenize  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attribution import SHARED, polnear  # noqa: E402

OUT = ROOT / "index" / "attribution" / "mined.py"
MIN_CUES, MIN_RATE = 4, 0.3
COST, MIN_GAIN = 0.5, 1.0
PARTICLES = frozenset("to for about on at of out up with against after into off".split())
# Not a cue's verb: adverbs, pronouns, function words and the nouns the rules would read as verbs.
_SKIP = lx.AUXILIARY | lx.BOUNDARY | lx.DETERMINERS | lx.PRONOUN_SOURCES | PREPOSITIONS | PARTICLES | frozenset(
    "according am being got get gets let lets made make makes going go goes went".split())


def _scorer() -> Any:
    spec = importlib.util.spec_from_file_location("polnear_score", SHARED / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def candidates(articles: list[dict[str, Any]]) -> dict[str, tuple[frozenset[str], int, int]]:
    """form → (particles, times in a cue, uses) for the forms annotated as cues often enough."""
    uses: Counter[str] = Counter()
    cued: Counter[str] = Counter()
    pair_uses: Counter[tuple[str, str]] = Counter()
    pair_cued: Counter[tuple[str, str]] = Counter()
    for art in articles:
        text = art["text"]
        mark = bytearray(len(text))
        for a in art["attributions"]:
            for s, e in a["cue"]:
                mark[s:e] = b"\x01" * (e - s)
        for p_start, p_end in paragraphs(text):
            toks = tokenize(text, p_start, p_end, quote_regions(text, p_start, p_end))
            for i, t in enumerate(toks):
                if t.quoted or not t.alpha or not t.word[:1].islower():
                    continue
                uses[t.low] += 1
                cued[t.low] += mark[t.start]
                if i + 1 < len(toks) and toks[i + 1].low in PARTICLES:
                    pair = (t.low, toks[i + 1].low)
                    pair_uses[pair] += 1
                    pair_cued[pair] += mark[t.start] & mark[toks[i + 1].start]
    out: dict[str, tuple[frozenset[str], int, int]] = {}
    for form, n in cued.items():
        if form in _SKIP or form.endswith("ly") or not form.isalpha() or form in lx.HAND_CUES:
            continue
        if n >= MIN_CUES and n >= MIN_RATE * uses[form]:
            out[form] = (frozenset([""]), n, uses[form])
    for (form, particle), n in pair_cued.items():
        if form in _SKIP or form.endswith("ly") or not form.isalpha() or "" in lx.HAND_CUES.get(form, ()):
            continue  # "said about": the bare verb is the cue already
        if n >= MIN_CUES and n >= MIN_RATE * pair_uses[form, particle]:
            old, c, u = out.get(form, (frozenset(), n, pair_uses[form, particle]))
            out[form] = (old | {particle}, c, u)
    return out


Counts = tuple[float, float, float, float]  # predicted, matched, full (source exact, cue overlapping), sentence source


def counts(art: dict[str, Any], score: Any) -> Counts:
    """The scorer's counts on one article with the current ``lexicon.CUES``."""
    run = [{"id": art["id"], "attributions": [a.to_dict() for a in attributions(art["text"])]}]
    m = score.score([art], run)
    return (m["pred_attributions"], m["matched"], m["full_recall"] * m["gold_attributions"],
            m["sentence_source_exact"] * m["sentences_gold_attributed"])


def _forms_in(art: dict[str, Any]) -> set[str]:
    text = art["text"]
    return {t.low for s, e in paragraphs(text) for t in tokenize(text, s, e, quote_regions(text, s, e))
            if not t.quoted and t.alpha}


def gain(delta: Counts) -> float:
    """What a change is worth: full matches and sentences with the right source gained, less ``COST`` for each
    prediction added (a change that adds predictions must bring that many right ones)."""
    pred, _, full, sent = delta
    return full + sent - COST * pred


def mine(articles: list[dict[str, Any]], score: Any) -> tuple[dict[str, tuple[frozenset[str], str]], dict[str, str]]:
    """(form → (particles, comment) added, form → comment dropped), learnt from ``articles``: each candidate
    added alone, each hand-written form dropped alone, rerun over the articles that hold it, kept when it gains."""
    cands = candidates(articles)
    lx.set_cues({}, frozenset())
    base = [counts(art, score) for art in articles]
    holding: dict[str, list[int]] = {}
    for n, art in enumerate(articles):
        for form in _forms_in(art):
            holding.setdefault(form, []).append(n)

    def delta(add: dict[str, frozenset[str]], drop: frozenset[str], form: str) -> Counts:
        lx.set_cues(add, drop)
        total = [0.0, 0.0, 0.0, 0.0]
        for n in holding.get(form, []):
            now = counts(articles[n], score)
            for k in range(4):
                total[k] += now[k] - base[n][k]
        return (total[0], total[1], total[2], total[3])

    added, dropped = {}, {}
    try:
        for form, (particles, n, uses) in sorted(cands.items()):
            d = delta({form: particles}, frozenset(), form)
            if gain(d) > MIN_GAIN:
                added[form] = (particles, f"cue {n}/{uses}; " + _show(d))
        for form in sorted(lx.HAND_CUES):
            d = delta({}, frozenset([form]), form)
            if gain(d) > MIN_GAIN and d[3] >= 0:  # no sentence loses its right source
                dropped[form] = _show(d)
    finally:
        lx.set_cues({}, frozenset())
    return added, dropped


def _show(d: Counts) -> str:
    return f"predicted {d[0]:+.0f}, matched {d[1]:+.0f}, full {d[2]:+.0f}, sentence source {d[3]:+.0f}"


def write(added: dict[str, tuple[frozenset[str], str]], dropped: dict[str, str], n_articles: int) -> None:
    lines = [
        f'"""Cue forms mined from PolNeAR train ({n_articles} articles) by bench/mine_cues.py: generated, do not edit.',
        "",
        f"ADDED: word forms annotated as (part of) a cue in at least {MIN_RATE:.0%} of their uses and {MIN_CUES}+ "
        "times, each with",
        "the particles that belong to its cue (\"\" when the bare verb is one), kept because adding it alone gained",
        f"on train (full matches + sentences with the right source - {COST} x predictions added > {MIN_GAIN}).",
        "DROPPED: hand-written forms that gained so when left out, no sentence losing its right source.",
        "The comment after each: its changes on train.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "ADDED: dict[str, frozenset[str]] = {",
    ]
    for form, (particles, comment) in added.items():
        lines.append(f"    {form!r}: frozenset({sorted(particles)!r}),  # {comment}")
    lines += ["}", "DROPPED: frozenset[str] = frozenset({"]
    for form, comment in dropped.items():
        lines.append(f"    {form!r},  # {comment}")
    lines.append("})")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")





def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="mine on half of train, score on the other half")
    args = ap.parse_args()
    _, articles = polnear("train")
    score = _scorer()
    if not args.check:
        added, dropped = mine(articles, score)
        write(added, dropped, len(articles))
        print(f"{OUT.relative_to(ROOT)}: {len(added)} forms added, {len(dropped)} dropped")
        return 0
    halves = ([], [])  # type: tuple[list[dict[str, Any]], list[dict[str, Any]]]
    for art in articles:
        halves[zlib.crc32(art["id"].encode()) % 2].append(art)
    keys = ["detection_precision", "detection_recall", "full_f1", "sentence_source_exact", "sentence_recall"]
    print("| mined on | scored on | lexicon | " + " | ".join(keys) + " |")
    print("|---|---|---|" + "---|" * len(keys))
    for a, b in ((0, 1), (1, 0)):
        added, dropped = mine(halves[a], score)
        adds = {f: p for f, (p, _) in added.items()}
        for name, (add, drop) in (("hand-written", ({}, frozenset())),
                                  (f"+{len(added)} mined", (adds, frozenset())),
                                  (f"-{len(dropped)} mined", ({}, frozenset(dropped))),
                                  (f"+{len(added)} -{len(dropped)} mined", (adds, frozenset(dropped)))):
            lx.set_cues(add, drop)
            run = [{"id": art["id"], "attributions": [x.to_dict() for x in attributions(art["text"])]}
                   for art in halves[b]]
            m = score.score(halves[b], run)
            print(f"| half {a} | half {b} | {name} | " + " | ".join(f"{m[k]:.3f}" for k in keys) + " |")
    lx.set_cues(mined.ADDED, mined.DROPPED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
