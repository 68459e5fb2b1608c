"""A token tagger for attribution: source, cue and content tags (BIO) over an article's tokens, read by a
MiniLM encoder fine-tuned on PolNeAR's train split (``train/attribution_tagger.py``), run by onnxruntime.

The article is cut into windows of whole sentences (at most ``MAX_TOKENS`` word pieces): each window reads
the sentence before it as context (token type 0) and tags its own sentences (token type 1), so every token is
tagged once. The tags become spans, and the spans attributions: each cue one attribution, each source and
content span going to the nearest cue of its sentence; a content without a cue in its sentence continues the
attribution before it in the paragraph (or the one after it, at the paragraph's start).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.attribution.tokens import paragraphs
from index.models.onnx import cpu_session
from index.text.sentences import split_sentences

if TYPE_CHECKING:
    from tokenizers import Tokenizer

SHIPPED = Path(__file__).resolve().parent.parent / "models" / "weights" / "attribution"
MAX_TOKENS = 128
CONTEXT_TOKENS = 32
ROLES = ("source", "cue", "content")
NOT_CUES = frozenset("is are was were be been being am has have had 's ’s".split())
"""A cue of only an auxiliary is dropped (its attribution with it): PolNeAR train has 13 among 19,832."""
TAGS = ("O",) + tuple(f"{p}-{r}" for r in ROLES for p in ("B", "I"))
"""Tag ids: 0 O, 1 B-source, 2 I-source, 3 B-cue, 4 I-cue, 5 B-content, 6 I-content."""

Span = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """Model input: ``ids`` with [CLS]/[SEP], ``types`` (1 on tagged tokens), and ``tagged[k]`` the article
    token index of input position k (-1 for context and special tokens)."""

    ids: list[int]
    types: list[int]
    tagged: list[int]


@dataclass
class Layout:
    """An article's word pieces (``offsets``), its sentences as token ranges, and each sentence's paragraph."""

    offsets: list[Span]
    ids: list[int]
    sentences: list[tuple[int, int]]
    paragraph: list[int]


def layout(text: str, tokenizer: Tokenizer) -> Layout:
    """Tokenize ``text`` once and place its sentences (``index.text.sentences``, per paragraph)."""
    enc = tokenizer.encode(text, add_special_tokens=False)
    offsets = [tuple(o) for o in enc.offsets]
    ids = list(enc.ids)
    sents: list[tuple[int, int]] = []
    para: list[int] = []
    k = 0
    for p, (ps, pe) in enumerate(paragraphs(text)):
        for s, e in split_sentences(text, ps, pe):
            while k < len(offsets) and offsets[k][1] <= s:
                k += 1
            first = k
            while k < len(offsets) and offsets[k][0] < e:
                k += 1
            if k > first:
                sents.append((first, k))
                para.append(p)
    return Layout([(int(a), int(b)) for a, b in offsets], ids, sents, para)


def windows(lay: Layout, cls: int, sep: int, max_tokens: int = MAX_TOKENS) -> list[Window]:
    """Whole sentences packed into windows, each after the previous sentence's last tokens as context."""
    room = max_tokens - 3
    pieces: list[tuple[int, int]] = []  # sentence token ranges, a long one cut
    for a, b in lay.sentences:
        while b - a > room - CONTEXT_TOKENS:
            pieces.append((a, a + room - CONTEXT_TOKENS))
            a += room - CONTEXT_TOKENS
        pieces.append((a, b))
    out: list[Window] = []
    i = 0
    while i < len(pieces):
        start = pieces[i][0]
        context = [] if i == 0 else list(range(max(pieces[i - 1][0], start - CONTEXT_TOKENS), start))
        end = pieces[i][1]
        j = i + 1
        while j < len(pieces) and pieces[j][1] - start + len(context) <= room:
            end = pieces[j][1]
            j += 1
        body = list(range(start, end))
        ids = [cls] + [lay.ids[k] for k in context] + [sep] + [lay.ids[k] for k in body] + [sep]
        types = [0] * (len(context) + 2) + [1] * (len(body) + 1)
        tagged = [-1] * (len(context) + 2) + body + [-1]
        out.append(Window(ids, types, tagged))
        i = j
    return out


def batch(ws: list[Window]) -> dict[str, np.ndarray]:
    """Padded model inputs for windows."""
    n = max(len(w.ids) for w in ws)
    ids = np.zeros((len(ws), n), dtype=np.int64)
    mask = np.zeros((len(ws), n), dtype=np.int64)
    types = np.zeros((len(ws), n), dtype=np.int64)
    for r, w in enumerate(ws):
        ids[r, : len(w.ids)] = w.ids
        mask[r, : len(w.ids)] = 1
        types[r, : len(w.ids)] = w.types
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


@dataclass
class Tagged:
    """One decoded attribution: article spans."""

    source: Span | None
    cue: Span
    content: list[Span]


def whole_words(text: str, lay: Layout, tags: np.ndarray) -> np.ndarray:
    """Tags with every word piece after a word's first taking that piece's role (as inside tags)."""
    out = tags.copy()
    for k in range(1, len(lay.offsets)):
        s = lay.offsets[k][0]
        if s == lay.offsets[k - 1][1] and s > 0 and _wordy(text[s]) and _wordy(text[s - 1]):
            out[k] = 0 if out[k - 1] == 0 else out[k - 1] + (1 - (out[k - 1] - 1) % 2)
    return out


