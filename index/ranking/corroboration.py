"""How many independent sources report the answer, and what the sources that differ say.

An answer read in five chunks is not five sources when the chunks are one outlet's five articles, or one wire
story that five outlets syndicated. A passage reports the answer when its own reading says it more likely
than not (``SUPPORT``); such passages are one source when they share an article, an outlet, or the text
around the answer (a near-duplicate, by the word shingles they share: syndicated copies of a story carry the
same sentences, under another headline, byline or dateline, and cut into chunks at other places). When a
comparably strong passage confidently says something else (a toll of 12 against 15), both are shown, each
with its source: never one picked silently, never an average. Pure functions over the read candidates; the
values they make (``Claim``, ``Corroboration``) are in ``index.types``, as the answer carries them
(``AnswerSpan.corroboration``, made by ``index.ranking.answering.answer_line``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from index.models.reader import Reading, Span
from index.ranking.answers import answer_key
from index.ranking.retrieval import Scored
from index.ranking.timeframe import TimeFrame
from index.storage.store import ChunkRow, source_key
from index.text.dates import parse_date
from index.text.terms import fold
from index.types import Claim, Corroboration

SUPPORT = 0.5
"""The share of a passage's own span probability (the passage read alone) on an answer for the passage to
report it: more likely than not. Not the question's shared normalisation: that one splits an answer's
probability among the passages saying it, so it shrinks with the very corroboration counted here."""

RIVAL = 0.25
"""A differing answer is reported when a passage says it (``SUPPORT`` of its own reading) and holds at least
this share of the shared probability that the answer's strongest passage holds. An off-topic passage reads
its own best span confidently too (asked for a bombing's toll, a traffic accident's "three" at 0.8 of its
reading) but holds about e^-8 of the answer's shared probability; another outlet's toll of the same
bombing held about 0.4 of it (the shipped reader, by hand)."""

NEAR_DUPLICATE = 0.5
"""The share of the shorter text's word shingles around the answer found in the other's for two passages to
be copies of one story. A copy with six words changed kept 0.69 of them, another telling of the same
event sharing its phrases ("the defence ministry in Moscow said") 0.13 (the wire story of the tests); all
of a quoted statement's shingles are shared, and such a passage is then no independent wording either."""

CONTEXT_WORDS = 40
"""Words compared on either side of the answer: about a chunk (700 characters) in all."""

SHINGLE = 4
"""Words per shingle: short enough that a copy edited every dozen words keeps most of them."""

_WORD = re.compile(r"\w+")
_THOUSANDS = re.compile(r"\b\d{1,3}(?: \d{3})+\b")  # "1,500" keyed as "1 500"
_UNITS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: i * 10 for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_PLURAL_DEMONYMS = ("ns", "ans", "ians")  # Russia/Russians, Iran/Iranians; never a bare "s" (Brook/Brooks)


def claim_words(text: str) -> tuple[str, ...]:
    """An answer's words as sources are compared on them: ``answer_key``'s, with numbers as digits
    ("fifteen", "1,500" and "twenty-one" as "15", "1500" and "21")."""
    key = _THOUSANDS.sub(lambda m: m.group().replace(" ", ""), answer_key(text))
    out: list[str] = []
    tens = False  # the last word was a tens word, which a unit may complete ("twenty one")
    for w in key.split():
        if tens and w in _UNITS and 0 < int(_UNITS[w]) < 10:
            out[-1] = str(int(out[-1]) + int(_UNITS[w]))
            tens = False
            continue
        tens = w in _TENS
        out.append(str(_TENS[w]) if tens else _UNITS.get(w, w))
    return tuple(out)


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return short.isalpha() and len(short) >= 4 and long_.startswith(short) and long_[len(short):] in _PLURAL_DEMONYMS


