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
from index.attribution.tokens import CLOSING, OPENING, Token

Span = tuple[int, int]
Pair = tuple[int, int]  # first and last token, inclusive


@dataclass(frozen=True)
class Found:
    """One attribution in token indices of its sentence (before offsets and pronouns are resolved)."""

    source: Pair | None
    cue: Pair
    content: tuple[Span, ...]  # character offsets
    via: Pair | None = None


_TIME_AFTER = lx.MONTHS_DAYS | {"night", "morning", "afternoon", "evening", "week", "month", "year", "weekend"}
_STATEMENT = frozenset("statement interview email emails tweet tweets post speech letter release op-ed memo "
                       "call conference".split())
_PARTICIPLE = frozenset("saying adding noting telling calling arguing explaining writing warning insisting claiming "
                        "suggesting declaring asking urging citing accusing describing mentioning stating".split())
_STOPS = frozenset(",.;:?!—–")
_QUANTIFIERS = frozenset("many some most all none one each several few both any much two three".split())
_INNER_PREPOSITIONS = frozenset("of for with from at on in to".split())
_AFTER_INVERTED = frozenset("in on at during who last this earlier later".split()) | lx.MONTHS_DAYS
# After "Roe said", words that start the circumstances of saying, not what was said ("said over the phone").
_CIRCUMSTANCE = frozenset("in during at on over after before while when from with".split())
_OPENERS = frozenset("here earlier later meanwhile however still instead yet last this speaking".split())
_HEARERS = frozenset("reporters him her them me us supporters voters journalists listeners viewers audiences "
                     "donors lawmakers colleagues members attendees".split())


def _is_name(tok: Token, first: bool) -> bool:
    """A capitalised word that can be part of a name (a sentence's first word only when not a function word)."""
    if not tok.capital or not tok.alpha or tok.quoted:
        return False
    return not (first and (tok.low in lx.BOUNDARY or tok.low in lx.AUXILIARY)) and tok.low != "i"


def _nounish(tok: Token) -> bool:
    """A lower-case word that may sit inside a source noun phrase."""
    return (tok.alpha and not tok.capital and not tok.quoted and tok.low not in lx.BOUNDARY
            and tok.low not in lx.AUXILIARY and (tok.low not in lx.CUES or tok.low in lx.NOUN_FORMS)
            and tok.low not in lx.PRONOUN_SOURCES and tok.low not in _INNER_PREPOSITIONS
            and not tok.low.endswith("ly"))


def _possessive(tok: Token) -> bool:
    return tok.word in ("’s", "'s", "’", "'")


def subject_before(toks: list[Token], j: int, lo: int = 0) -> Pair | None:
    """The noun phrase ending at token ``j`` (walking left, not before ``lo``), or None when ``j`` cannot end one."""
    if j < lo:
        return None
    t = toks[j]
    if t.quoted:
        return None
    if t.low in lx.PRONOUN_SOURCES and (not t.capital or j == 0 or t.low == "i" or j == lo):
        if (t.low in lx.PERSONAL and j - 2 >= lo and toks[j - 1].low == "of"
                and toks[j - 2].low in _QUANTIFIERS):
            return (j - 2, j)  # "many of you"
        return (j, j)
    if not (_is_name(t, j == 0) or _nounish(t) or t.word == ")"):
        return None
    i = j
    while i > lo:
        p = toks[i - 1]
        if p.quoted:
            break
        if p.word == ")" or i == j and t.word == ")":
            # "Sen. Ted Cruz (R-Texas)": the bracket belongs to the name before it.
            close = i - 1 if p.word == ")" else i
            opening = next((m for m in range(close - 1, max(lo, close - 12) - 1, -1) if toks[m].word == "("), None)
            if opening is None or opening - 1 < lo or not _is_name(toks[opening - 1], opening - 1 == 0):
                break
            i = opening
            continue
        if p.low == "and" and i - 2 >= lo and _is_name(toks[i - 2], i - 2 == 0) and (
                _is_name(toks[i], False) or toks[i].low in lx.DETERMINERS or toks[i].low in ("others", "other")):
            i -= 1  # "Edwards and others", "Sanders and his aides"
            continue
        if p.low in lx.DETERMINERS and not (p.capital and i - 1 > 0):
            i -= 1
            # "a spokesman for the campaign", "people familiar with the matter": go on past the preposition.
            if (i - 2 >= lo and toks[i - 1].low in _INNER_PREPOSITIONS and not toks[i - 1].capital
                    and (_nounish(toks[i - 2]) or _is_name(toks[i - 2], i - 2 == 0))):
                i -= 1
                continue
            break
        if _is_name(p, i - 1 == 0) or p.word in ("&", "-", "(", ")") or _possessive(p) or _nounish(p):
            i -= 1
            continue
        if (p.low in _INNER_PREPOSITIONS and not p.capital and i - 2 >= lo
                and (_is_name(toks[i - 2], i - 2 == 0) or _nounish(toks[i - 2]))):
            i -= 1
            continue
        break
    # A phrase never starts with a preposition, a bracket or a possessive mark.
    while i < j and (toks[i].low in _INNER_PREPOSITIONS or toks[i].word in ("(", ")", "&", "-")
                     or _possessive(toks[i])):
        i += 1
    return (i, j)