def _wordy(c: str) -> bool:
    return c.isalnum() or c in "'’"


def decode(text: str, lay: Layout, tags: np.ndarray) -> list[Tagged]:
    """Attributions from one tag id per article token (``tags``), each word tagged as its first piece.

    Each cue is one attribution; sources go to cues of their sentence, nearest pairs first, one each (a
    cue left without one takes the source of the cue before it in the sentence); a content goes to the
    nearest cue of its sentence, or without one continues an attribution of its paragraph."""
    tags = whole_words(text, lay, tags)
    spans: list[tuple[str, int, int]] = []  # role, first token, last token + 1
    for k, t in enumerate(tags.tolist()):
        if t == 0:
            continue
        role = ROLES[(t - 1) // 2]
        begin = (t - 1) % 2 == 0
        if spans and spans[-1][0] == role and spans[-1][2] == k and not begin:
            spans[-1] = (role, spans[-1][1], k + 1)
        else:
            spans.append((role, k, k + 1))
    def chars(a: int, b: int) -> Span:
        return (lay.offsets[a][0], lay.offsets[b - 1][1])

    sentence_of = np.zeros(len(lay.offsets), dtype=np.int64) - 1
    for n, (a, b) in enumerate(lay.sentences):
        sentence_of[a:b] = n

    spans = [(r, a, b) for r, a, b in spans if r != "cue" or text[slice(*chars(a, b))].lower() not in NOT_CUES]
    cues = [(a, b) for r, a, b in spans if r == "cue"]
    found = [Tagged(None, chars(a, b), []) for a, b in cues]
    cue_sent = [int(sentence_of[a]) for a, _ in cues]

    def distance(a: int, b: int, n: int) -> int | None:
        ca, cb = cues[n]
        if cue_sent[n] != int(sentence_of[a]) and cue_sent[n] != int(sentence_of[b - 1]):
            return None
        return ca - b if ca >= b else a - cb

    pairs: list[tuple[int, int, int]] = []  # distance, source number, cue number
    sources: list[tuple[int, int]] = []
    loose: list[tuple[int, int]] = []
    for role, a, b in spans:
        if role == "cue":
            continue
        near = [(d, n) for n in range(len(cues)) if (d := distance(a, b, n)) is not None]
        if role == "source":
            pairs += [(d, len(sources), n) for d, n in near]
            sources.append((a, b))
        elif near:
            found[min(near)[1]].content.append(chars(a, b))
        else:
            loose.append((a, b))
    placed: set[int] = set()
    for _, m, n in sorted(pairs):
        if m not in placed and found[n].source is None:
            found[n].source = chars(*sources[m])
            placed.add(m)
    for n in range(1, len(found)):
        if found[n].source is None and cue_sent[n - 1] == cue_sent[n] and found[n - 1].source is not None:
            found[n].source = found[n - 1].source
    # a content without a cue of its own continues the attribution before it in its paragraph, else after it
    for a, b in loose:
        s = int(sentence_of[a])
        p = lay.paragraph[s] if s >= 0 else -1
        before = [n for n in range(len(cues)) if cues[n][1] <= a and found[n].content
                  and lay.paragraph[cue_sent[n]] == p]
        after = [n for n in range(len(cues)) if cues[n][0] >= b and lay.paragraph[cue_sent[n]] == p]
        owner = before[-1] if before else (after[0] if after else None)
        if owner is not None:
            found[owner].content.append(chars(a, b))
    out = []
    for f in found:
        if not f.content:
            continue
        f.content = _merged(text, sorted(f.content))
        out.append(f)
    return sorted(out, key=lambda f: f.content[0][0])


def _merged(text: str, pieces: list[Span]) -> list[Span]:
    """Content pieces with only spaces between them become one."""
    out = [pieces[0]]
    for a, b in pieces[1:]:
        if not text[out[-1][1] : a].strip() or a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def tag_article(tags_of_windows: list[np.ndarray], ws: list[Window], n_tokens: int) -> np.ndarray:
    """One tag per article token from the windows' tags."""
    tags = np.zeros(n_tokens, dtype=np.int64)
    for w, t in zip(ws, tags_of_windows):
        for k, pos in enumerate(w.tagged):
            if pos >= 0:
                tags[pos] = t[k]
    return tags


class Tagger:
    """The shipped tagger (``model.onnx``, ``tokenizer.json``, ``meta.json`` in ``folder``)."""

    def __init__(self, folder: Path = SHIPPED, threads: int = 1) -> None:
        import tokenizers

        self.meta: dict[str, Any] = json.loads((folder / "meta.json").read_text())
        self._session = cpu_session(folder / "model.onnx", threads)
        self._tokenizer = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._cls = int(self._tokenizer.token_to_id("[CLS]") or 0)
        self._sep = int(self._tokenizer.token_to_id("[SEP]") or 0)
        self._lock = threading.Lock()

    def tag(self, text: str) -> tuple[Layout, np.ndarray]:
        """The article's layout and one tag id per token."""
        with self._lock:
            lay = layout(text, self._tokenizer)
        ws = windows(lay, self._cls, self._sep)
        if not ws:
            return lay, np.zeros(0, dtype=np.int64)
        (logits,) = self._session.run(None, batch(ws))
        return lay, tag_article(list(logits.argmax(-1)), ws, len(lay.offsets))

    def attributions(self, text: str) -> list[Tagged]:
        lay, tags = self.tag(text)
        return decode(text, lay, tags) if len(tags) else []
