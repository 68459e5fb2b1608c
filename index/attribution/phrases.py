"""Noun phrases around a cue: the source before it ("Jane Roe, a spokeswoman, said") or after it ("said Jane
Roe"), the hearer after "told", and the words skipped on the way (auxiliaries, times, "in a statement")."""

from __future__ import annotations

from index.attribution import lexicon as lx
from index.attribution.tokens import Token

Pair = tuple[int, int]  # first and last token, inclusive

TIME_AFTER = lx.MONTHS_DAYS | {"night", "morning", "afternoon", "evening", "week", "month", "year", "weekend"}
# What a cue may be "in": "said in a statement", "told in an interview with CNN".
STATEMENT = frozenset("statement interview email emails tweet tweets post speech letter release op-ed memo "
                      "call conference".split())
STOPS = frozenset(",.;:?!—–")
_QUANTIFIERS = frozenset("many some most all none one each several few both any much two three".split())
PREPOSITIONS = frozenset("of for with from at on in to".split())
_INCLUDING = frozenset("including like especially notably".split())
_HEARERS = frozenset("reporters him her them me us supporters voters journalists listeners viewers audiences "
                     "donors lawmakers colleagues members attendees".split())


def is_name(tok: Token, first: bool) -> bool:
    """A capitalised word that can be part of a name (a sentence's first word only when not a function word)."""
    if not tok.capital or not tok.alpha or tok.quoted:
        return False
    return not (first and (tok.low in lx.BOUNDARY or tok.low in lx.AUXILIARY)) and tok.low != "i"


def nounish(tok: Token) -> bool:
    """A lower-case word that may sit inside a source noun phrase."""
    return (tok.alpha and not tok.capital and not tok.quoted and tok.low not in lx.BOUNDARY
            and tok.low not in lx.AUXILIARY and (tok.low not in lx.CUES or tok.low in lx.NOUN_FORMS)
            and tok.low not in lx.PRONOUN_SOURCES and tok.low not in PREPOSITIONS
            and not tok.low.endswith("ly"))


def possessive(tok: Token) -> bool:
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
    if not (is_name(t, j == 0) or nounish(t) or t.word == ")"):
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
            if opening is None or opening - 1 < lo or not is_name(toks[opening - 1], opening - 1 == 0):
                break
            i = opening
            continue
        if p.low == "and" and i - 2 >= lo and is_name(toks[i - 2], i - 2 == 0) and (
                is_name(toks[i], False) or toks[i].low in lx.DETERMINERS or toks[i].low in ("others", "other")):
            i -= 1  # "Edwards and others", "Sanders and his aides"
            continue
        if p.low in ("and", "or") and i - 2 >= lo and nounish(toks[i - 2]) and toks[i - 2].low.endswith("s") and (
                nounish(toks[i]) or is_name(toks[i], False)) and not toks[i - 2].low.endswith(("ss", "us")):
            i -= 1  # "many liberal economists and Wall Street reform advocates"
            continue
        if p.low in lx.DETERMINERS and not (p.capital and i - 1 > 0):
            i -= 1
            # "a spokesman for the campaign", "people familiar with the matter": go on past the preposition.
            if (i - 2 >= lo and toks[i - 1].low in PREPOSITIONS and not toks[i - 1].capital
                    and (nounish(toks[i - 2]) or is_name(toks[i - 2], i - 2 == 0))):
                i -= 1
                continue
            break
        if is_name(p, i - 1 == 0) or p.word in ("&", "-", "(", ")") or possessive(p) or nounish(p):
            i -= 1
            continue
        if (p.low in PREPOSITIONS and not p.capital and i - 2 >= lo
                and (is_name(toks[i - 2], i - 2 == 0) or nounish(toks[i - 2]))):
            i -= 1
            continue
        if p.low == "by" and i - 2 >= lo and toks[i - 2].low.endswith("ed") and nounish(toks[i - 2]):
            i -= 1  # "a survey conducted by Elena Sadovskaya found"
            continue
        if p.word == "%":
            i -= 1  # "a 54% majority of independents"
            continue
        break
    # A phrase never starts with a preposition, a bracket or a possessive mark.
    while i < j and (toks[i].low in PREPOSITIONS or toks[i].word in ("(", ")", "&", "-")
                     or possessive(toks[i])):
        i += 1
    return (i, j)


def skip_back(toks: list[Token], j: int, lo: int) -> int:
    """From token ``j`` leftwards past auxiliaries and time words ("has also", "on Monday")."""
    while j >= lo:
        t = toks[j]
        if t.quoted:
            break
        adverb = t.low in lx.AUXILIARY or t.low.endswith("ly") and t.low not in ("only", "early")
        clitic = possessive(t) and j > lo and toks[j - 1].low in ("he", "she", "it", "who")  # "he’s said"
        if adverb and not t.capital or clitic:
            j -= 1
        elif t.low in lx.MONTHS_DAYS and j - 1 >= lo and toks[j - 1].low in ("on", "last", "this", "in"):
            j -= 2
        elif (t.low in TIME_AFTER and j - 2 >= lo and toks[j - 1].low in lx.MONTHS_DAYS
              and toks[j - 2].low in ("on", "last", "this")):
            j -= 3  # "Sanders on Wednesday morning also called"
        else:
            break
    return j


