"""The rules of one sentence: find reporting cues, then each cue's source and content.

Patterns, by how news writes them:
- "SOURCE [has also] CUE [HEARER] [that] CONTENT"  ("Russia said it backed…", "he told reporters that…");
- "CONTENT, SOURCE CUE." and "“CONTENT,” CUE SOURCE."  (the source after the quote, inverted or not);
- "According to SOURCE, CONTENT" and "CONTENT, according to SOURCE";
- "VIA quoted SOURCE as saying CONTENT" (nested: the speaker, relayed by an outlet);
- "…, saying CONTENT" and "… and said CONTENT", whose source is the clause's subject.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.attribution import lexicon as lx
from index.attribution.phrases import (PREPOSITIONS, STOPS, Pair, appositive, hearer, is_name, nounish, possessive,
                                        skip_after, skip_back, source_after, source_before)
from index.attribution.tokens import CLOSING, OPENING, Token

Span = tuple[int, int]


@dataclass(frozen=True)
class Found:
    """One attribution in token indices of its sentence (before offsets and pronouns are resolved)."""

    source: Pair | None
    cue: Pair
    content: tuple[Span, ...]  # character offsets
    via: Pair | None = None


_PARTICIPLE = frozenset("saying adding noting telling calling arguing explaining writing warning insisting claiming "
                        "suggesting declaring asking urging citing accusing describing mentioning stating".split())
_AFTER_INVERTED = frozenset("in on at during who last this earlier later".split()) | lx.MONTHS_DAYS
# After "Roe said", words that start the circumstances of saying, not what was said ("said over the phone").
_CIRCUMSTANCE = frozenset("in during at on over after before while when from with".split())
_OPENERS = frozenset("here earlier later meanwhile however still instead yet last this speaking".split())


def _end_of(toks: list[Token], k: int, hi: int) -> int:
    """The content after a cue ends before a ", adding"/", saying" that starts another attribution."""
    for m in range(k + 1, hi - 1):
        if toks[m].word == "," and toks[m + 1].low in _PARTICIPLE and not toks[m].quoted:
            return m
    return hi


def _chars(toks: list[Token], a: int, b: int) -> Span | None:
    """Characters from token ``a`` to the one before ``b``, without the punctuation at either end outside quotes."""
    while b > a and not toks[b - 1].quoted and (toks[b - 1].word in STOPS or toks[b - 1].word in "-("):
        b -= 1
    while a < b and not toks[a].quoted and (toks[a].word in STOPS or toks[a].word == ")"):
        a += 1
    if a >= b:
        return None
    return (toks[a].start, toks[b - 1].end)


def _title_case(toks: list[Token]) -> bool:
    words = [t for t in toks if t.alpha and len(t.word) > 3]
    return len(words) >= 3 and sum(t.capital for t in words) >= 0.7 * len(words)


def sentence_attributions(toks: list[Token], deeds: bool = True) -> list[Found]:
    """Every attribution the rules find in one sentence's tokens (``deeds``: see ``attributions``)."""
    out: list[Found] = []
    title = _title_case(toks)
    i = 0
    while i < len(toks):
        t = toks[i]
        found: Found | None = None
        if t.quoted or not t.alpha or (t.capital and i > 0 and not title):
            i += 1
            continue
        if t.low == "according" and i + 1 < len(toks) and toks[i + 1].low == "to":
            found = _according(toks, i)
        elif t.low in ("quoted", "cited"):
            found = _quoted_as(toks, i) or (_verb(toks, i, out) if t.low in lx.CUES else None)
        elif t.low in lx.CUES:
            found = _verb(toks, i, out)
        if found is not None:
            out.append(found)
            i = found.cue[1] + 1
        else:
            i += 1
    if not out and deeds:
        fallback = _predicate(toks)
        if fallback is not None:
            out.append(fallback)
    return out


_IRREGULAR_PAST = frozenset("""made gave went put saw spoke brought held sent began led
stood sought thought felt knew meant set struck drew fought""".split())
_NOBODY = frozenset("nothing everything something anything nobody everybody none this that there it".split())
_BE = frozenset("is was are were be been being".split())
# Deeds that are outcomes, not stances: "Trump won Ohio" reports no one's view.
_NOT_STANCE = frozenset("""won lost captured tried scored topped finished entered traveled placed received owned
lived walked emerged completed died arrived returned moved stayed""".split())