def same_answer(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two answers' ``claim_words`` say the same thing: one's words run within the other's
    ("12" in "at least 12 people"; "Russia" for "the Russians"), the rest holding no number ("500" is not
    "1500 500")."""
    if not a or not b:
        return False
    short, long_ = sorted((tuple(a), tuple(b)), key=len)
    for i in range(len(long_) - len(short) + 1):
        if all(_same_word(x, y) for x, y in zip(short, long_[i:])):
            rest = long_[:i] + long_[i + len(short):]
            return not any(ch.isdigit() for w in rest for ch in w)
    return False


def conflict(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two answers plainly differ, as sources that disagree do: different numbers ("12 people",
    "15 people") or, without numbers, no word in common ("Russia", "Iran"), a word counting as in common
    when one begins the other ("Russia", "Russian forces"). Conservative: "Ada Brook" and "Ben Brook" do not
    conflict."""
    if not a or not b or same_answer(a, b):
        return False
    na, nb = {w for w in a if w.isdigit()}, {w for w in b if w.isdigit()}
    if na or nb:
        return na != nb
    return not any(len(x) >= 4 and len(y) >= 4 and (x.startswith(y) or y.startswith(x)) for x in a for y in b)


def outlet(row: ChunkRow) -> tuple[str, str]:
    """(key, name) of a chunk's outlet: its source's name (case and spaces ignored), else its link's host,
    else its article."""
    name = " ".join((row.source or "").split())
    if name:
        return source_key(name), name
    host = urlsplit(row.url or "").hostname or ""
    host = host.removeprefix("www.")
    if host:
        return "host:" + host, host
    return "article:" + row.article_id, row.article_id


def _local(reading: Reading) -> list[float]:
    """Each span's probability within its passage; a reading made without the normalisers falls back on its
    kept spans' own softmax."""
    norm = reading.start_norm + reading.end_norm
    if not math.isfinite(norm):
        norm = _logsumexp([s.logit for s in reading.spans])
    return [math.exp(min(s.logit - norm, 0.0)) for s in reading.spans]


def _logsumexp(x: Sequence[float]) -> float:
    m = max(x, default=-math.inf)
    return m + math.log(sum(math.exp(v - m) for v in x)) if math.isfinite(m) else m


@dataclass(frozen=True)
class _Reads:
    """What one passage's reading says of one answer: its probability within the passage and across the
    question's passages, and its best span there."""

    scored: Scored
    local: float
    shared: float
    span: Span


def _reads(s: Scored, words: Sequence[str]) -> _Reads | None:
    if s.reading is None or not s.reading.spans:
        return None
    local = shared = 0.0
    best: Span | None = None
    for span, p in zip(s.reading.spans, _local(s.reading)):
        if same_answer(claim_words(s.row.text[span.start:span.end]), words):
            local += p
            shared += math.exp(min(span.logit - s.reading.shared_norm, 0.0))
            best = best or span
    return _Reads(s, min(local, 1.0), shared, best) if best else None


def corroborate(ranked: Sequence[Scored], key: str, frame: TimeFrame | None = None) -> Corroboration:
    """Who reports the answer ``key`` (an ``answer_key``) among the read candidates, one count per independent
    source, and the differing answers of comparably strong passages (``disagreement``).

    Args:
        ranked: the final ranking, best first; only candidates with a reading take part.
        key: the answer, as ``index.ranking.answers.Candidate.key``.
        frame: the question's time frame; when it names a period, only candidates of that period take part
            (``of_the_period``).
    """
    words = claim_words(key)
    reads = [_reads(s, words) for s in ranked]
    kept = of_the_period(ranked, reads, frame)
    ranked, reads = [ranked[i] for i in kept], [reads[i] for i in kept]
    reports = [r for r in reads if r is not None and r.local >= SUPPORT]
    if not reports:
        return Corroboration()
    sources = tuple(outlet(group[0].scored.row)[1] for group in _stories(reports))
    first = reports[0]
    answer = Claim(first.scored.row.text[first.span.start:first.span.end], sources[0], first.scored.row.article_id)
    return Corroboration(sources, answer, _differing(ranked, words, reads))


def of_the_period(ranked: Sequence[Scored], reads: Sequence[_Reads | None], frame: TimeFrame | None) -> list[int]:
    """The positions of the candidates that may corroborate or contradict the answer: when the question names
    a period ("this week", "in 2023"), those no farther from it than the answer's first report (undated ones
    too). Another week's or year's story that gives the same answer reports another event: last year's
    word of the year, a monument removed in February for "which city removed its last monument this week"."""
    everything = list(range(len(ranked)))
    if frame is None or not frame.named:
        return everything
    first = next((r for r in reads if r is not None and r.local >= SUPPORT), None)
    day = parse_date(first.scored.row.date) if first is not None else None
    if day is None:
        return everything
    limit = frame.distance(day)
    return [i for i, s in enumerate(ranked) if (d := parse_date(s.row.date)) is None or frame.distance(d) <= limit]


def disagreement(ranked: Sequence[Scored], key: str) -> tuple[Claim, ...]:
    """The answers other than ``key`` that passages read confidently (``SUPPORT``) and about as strongly as the
    answer's strongest passage (``RIVAL``), that ``conflict`` with it: one per answer, each with the source
    of its first passage, in rank order."""
    words = claim_words(key)
    return _differing(ranked, words, [_reads(s, words) for s in ranked])


def _differing(ranked: Sequence[Scored], words: tuple[str, ...], reads: Sequence[_Reads | None]) -> tuple[Claim, ...]:
    """``disagreement``, given what each of ``ranked`` reads of the answer (``reads``, in the same order)."""
    reference = max((r.shared for r in reads if r is not None), default=0.0)
    if reference <= 0.0:
        return ()
    found: list[tuple[tuple[str, ...], Claim]] = []
    for s, own in zip(ranked, reads):
        if s.reading is None or not s.reading.spans:
            continue
        best = s.reading.spans[0]
        said = claim_words(s.row.text[best.start:best.end])
        if not conflict(said, words) or any(same_answer(said, w) for w, _ in found):
            continue
        r = _reads(s, said)
        if r is None or r.local < SUPPORT or r.shared < RIVAL * reference:
            continue
        if own is not None and own.local >= SUPPORT:  # a long span holding both: the passage says the answer
            continue
        found.append((said, Claim(s.row.text[r.span.start:r.span.end], outlet(s.row)[1], s.row.article_id)))
    return tuple(c for _, c in found)


def _stories(reports: Sequence[_Reads]) -> list[list[_Reads]]:
    """The reports grouped into independent sources, each in rank order, the groups by their first report:
    one article, one outlet, or near-duplicate text around the answer is one source (transitively)."""
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[max(root(i), root(j))] = min(root(i), root(j))

    outlets = [outlet(r.scored.row)[0] for r in reports]
    for i in range(len(reports)):
        for j in range(i):
            if outlets[i] == outlets[j] or reports[i].scored.row.article_id == reports[j].scored.row.article_id:
                join(i, j)
    if len({root(i) for i in range(len(reports))}) > 1:  # only then is any text compared (and hashed)
        sketches = [_sketch(answer_context(r.scored.row.text, r.span.start, r.span.end)) for r in reports]
        for i in range(len(reports)):
            for j in range(i):
                if root(i) != root(j) and _similar(sketches[i], sketches[j]):
                    join(i, j)
    groups: dict[int, list[_Reads]] = {}
    for i, r in enumerate(reports):
        groups.setdefault(root(i), []).append(r)
    return [groups[k] for k in sorted(groups)]


def answer_context(text: str, start: int, end: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words of ``text`` up to the answer (``start:end``) and from it on, each holding the answer's own
    words and up to ``CONTEXT_WORDS`` more, folded.

    Compared side by side, two copies of a story agree wherever both chunks reach, however differently the
    copies were cut into chunks (a chunk may end at the answer in one copy and begin with it in the other).
    """
    tokens = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
    inside = [i for i, (a, b, _) in enumerate(tokens) if b > start and a < end]
    if not inside:
        return (), ()
    first, last = inside[0], inside[-1]
    words = [w for _, _, w in tokens]
    return (tuple(words[max(0, first - CONTEXT_WORDS):last + 1]), tuple(words[first:last + 1 + CONTEXT_WORDS]))


_Sides = tuple[frozenset[str], frozenset[str]]


def _sketch(context: tuple[tuple[str, ...], tuple[str, ...]]) -> _Sides:
    """The word shingles of the sides before and after the answer. A side holds at most about 40 words, so
    the sets are compared exactly: a MinHash estimate of so few shingles erred by a third at times."""

    def side(words: tuple[str, ...]) -> frozenset[str]:
        return frozenset(" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))) - {""}

    return side(context[0]), side(context[1])


def _similar(a: _Sides, b: _Sides) -> bool:
    """Whether the shingles of the sides before and after the answer, together, are at least
    ``NEAR_DUPLICATE`` within the other text's: the shared shingles over the smaller sides' sizes."""
    common = smaller = 0
    for x, y in zip(a, b):
        if x and y:
            common += len(x & y)
            smaller += min(len(x), len(y))
    return smaller > 0 and common >= NEAR_DUPLICATE * smaller


def near_duplicate(a: str, a_span: tuple[int, int], b: str, b_span: tuple[int, int]) -> bool:
    """Whether two chunks are copies of one story, compared around their answers (``answer_context``)."""
    return _similar(_sketch(answer_context(a, *a_span)), _sketch(answer_context(b, *b_span)))
