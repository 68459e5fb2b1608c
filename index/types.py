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
class Passage:
    """A quoted span with its article's metadata and the best-answering sentence inside it.

    ``highlight`` is ``(start, end)`` relative to ``text``.
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
        }


@dataclass(frozen=True)
class AnswerSpan:
    """The exact answer words: ``passages[passage].text[start:end]``, verbatim, with the reader's confidence."""

    text: str
    passage: int
    start: int
    end: int
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "passage": self.passage, "start": self.start, "end": self.end,
                "confidence": round(self.confidence, 4)}


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