def _predicate(toks: list[Token]) -> Found | None:
    """A person's or a group's deed, for a sentence without a cue: "Trump criticized the media" (PolNeAR counts
    stances and acts too): a name or pronoun subject, then a verb in the past or present, then the content."""
    hi = len(toks)
    src = _clause_subject(toks, hi, [])
    if src is None:
        return None
    head = toks[src[0]]
    if not (head.low in lx.PERSONAL or is_name(head, False)) or head.low in lx.DETERMINERS:
        return None
    if head.low in _NOBODY:
        return None
    k = src[1] + 1
    while k < hi and toks[k].low in lx.AUXILIARY and not toks[k].capital:
        if toks[k].low in _BE:
            return None  # "X was attributed": a passive, X did nothing
        k += 1
    if k >= hi - 1:
        return None
    v = toks[k]
    if v.quoted or v.capital or not v.alpha or v.low in lx.BOUNDARY or v.low in PREPOSITIONS:
        return None
    if v.low in _NOT_STANCE or not (v.low.endswith("ed") or v.low in _IRREGULAR_PAST
                                    or head.low in lx.PERSONAL and v.low.endswith("s") and not v.low.endswith("ss")):
        return None
    content = _chars(toks, k + 1, hi)
    if content is None:
        return None
    return Found(src, (k, k), (content,))


def _according(toks: list[Token], i: int) -> Found | None:
    hi = len(toks)
    src = source_after(toks, i + 2, hi)
    if src is None:
        return None
    after = src[1] + 1
    if i > 0 and toks[i - 1].word == "," or after >= hi or toks[after].word != ",":
        content = _chars(toks, 0, i)
    else:
        content = _chars(toks, after + 1, hi)
    if content is None:
        return None
    return Found(src, (i, i + 1), (content,))


def _quoted_as(toks: list[Token], i: int) -> Found | None:
    """"SANA quoted the ministry as saying …": the ministry speaks, via SANA."""
    hi = len(toks)
    via = source_before(toks, i, 0)
    src = source_after(toks, i + 1, hi)
    if via is None or src is None:
        return None
    k = src[1] + 1
    while k < hi and toks[k].low != "as" and not toks[k].quoted and toks[k].word not in STOPS:
        k += 1
    if k + 1 >= hi or toks[k].low != "as" or toks[k + 1].low not in ("saying", "telling", "writing", "stating"):
        return None
    src = (src[0], k - 1)
    start = hearer(toks, k + 2, hi) if toks[k + 1].low == "telling" else k + 2
    content = _chars(toks, skip_after(toks, start, hi), hi)
    if content is None:
        return None
    return Found(src, (k, k + 1), (content,), via)


def _clause_subject(toks: list[Token], i: int, before: list[Found]) -> Pair | None:
    """The subject of the clause a participle or a conjoined verb hangs on ("Trump spoke, saying …")."""
    if before:
        return before[-1].source
    k = 0
    if toks[0].low in lx.BOUNDARY or toks[0].low in _OPENERS or toks[0].low.endswith("ly"):
        # "Here in Columbia, Sanders stepped up …, saying": the clause starts after the opening phrase.
        k = next((m + 1 for m in range(i) if toks[m].word == ","), 0)
    while k < i and (toks[k].low in lx.BOUNDARY or toks[k].low in lx.AUXILIARY or toks[k].word in STOPS
                     or toks[k].quoted):
        k += 1
    if k >= i:
        return None
    if toks[k].low in lx.PERSONAL:
        return (k, k)
    if not is_name(toks[k], False) and toks[k].low not in lx.DETERMINERS:
        return None
    e = k
    while e + 1 < i and (is_name(toks[e + 1], False) or possessive(toks[e + 1])
                         or (toks[k].low in lx.DETERMINERS and nounish(toks[e + 1]) and e - k < 3)):
        e += 1
    if e + 1 < i and (toks[e + 1].word in STOPS or toks[e + 1].low in lx.BOUNDARY and toks[e + 1].low not in
                      lx.AUXILIARY):
        return None
    return (k, e) if not possessive(toks[e]) else None


