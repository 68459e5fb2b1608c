"""Turn raw article text into the clean text that chunks and quotes are spans of.

Page furniture ("Exit mobile version", "Share this", "Advertisement") sits at the edges of scraped
text as short lines that are not sentences. Rather than keep a list of such phrases, which is never
complete, edge lines are dropped when they are short and carry no sentence punctuation.

Nothing is dropped from the middle: every quote must be a contiguous span of the text as given. Calls to
action between paragraphs ("Need a break? Play the USA TODAY Daily Crossword Puzzle.") stay in the text,
and chunking keeps them out of every chunk (``quotable_runs``), so no quote contains or bridges one.
"""

from __future__ import annotations

import re
import unicodedata

# Control characters: not text (NUL and friends break the stores and the tokenizers), so they are dropped.
# Zero-width and format characters (U+200B-U+200D, U+2060, U+FEFF, the soft hyphen) are text as given and
# stay: dropping them shifted every offset after them, and a quote must be a slice of the text as given
# (issue 19 #16). What is shown may leave them out; the stored text keeps them.
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")
_SENTENCE_END = re.compile(r"[.!?…:;\"”’»)\]]\s*$")
FURNITURE_MAX_WORDS = 6
# Mid-article furniture looks like a sentence, and shape alone cannot tell it from a heading or a short
# paragraph that holds an answer; so only a call to do something on the site counts: an optional
# question or label ("Need a break?", "NEWSLETTER:"), then a site verb and a site object.
_PROMO = re.compile(
    r"""\W*(?:(?:story\ continues\ below\ )?advertisement\W*$
    |(?:[^.!?:\n]*[?:]\s*)?(?:sign\ up|subscribe|play|click|tap|download|follow|read|watch|listen|check|get|join)\b
     [^.!?\n]*\b(?:here|newsletters?|crossword|puzzles?|app|podcast|inbox|subscribers?)\b)""",
    re.I | re.X,
)
PROMO_MAX_WORDS = 40


def normalise(raw: str) -> str:
    """NFC, unix newlines, no control characters, no trailing spaces, at most one blank line in a row.

    Zero-width characters are kept (see ``_CONTROL``)."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text).replace("\t", " ").replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def is_furniture(line: str) -> bool:
    """A short line with no sentence punctuation: a menu item, a button, a share prompt."""
    stripped = line.strip()
    if not stripped:
        return True
    words = stripped.split(maxsplit=FURNITURE_MAX_WORDS)  # bounded: a whole book can be one line
    return len(words) <= FURNITURE_MAX_WORDS and not _SENTENCE_END.search(stripped)


def strip_furniture(text: str) -> str:
    """Drop furniture lines from both edges of a body (its title already taken off), keeping at least one."""
    lines = text.split("\n")
    first, last = 0, len(lines)
    while last - first > 1 and is_furniture(lines[last - 1]):
        last -= 1
    while last - first > 1 and is_furniture(lines[first]):
        first += 1
    if (first, last) == (0, len(lines)):
        return text.strip()
    return "\n".join(lines[first:last]).strip()


def is_promo(line: str) -> bool:
    """A call to action between paragraphs: a newsletter, a puzzle, "Read more here", "Advertisement"."""
    stripped = line.strip()
    if len(stripped) > 12 * PROMO_MAX_WORDS or len(stripped.split()) > PROMO_MAX_WORDS:
        return False
    return bool(_PROMO.match(stripped))


def quotable_runs(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of ``text`` between promo lines, in order: what chunks and quotes come from."""
    runs: list[tuple[int, int]] = []
    start = 0
    for line in re.finditer(r"[^\n]+", text):
        if is_promo(line.group()):
            if line.start() > start:
                runs.append((start, line.start()))
            start = line.end()
    if start < len(text):
        runs.append((start, len(text)))
    return runs


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


def not_utf8(text: str) -> str | None:
    """Why ``text`` is not valid UTF-8 text, or None.

    Bytes that are not UTF-8 reach Python as lone surrogates ('\\udcff' in argv, and on stdin once chat
    asks for surrogateescape), and JSON allows "\\ud800"; the tokenizers raise a TypeError on them.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        if 0xDC80 <= code <= 0xDCFF:
            return f"is not valid UTF-8 (byte 0x{code - 0xDC00:02x} at character {exc.start + 1})"
        return f"is not valid text (lone surrogate \\u{code:04x} at character {exc.start + 1})"
    return None
