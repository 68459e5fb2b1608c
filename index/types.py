"""Core value types shared by the engine and every front end.

They are small frozen dataclasses so answers can be passed between threads, compared in tests and
turned into the stable JSON shapes documented in the README without any front end re-deriving them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One cleaned article; ``text`` is what every chunk and quote is a span of."""

    id: str
    title: str
    text: str
    source: str | None = None
    url: str | None = None
    date: str | None = None
    origin: str = field(default="", compare=False)  # where it was read (file, file:line), for messages


@dataclass(frozen=True)
class Chunk:
    """A span of an article: ``text == article.text[start:end]`` always."""

    article_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class TextSpan:
    """Words of an article, verbatim: ``article.text[start:end] == text``."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class PassageAttribution:
    """Who says what a passage's highlighted sentence reports (said, wrote, believes, announced), and how.

    Every span is verbatim in the article. ``source`` is who says it, as named: the name itself, or, for a
    "he"/"she" the rules resolved to a name, that name where it stands earlier, with the pronoun in the
    sentence as ``pronoun``; None when no one is named (a source-less cue, an unresolved pronoun). ``cue``
    is the reporting words ("said", "according to"); ``via`` the outlet that relays the source ("SANA
    quoted the ministry as saying"), or None.
    """

    source: TextSpan | None
    cue: TextSpan
    via: TextSpan | None = None
    pronoun: TextSpan | None = None

    def credit(self) -> str | None:
        """The line a reader sees under the quote, less its dash: "the Russian defense ministry, via SANA",
        "Russia", "via SANA"; None when there is no one to name."""
        who = " ".join(self.source.text.split()) if self.source else ""
        via = " ".join(self.via.text.split()) if self.via else ""
        if who and via:
            return f"{who}, via {via}"
        return who or (f"via {via}" if via else None)

    def to_dict(self) -> dict[str, Any]:
        source = None
        if self.source:
            source = {**self.source.to_dict(), "pronoun": self.pronoun.to_dict() if self.pronoun else None}
        return {"source": source, "cue": self.cue.to_dict(), "via": self.via.to_dict() if self.via else None}


@dataclass(frozen=True)
class Passage:
    """A quoted span with its article's metadata and the best-answering sentence inside it.

    ``highlight`` is ``(start, end)`` relative to ``text``; ``attribution`` says who the highlighted
    sentence reports as saying it, when it reports anyone (``index.ranking.attributed``).
    """

    article_id: str
    title: str
    source: str | None
    url: str | None
    date: str | None
    text: str
    start: int
    end: int
    highlight: tuple[int, int]
    score: float
    attribution: PassageAttribution | None = None

    @property
    def highlighted(self) -> str:
        """The highlighted sentence itself."""
        return self.text[self.highlight[0] : self.highlight[1]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "date": self.date,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "highlight": [self.highlight[0], self.highlight[1]],
            "score": round(self.score, 4),
            "attribution": self.attribution.to_dict() if self.attribution else None,
        }


@dataclass(frozen=True)
class Claim:
    """An answer as one source reads it: the span's text verbatim, the outlet's name and the article
    (``index.ranking.corroboration``)."""

    text: str
    source: str
    article_id: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "source": self.source, "article_id": self.article_id}


@dataclass(frozen=True)
class Corroboration:
    """Who reports an answer, counted once per independent source, and who says otherwise
    (``index.ranking.corroboration.corroborate``).

    Attributes:
        sources: one outlet name per independent source, in rank order.
        answer: the answer as the first of them reads it; None when none reports it.
        differ: the differing answers of comparably strong passages, each with its source, in rank order.
    """

    sources: tuple[str, ...] = ()
    answer: Claim | None = None
    differ: tuple[Claim, ...] = ()

    @property
    def count(self) -> int:
        """Independent sources reporting the answer."""
        return len(self.sources)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: ``{"count", "sources", "differ": [{"text", "source", "article_id"}]}``."""
        return {"count": self.count, "sources": list(self.sources), "differ": [c.to_dict() for c in self.differ]}

    def line(self) -> str:
        """What a front end shows after the answer: that sources differ, with each one's answer, or how many
        report it; empty when none does."""
        if self.answer is not None and self.differ:
            claims = [f"{self.answer.text} ({', '.join(self.sources)})",
                      *(f"{c.text} ({c.source})" for c in self.differ)]
            return "sources differ: " + " · ".join(claims)
        if not self.count:
            return ""
        return f"reported by {self.count} source{'s' if self.count != 1 else ''}: {', '.join(self.sources)}"


@dataclass(frozen=True)
class AnswerSpan:
    """The exact answer words: ``passages[passage].text[start:end]``, verbatim, with the reader's confidence
    and who reports them (``index.ranking.corroboration``; None where it was not counted)."""

    text: str
    passage: int
    start: int
    end: int
    confidence: float
    corroboration: Corroboration | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "passage": self.passage, "start": self.start, "end": self.end,
                "confidence": round(self.confidence, 4),
                "corroboration": self.corroboration.to_dict() if self.corroboration else None}


@dataclass(frozen=True)
class Answer:
    """The engine's reply to one question; ``found`` is False (and no passages) below the floor.

    ``answer`` is the one-line answer, shown only when the reader is confident of it; without it the
    passages are the closest found, not a claim that they answer.
    """

    question: str
    passages: tuple[Passage, ...] = ()
    id: str | None = None
    found: bool = field(default=False)
    answer: AnswerSpan | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "found": self.found,
            "answer": self.answer.to_dict() if self.answer else None,
            "passages": [p.to_dict() for p in self.passages],
        }