def _verb(toks: list[Token], i: int, before: list[Found]) -> Found | None:
    hi = len(toks)
    t = toks[i]
    particles = lx.CUES[t.low]
    cue_end = i
    nxt = toks[i + 1] if i + 1 < hi else None
    if nxt is not None and nxt.low in particles:
        cue_end = i + 1
    elif "" not in particles:
        return None
    after_cue = toks[cue_end + 1] if cue_end + 1 < hi else None
    opens = after_cue is not None and (after_cue.low == "that" or after_cue.word in OPENING or after_cue.word == ":")
    lo = before[-1].cue[1] + 1 if before else 0
    prev = toks[i - 1] if i > 0 else None
    if prev is None or prev.low in lx.DETERMINERS:
        return None
    # "Sanders supports raising …", "Trump attacks Clinton", "the Post reports": a name right before, an object after.
    named = (is_name(prev, i - 1 == 0) and after_cue is not None and not after_cue.quoted
             and (after_cue.low in lx.DETERMINERS or after_cue.low in lx.PERSONAL or is_name(after_cue, False)
                  or after_cue.low.endswith("ing") or opens))
    if t.low in lx.WEAK and cue_end == i and not (after_cue is not None and after_cue.low == "that") and not (
            named or prev.low in lx.PERSONAL):
        return None
    if t.low in lx.NOUN_FORMS and not (prev.low in lx.PRONOUN_SOURCES or prev.low in lx.AUXILIARY or named):
        return None  # "the state", "his email", "delegate-rich states that …"
    participle = t.low in _PARTICIPLE and (prev.word == "," or prev.low in PREPOSITIONS)
    if t.low.endswith("ing") and not participle and not is_name(prev, i - 1 == 0) and not (
            nounish(prev) and prev.low.endswith("s")) and toks[max(skip_back(toks, i - 1, 0), 0)].low not in _BE:
        return None  # "a poor showing", "having rejected": not a verb of its own; "911 calls saying" is
    src = None
    inverted = clause = False
    if (prev.word == "," or prev.word in CLOSING) and not t.low.endswith("ing"):
        src = source_after(toks, cue_end + 1, hi)
        if src is not None:
            end = src[1] + 1
            inverted = end >= hi or toks[end].word in STOPS or toks[end].low in _AFTER_INVERTED
            src = appositive(toks, src, hi) if inverted else None
    if src is None:
        src = None if participle else source_before(toks, i, lo)
    if src is None and (participle or prev.low in ("and", "but")):
        src, clause = _clause_subject(toks, i, before), True
    if src is None:
        return None
    if t.low in ("called", "named") and toks[src[0]].low in ("a", "an") and after_cue is not None and is_name(
            after_cue, False):
        return None  # "a town called Ash Sholah" names, reports nothing
    if inverted:
        k = src[1] + 1
    else:
        k = cue_end + 1
        if t.low in lx.HEARER:
            k = hearer(toks, k, hi)
        k = skip_after(toks, k, hi)
    # Content before the source when the source follows a quotation or a comma ("“…,” Roe said in a statement").
    start = src[0] if src[0] < i else i
    empty = k >= hi or all(x.word in STOPS for x in toks[k:hi]) or (toks[k].low in _PARTICIPLE and k > cue_end + 1)
    lead = (start > 0 and (toks[start - 1].word == "," or toks[start - 1].word in CLOSING) and src[0] != lo
            and not t.low.endswith("ing") and (empty or toks[k].low in _CIRCUMSTANCE))
    if clause and empty:
        return None
    pieces: list[Span] = []
    if inverted or lead or empty:
        first = _chars(toks, lo if lo < start else 0, start)
        if first is not None:
            pieces.append(first)
        if k < hi and toks[k].quoted and toks[k].word in OPENING:
            more = _chars(toks, k, hi)
            if more is not None:
                pieces.append(more)
    else:
        after = _chars(toks, k, _end_of(toks, k, hi))
        if after is not None:
            pieces.append(after)
    if not pieces:
        return None
    if not inverted and not clause and src[1] < i:
        src = _passive(toks, src, i, cue_end)
    return Found(src, (i, cue_end), tuple(pieces))


_SOURCELESS = frozenset("seem seems seemed seeming".split())
_PARTICIPLES = frozenset("said told thought known seen shown written found made held given taken".split())


def _passive(toks: list[Token], src: Pair, i: int, cue_end: int) -> Pair | None:
    """A subject that is no one's voice: "X was expected to …", "it is said", "Sanders seemed …" (PolNeAR gives
    them no source); a passive's agent is the source instead ("was criticized by Y")."""
    if toks[i].low in _SOURCELESS:
        return None
    if not (toks[i].low.endswith("ed") or toks[i].low in _PARTICIPLES):
        return src
    if not any(toks[k].low in _BE for k in range(src[1] + 1, i)):
        return src
    k = cue_end + 1
    if k < len(toks) and toks[k].low == "by":
        return source_after(toks, k + 1, len(toks))
    return None