def _skip_back(toks: list[Token], j: int, lo: int) -> int:
    """From token ``j`` leftwards past auxiliaries and time words ("has also", "on Monday")."""
    while j >= lo:
        t = toks[j]
        if t.quoted:
            break
        adverb = t.low in lx.AUXILIARY or t.low.endswith("ly") and t.low not in ("only", "early")
        clitic = _possessive(t) and j > lo and toks[j - 1].low in ("he", "she", "it", "who")  # "he’s said"
        if adverb and not t.capital or clitic:
            j -= 1
        elif t.low in lx.MONTHS_DAYS and j - 1 >= lo and toks[j - 1].low in ("on", "last", "this"):
            j -= 2
        else:
            break
    return j


def source_before(toks: list[Token], cue: int, lo: int) -> Pair | None:
    """The subject of the cue at index ``cue``: the noun phrase before it, past auxiliaries, an appositive
    ("Jane Roe, a spokeswoman, said": all of it) or a relative clause ("Roe, who …, said": the name)."""
    j = _skip_back(toks, cue - 1, lo)
    if j < lo:
        return None
    if toks[j].word == "," and j - 1 >= lo:
        k = j - 1
        while k >= lo and toks[k].word != "," and not toks[k].quoted:
            k -= 1
        if k < lo or toks[k].word != "," or k + 1 >= j:
            return None
        inner = toks[k + 1]
        head = subject_before(toks, k - 1, lo)
        if head is None:
            return None
        relative = inner.low in ("who", "which", "whose")
        described = inner.low in lx.DETERMINERS or _is_name(inner, False) or _nounish(inner) or inner.word[:1].isdigit()
        if inner.low in lx.BOUNDARY and not relative or inner.low in _INNER_PREPOSITIONS:
            return head  # "Humphrey, for example, said"
        if relative or described:
            return (head[0], j - 1)  # PolNeAR's source holds the appositive or the relative clause
        return None
    return subject_before(toks, j, lo)


def source_after(toks: list[Token], k: int, hi: int) -> Pair | None:
    """The noun phrase starting at token ``k`` ("…,” said Jane Roe."; "according to the report, …")."""
    if k >= hi:
        return None
    t = toks[k]
    if t.quoted:
        return None
    if t.low in lx.PERSONAL and not t.capital or t.low in ("it",):
        return (k, k)
    if not (_is_name(t, False) or t.low in lx.DETERMINERS or _nounish(t)):
        return None
    e = k
    while e + 1 < hi:
        n = toks[e + 1]
        if n.low in _INNER_PREPOSITIONS and e + 2 < hi and not toks[e + 2].quoted and (
                toks[e + 2].low in lx.DETERMINERS or _is_name(toks[e + 2], False)) and toks[e + 2].low not in (
                _TIME_AFTER | {"this", "last"}) and not (e + 3 < hi and toks[e + 3].low in _STATEMENT):
            e += 1
            continue
        if n.quoted or n.word in _STOPS or (n.low in lx.BOUNDARY and n.low not in lx.JOINERS) or n.low == "who":
            break
        if n.low in lx.MONTHS_DAYS and n.word != "May":
            break
        e += 1
    return (k, e)


def _appositive(toks: list[Token], src: Pair, hi: int) -> Pair:
    """An inverted source with what describes it ("said Jane Roe, a spokeswoman for the campaign."), to the end of
    the sentence or the next quotation."""
    e = src[1] + 1
    if e + 1 >= hi or toks[e].word != "," or toks[e + 1].quoted:
        return src
    nxt = toks[e + 1]
    if not (nxt.low in lx.DETERMINERS or _nounish(nxt) or _is_name(nxt, False) or nxt.word[0].isdigit()):
        return src
    m = e + 1
    while m < hi and not toks[m].quoted:
        m += 1
    while m > e and toks[m - 1].word in _STOPS:
        m -= 1
    return (src[0], m - 1)


def _hearer(toks: list[Token], k: int, hi: int) -> int:
    """Past the hearer after "told"/"asked" ("told reporters", "told The Washington Post"): the next index."""
    if k >= hi or toks[k].quoted:
        return k
    t = toks[k]
    if t.low in lx.DETERMINERS or _is_name(t, False):
        e = k + 1
        while e < hi and (_is_name(toks[e], False) or _possessive(toks[e])):
            e += 1
        if e == k + 1 and t.low in lx.DETERMINERS and e < hi and _nounish(toks[e]):
            e += 1
        return e
    if t.low in _HEARERS:
        return k + 1
    return k


def _skip_after(toks: list[Token], k: int, hi: int) -> int:
    """Past time words, "in a statement", "in an interview with CNN" and commas after a cue."""
    while k < hi:
        t = toks[k]
        if t.quoted:
            break
        if t.low in _TIME_AFTER or t.word in (",", ":"):
            k += 1
        elif t.low in ("on", "last", "this", "late", "early") and k + 1 < hi and toks[k + 1].low in _TIME_AFTER:
            k += 2
        elif (t.low in ("in", "during", "on") and k + 2 < hi and toks[k + 1].low in ("a", "an", "the", "his", "her")
              and toks[k + 2].low in _STATEMENT):
            k += 3
            if k < hi and toks[k].low in ("with", "to", "on") and k + 1 < hi and _is_name(toks[k + 1], False):
                k += 2
                while k < hi and _is_name(toks[k], False):
                    k += 1
        else:
            break
    return k


