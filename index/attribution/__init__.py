"""Attribution of reported speech: who says so (source), how (cue) and what (content), as spans of the text.

Pure functions over a string: ``attributions(text)`` lists every attribution of an article with character
offsets into it, verbatim. Two readers: rules over words (no parser, no model; ``rules.py``), and a token
tagger (``tagger.py``: MiniLM fine-tuned on PolNeAR train, int8 ONNX, about 20 ms per 700 characters on one
core). By default (``deeds=True``) the two are combined: the tagger finds the attributions, and one it
gives no source takes the source of the rules' attribution its content overlaps. ``deeds=False`` (quotes on
the ask path, where time counts) is the rules alone.

A pronoun source keeps the pronoun's offsets and names the person it stands for in ``resolved``; nested
reporting ("SANA quoted the ministry as saying …") gives the speaker as ``source`` and the outlet as ``via``.
The rules were written and the tagger trained on PolNeAR's train split; both are measured on its dev split by
``bench/attribution.py``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from index.attribution.pronouns import person_names, resolve
from index.attribution.rules import Found, Span, sentence_attributions
from index.attribution.tokens import Token, paragraphs, quote_regions, tokenize
from index.text.sentences import split_sentences

if TYPE_CHECKING:
    from index.attribution.tagger import Tagger

__all__ = ["Attribution", "Span", "attributions", "attributions_many"]


@dataclass(frozen=True)
class Attribution:
    """One attribution; spans are ``(start, end)`` offsets into the article text.

    ``content`` has several pieces when a quotation runs over sentences; ``resolved`` is the name a pronoun
    source stands for, ``via`` the outlet that relays the source; each may be None.
    """

    source: Span | None
    cue: Span
    content: tuple[Span, ...]
    via: Span | None = None
    resolved: Span | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scorer's shape (``{"source": [[s, e]], "cue": [[s, e]], "content": [[s, e], ...]}``) plus
        ``via`` and ``resolved`` when known."""
        out: dict[str, Any] = {
            "source": [list(self.source)] if self.source else [],
            "cue": [list(self.cue)],
            "content": [list(c) for c in self.content],
        }
        if self.via:
            out["via"] = [list(self.via)]
        if self.resolved:
            out["resolved"] = [list(self.resolved)]
        return out


def attributions_many(texts: list[str], deeds: bool = True, model: bool | None = None) -> list[list[Attribution]]:
    """``attributions`` of each text."""
    tagger = _tagger() if (deeds if model is None else model) else None
    if tagger is None:
        return [_article(text, deeds) for text in texts]
    return [_combined(text, tagger, deeds) for text in texts]


def attributions(text: str, deeds: bool = True, model: bool | None = None) -> list[Attribution]:
    """Every attribution found in ``text``, in order of their content.

    Args:
        deeds: also a cue-less sentence whose subject is a person or a group and whose verb is a deed ("Trump
            criticized the media"), as PolNeAR counts them; False keeps to cues (fewer, surer attributions).
        model: whether the tagger joins the rules (None: with ``deeds``; it is used only when its weights
            and onnxruntime are installed).
    """
    return attributions_many([text], deeds, model)[0]


_TAGGER: list[Tagger | None] = []
_LOCK = threading.Lock()


def _tagger() -> Tagger | None:
    """The shipped tagger, loaded once; None without its weights or onnxruntime."""
    with _LOCK:
        if not _TAGGER:
            try:
                from index.attribution.tagger import SHIPPED, Tagger

                _TAGGER.append(Tagger() if (SHIPPED / "model.onnx").exists() else None)
            except ImportError:
                _TAGGER.append(None)
    return _TAGGER[0]


def _combined(text: str, tagger: Tagger, deeds: bool) -> list[Attribution]:
    """The tagger's attributions; one the tagger gives no source takes the source (and outlet) of the rules'
    attribution its content overlaps most, when that has one (the combination that scored best on held-out
    train; adding the rules' attributions the tagger missed raised recall but lowered precision and full F1);
    where the rules read nested reporting ("SANA quoted the ministry as saying …"), theirs is kept."""
    rules = _article(text, deeds)
    names: list[tuple[int, int, str]] | None = None
    out: list[Attribution] = []
    for f in tagger.attributions(text):
        content = tuple(f.content)
        best = max(rules, key=lambda r: _covered(r.content, content), default=None)
        if best is not None and best.via is not None and _covered(best.content, content):
            out.append(best)  # nested reporting, which the tags cannot say: the rules' speaker and outlet
            continue
        if f.source is None:
            if best is not None and best.source is not None and _covered(best.content, content):
                out.append(Attribution(best.source, f.cue, content, best.via, best.resolved))
                continue
        resolved = None
        pronoun = "" if f.source is None else text[f.source[0] : f.source[1]].lower()
        if pronoun in ("he", "she"):
            names = person_names(text) if names is None else names
            resolved = resolve(names, f.source[0] if f.source else 0, pronoun)
        out.append(Attribution(f.source, f.cue, content, None, resolved))
    return out


def _covered(a: tuple[Span, ...], b: tuple[Span, ...]) -> int:
    """Characters two contents share."""
    return sum(max(0, min(x[1], y[1]) - max(x[0], y[0])) for x in a for y in b)


def _article(text: str, deeds: bool) -> list[Attribution]:
    found: list[tuple[list[Token], Found]] = []
    last_quote: int | None = None  # the previous paragraph's last attribution
    for p_start, p_end in paragraphs(text):
        regions = quote_regions(text, p_start, p_end)
        rows: list[tuple[tuple[int, int], list[Token], list[int]]] = []
        for s, e in split_sentences(text, p_start, p_end):
            toks = tokenize(text, s, e, regions)
            ids = []
            for f in sentence_attributions(toks, deeds):
                ids.append(len(found))
                found.append((toks, f))
            rows.append(((s, e), toks, ids))
        last_quote = _continue_quotes(rows, found, last_quote)
    names = person_names(text)
    out: list[Attribution] = []
    for toks, f in sorted(found, key=lambda tf: tf[1].content[0][0]):
        source = _span(toks, f.source)
        resolved = None
        if source is not None and f.source is not None and toks[f.source[0]].low in ("he", "she"):
            resolved = resolve(names, source[0], toks[f.source[0]].low)
        out.append(Attribution(source, _span(toks, f.cue) or (0, 0), f.content, _span(toks, f.via), resolved))
    return out


def _span(toks: list[Token], pair: tuple[int, int] | None) -> Span | None:
    return None if pair is None else (toks[pair[0]].start, toks[pair[1]].end)


def _continue_quotes(rows: list[tuple[Span, list[Token], list[int]]], found: list[tuple[list[Token], Found]],
                     carried: int | None) -> int | None:
    """A sentence wholly inside quotation marks, without its own cue, continues the quote of the attribution
    before it in the paragraph (at the paragraph's start: the one after it, else ``carried``, the previous
    paragraph's last one): it becomes another content piece. Returns this paragraph's last attribution."""
    for n, (span, toks, ids) in enumerate(rows):
        if ids or not toks or not all(t.quoted for t in toks if t.alpha) or not toks[0].quoted:
            continue
        owner = next((r[2][-1] for r in reversed(rows[:n]) if r[2]), None)
        if owner is None:
            owner = next((r[2][0] for r in rows[n + 1:] if r[2]), carried)
        if owner is None:
            continue
        otoks, f = found[owner]
        found[owner] = (otoks, Found(f.source, f.cue, tuple(sorted(f.content + (span,))), f.via))
    last = next((i for r in reversed(rows) for i in reversed(r[2])), None)
    return last
