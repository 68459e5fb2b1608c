"""Turn raw article text into the clean text that chunks and quotes are spans of.

Page furniture ("Exit mobile version", "Share this", "Advertisement") sits at the edges of scraped
text as short lines that are not sentences. Rather than keep a list of such phrases, which is never
complete, edge lines are dropped when they are short and carry no sentence punctuation.
"""

from __future__ import annotations

import re
import unicodedata

# Format and control characters that change nothing a reader sees but break matching and offsets.
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200d\u2060\ufeff\u00ad]")
_SENTENCE_END = re.compile(r"[.!?…:;\"”’»)\]]\s*$")
FURNITURE_MAX_WORDS = 6


def normalise(raw: str) -> str:
    """NFC, unix newlines, no invisible characters, no trailing spaces, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text).replace("\t", " ").replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def is_furniture(line: str) -> bool:
    """A short line with no sentence punctuation: a menu item, a button, a share prompt."""
    stripped = line.strip()
    if not stripped:
        return True
    return len(stripped.split()) <= FURNITURE_MAX_WORDS and not _SENTENCE_END.search(stripped)


def strip_furniture(text: str) -> str:
    """Drop furniture lines from both edges of a body (its title already taken off), keeping at least one."""
    lines = [line for line in text.split("\n")]
    while len(lines) > 1 and is_furniture(lines[-1]):
        lines.pop()
    while len(lines) > 1 and is_furniture(lines[0]):
        lines.pop(0)
    return "\n".join(lines).strip()


def clean(raw: str) -> str:
    """Normalised text without edge furniture."""
    return strip_furniture(normalise(raw))


def split_title(text: str) -> tuple[str, str]:
    """Title and body of a plain-text or markdown article: the first heading, else the first line."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            title = re.sub(r"^#{1,6}\s+", "", line.strip()).strip("# ").strip()
            body = "\n".join(lines[i + 1 :]).strip()
            return title, body
    return "", ""