def _end_of(toks: list[Token], k: int, hi: int) -> int:
    """The content after a cue ends before a ", adding"/", saying" that starts another attribution."""
    for m in range(k + 1, hi - 1):
        if toks[m].word == "," and toks[m + 1].low in _PARTICIPLE and not toks[m].quoted:
            return m
    return hi


def _chars(toks: list[Token], a: int, b: int) -> Span | None:
    """Characters from token ``a`` to the one before ``b``, without the punctuation at either end outside quotes."""
    while b > a and not toks[b - 1].quoted and (toks[b - 1].word in _STOPS or toks[b - 1].word in "-("):
        b -= 1
    while a < b and not toks[a].quoted and (toks[a].word in _STOPS or toks[a].word == ")"):
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
    if not (head.low in lx.PERSONAL or _is_name(head, False)) or head.low in lx.DETERMINERS:
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
    if v.quoted or v.capital or not v.alpha or v.low in lx.BOUNDARY or v.low in _INNER_PREPOSITIONS:
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
    while k < hi and toks[k].low != "as" and not toks[k].quoted and toks[k].word not in _STOPS:
        k += 1
    if k + 1 >= hi or toks[k].low != "as" or toks[k + 1].low not in ("saying", "telling", "writing", "stating"):
        return None
    src = (src[0], k - 1)
    start = _hearer(toks, k + 2, hi) if toks[k + 1].low == "telling" else k + 2
    content = _chars(toks, _skip_after(toks, start, hi), hi)
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
    while k < i and (toks[k].low in lx.BOUNDARY or toks[k].low in lx.AUXILIARY or toks[k].word in _STOPS
                     or toks[k].quoted):
        k += 1
    if k >= i:
        return None
    if toks[k].low in lx.PERSONAL:
        return (k, k)
    if not _is_name(toks[k], False) and toks[k].low not in lx.DETERMINERS:
        return None
    e = k
    while e + 1 < i and (_is_name(toks[e + 1], False) or _possessive(toks[e + 1])
                         or (toks[k].low in lx.DETERMINERS and _nounish(toks[e + 1]) and e - k < 3)):
        e += 1
    if e + 1 < i and (toks[e + 1].word in _STOPS or toks[e + 1].low in lx.BOUNDARY and toks[e + 1].low not in
                      lx.AUXILIARY):
        return None
    return (k, e) if not _possessive(toks[e]) else None


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
    named = (_is_name(prev, i - 1 == 0) and after_cue is not None and not after_cue.quoted
             and (after_cue.low in lx.DETERMINERS or after_cue.low in lx.PERSONAL or _is_name(after_cue, False)
                  or after_cue.low.endswith("ing") or opens))
    if t.low in lx.WEAK and cue_end == i and not (after_cue is not None and after_cue.low == "that") and not (
            named or prev.low in lx.PERSONAL):
        return None
    if t.low in lx.NOUN_FORMS and not (prev.low in lx.PRONOUN_SOURCES or prev.low in lx.AUXILIARY or named):
        return None  # "the state", "his email", "delegate-rich states that …"
    participle = t.low in _PARTICIPLE and (prev.word == "," or prev.low in _INNER_PREPOSITIONS)
    if t.low.endswith("ing") and not participle and not _is_name(prev, i - 1 == 0) and not (
            _nounish(prev) and prev.low.endswith("s")) and toks[max(_skip_back(toks, i - 1, 0), 0)].low not in _BE:
        return None  # "a poor showing", "having rejected": not a verb of its own; "911 calls saying" is
    src = None
    inverted = clause = False
    if (prev.word == "," or prev.word in CLOSING) and not t.low.endswith("ing"):
        src = source_after(toks, cue_end + 1, hi)
        if src is not None:
            end = src[1] + 1
            inverted = end >= hi or toks[end].word in _STOPS or toks[end].low in _AFTER_INVERTED
            src = _appositive(toks, src, hi) if inverted else None
    if src is None:
        src = None if participle else source_before(toks, i, lo)
    if src is None and (participle or prev.low in ("and", "but")):
        src, clause = _clause_subject(toks, i, before), True
    if src is None:
        return None
    if inverted:
        k = src[1] + 1
    else:
        k = cue_end + 1
        if t.low in lx.HEARER:
            k = _hearer(toks, k, hi)
        k = _skip_after(toks, k, hi)
    # Content before the source when the source follows a quotation or a comma ("“…,” Roe said in a statement").
    start = src[0] if src[0] < i else i
    empty = k >= hi or all(x.word in _STOPS for x in toks[k:hi]) or (toks[k].low in _PARTICIPLE and k > cue_end + 1)
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
    return Found(src, (i, cue_end), tuple(pieces))
