"""Question files (``ask --batch``, ``eval``): JSONL lines read and checked, each bad line named by number.

Pure functions: no console, no Engine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import InputError
from index.ingest.cleaning import not_utf8


@dataclass(frozen=True)
class Question:
    """One question to answer; ``id`` as its batch line gave it (a string, or an int kept an int)."""

    text: str
    id: str | int | None = None
    asked_at: str | None = None


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, object) per non-blank line, or (line number, ValueError) for a line that is not
    UTF-8 JSON, so each caller chooses to skip it or stop; an unreadable file is an InputError."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for n, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield n, ValueError(f"not valid UTF-8 (byte {exc.start + 1} of the line); re-save it as UTF-8")
                continue
            if line.strip():
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield n, ValueError(f"malformed JSON ({exc.msg})")


def question_from(obj: Any, n: int) -> Question:
    """Line ``n`` of a batch or eval file as a Question; a ValueError says what is wrong with it."""
    from index.engine import too_long
    from index.ranking.timeframe import as_of

    if isinstance(obj, ValueError):
        raise obj
    if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
        raise ValueError('expected {"id": ..., "question": "..."}')
    qid = obj.get("id")
    if qid is None:
        qid = str(n)
    elif isinstance(qid, bool) or not isinstance(qid, (str, int)):
        raise ValueError(f"id must be a string or an integer, got {json.dumps(qid)}")
    elif isinstance(qid, str) and (why := not_utf8(qid)):
        raise ValueError(f"id {why}")
    text = obj["question"]
    if not text.strip():
        raise ValueError("empty question")
    if why := not_utf8(text):
        raise ValueError(f"question {why}")
    if why := too_long(text):
        raise ValueError(why)
    asked_at = obj.get("asked_at")
    if asked_at is not None:
        if not isinstance(asked_at, str):
            raise ValueError(f"asked_at must be an ISO date string, got {json.dumps(asked_at)}")
        try:
            as_of(asked_at)
        except ValueError as exc:
            raise ValueError(f"asked_at: {exc}") from None
    return Question(text, qid, asked_at)


def batch_questions(path: Path) -> tuple[list[Question], list[str]]:
    """The good questions of a batch file, and ``file:line: reason`` for each line that is not one.

    A bad line never costs the others their answers (as in ``index``); ids must be unique, since
    answers are matched to questions by id.
    """
    good: list[Question] = []
    bad: list[str] = []
    first_line: dict[str, int] = {}
    for n, obj in read_jsonl(path):
        try:
            q = question_from(obj, n)
            if str(q.id) in first_line:
                raise ValueError(f"duplicate id {json.dumps(q.id)} (first on line {first_line[str(q.id)]})")
        except ValueError as exc:
            bad.append(f"{path}:{n}: {exc}")
            continue
        first_line[str(q.id)] = n
        good.append(q)
    return good, bad