def source_before(toks: list[Token], cue: int, lo: int) -> Pair | None:
    """The subject of the cue at index ``cue``: the noun phrase before it, past auxiliaries, an appositive
    ("Jane Roe, a spokeswoman, said": all of it) or a relative clause ("Roe, who …, said": the name)."""
    j = skip_back(toks, cue - 1, lo)
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
        described = inner.low in lx.DETERMINERS or is_name(inner, False) or nounish(inner) or inner.word[:1].isdigit()
        if inner.low in _INCLUDING:
            return (head[0], j - 1)  # "Several fact checkers, including The Washington Post, have said"
        if inner.low in lx.BOUNDARY and not relative or inner.low in PREPOSITIONS:
            # "Humphrey, for example, said"; "Brian Murphy, the party chairman, for example, said"
            return source_before(toks, k + 1, lo) or head
        if relative or described:
            # PolNeAR's source holds the appositive or the relative clause, and a title phrase before the name
            # ("Trump's campaign manager, Corey Lewandowski, who …, declined")
            a = head[0]
            if a - 2 >= lo and toks[a - 1].word == "," and is_name(toks[a], a == 0):
                title = subject_before(toks, a - 2, lo)
                if title is not None and title[0] == lo and toks[title[1]].low not in lx.MONTHS_DAYS and (
                        title[0] < title[1] or not is_name(toks[title[0]], title[0] == 0)):
                    a = title[0]
            return (a, j - 1)
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
    if not (is_name(t, False) or t.low in lx.DETERMINERS or nounish(t)):
        return None
    e = k
    while e + 1 < hi:
        n = toks[e + 1]
        if n.low in PREPOSITIONS and e + 2 < hi and not toks[e + 2].quoted and (
                toks[e + 2].low in lx.DETERMINERS or is_name(toks[e + 2], False)) and toks[e + 2].low not in (
                TIME_AFTER | {"this", "last"}) and not (e + 3 < hi and toks[e + 3].low in STATEMENT):
            e += 1
            continue
        if n.quoted or n.word in STOPS or (n.low in lx.BOUNDARY and n.low not in lx.JOINERS) or n.low == "who":
            break
        if n.low in lx.MONTHS_DAYS and n.word != "May":
            break
        e += 1
    return (k, e)


def appositive(toks: list[Token], src: Pair, hi: int) -> Pair:
    """An inverted source with what describes it ("said Jane Roe, a spokeswoman for the campaign."), to the end of
    the sentence or the next quotation."""
    e = src[1] + 1
    if e < hi and toks[e].low in ("who", "whose") and not toks[e].quoted:
        e -= 1  # "said the man who built his career on …": the relative clause belongs to the source
    elif e + 1 >= hi or toks[e].word != "," or toks[e + 1].quoted:
        return src
    nxt = toks[e + 1]
    if not (nxt.low in lx.DETERMINERS or nounish(nxt) or is_name(nxt, False) or nxt.word[0].isdigit()
            or nxt.low in ("who", "whose")) or nxt.low.endswith("ing"):
        return src
    m = e + 1
    # To the end of the sentence or the next quotation, or a ", referring to …" that goes on about the quote.
    while m < hi and not toks[m].quoted and not (
            toks[m].word == "," and m + 1 < hi and toks[m + 1].low.endswith("ing") and not toks[m + 1].capital):
        m += 1
    while m > e and toks[m - 1].word in STOPS:
        m -= 1
    return (src[0], m - 1)


def hearer(toks: list[Token], k: int, hi: int) -> int:
    """Past the hearer after "told"/"asked" ("told reporters", "told The Washington Post"): the next index."""
    if k >= hi or toks[k].quoted:
        return k
    t = toks[k]
    if t.low in lx.DETERMINERS or is_name(t, False):
        e = k + 1
        while e < hi and (is_name(toks[e], False) or possessive(toks[e])):
            e += 1
        if e == k + 1 and t.low in lx.DETERMINERS and e < hi and nounish(toks[e]):
            e += 1
        return e
    if t.low in _HEARERS:
        return k + 1
    return k


def skip_after(toks: list[Token], k: int, hi: int) -> int:
    """Past time words, "in a statement", "in an interview with CNN" and commas after a cue."""
    while k < hi:
        t = toks[k]
        if t.quoted:
            break
        if t.low in TIME_AFTER or t.word in (",", ":"):
            k += 1
        elif t.low in ("on", "last", "this", "late", "early") and k + 1 < hi and toks[k + 1].low in TIME_AFTER:
            k += 2
        elif (t.low in ("in", "during", "on") and k + 2 < hi and toks[k + 1].low in ("a", "an", "the", "his", "her")
              and toks[k + 2].low in STATEMENT):
            k += 3
            if k < hi and toks[k].low in ("with", "to", "on") and k + 1 < hi and is_name(toks[k + 1], False):
                k += 2
                while k < hi and is_name(toks[k], False):
                    k += 1
        else:
            break
    return k
