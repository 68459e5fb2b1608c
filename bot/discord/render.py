"""An engine Answer as Discord messages: pure functions, no I/O, every Discord limit respected.

A quote is shortened only by dropping whole sentences (whole words for a sentence longer than the
space left) and marking the cut with an ellipsis; the words shown are always the article's own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import discord

from bot.discord.safety import URL_PATTERN, break_invites, escape_text
from index.text.dates import timestamp
from index.text.sentences import split_sentences
from index.feedback import Quote
from index.types import Answer, Passage

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_LIMIT = 6000  # title + description + fields + footer + author, over all embeds of a message
THREAD_NAME_LIMIT = 100

PER_PAGE_MAX = 5  # the /ask "results" option's range is 1..5
FOOTER_PART_MAX = 120  # a runaway source or date string must not crowd out the quote
QUESTION_SHOWN_MAX = 300
ANSWER_SHOWN_MAX = 300
SOURCES_SHOWN_MAX = 400  # who reports the answer ("reported by 3 sources: …"): many outlets must not crowd it out
ATTRIBUTION_MAX = 160  # the "— source, via outlet" line under a quote: a runaway span must not crowd it out
COLOUR = 0x3B82F6
ELLIPSIS = "…"

NO_MATCH = ("Sorry, I couldn't find a good match for that in the indexed articles, so I won't quote "
            "anything. Try rephrasing, or ask about something the articles cover.")


@dataclass
class Page:
    """One message's worth of an answer, with an "Open article" link (label, url) per quote that has an
    http(s) address, and the question and quotes shown, which a reader's vote records."""

    content: str
    embeds: list[discord.Embed]
    links: list[tuple[str, str]] = field(default_factory=list)
    question: str = ""
    quotes: tuple[Quote, ...] = ()


def dlen(text: str) -> int:
    """Length as counted against Discord's limits; UTF-16 units, which is never less than code points."""
    return len(text.encode("utf-16-le")) // 2


def clip_words(text: str, limit: int, escape: Callable[[str], str] = escape_text) -> str:
    """``escape(text)`` with whitespace collapsed, cut at a word boundary with an ellipsis to fit ``limit``."""
    words = text.split()
    full = escape(" ".join(words))
    if dlen(full) <= limit:
        return full
    n = _last_fitting(0, len(words), lambda n: n == 0 or dlen(escape(" ".join(words[:n])) + " " + ELLIPSIS) <= limit)
    if n:
        return escape(" ".join(words[:n])) + " " + ELLIPSIS
    return _hard_cut(words[0] if words else "", limit, escape, "", ELLIPSIS)


def _hard_cut(text: str, limit: int, escape: Callable[[str], str], before: str, after: str) -> str:
    """Only for a single "word" longer than the whole space (not prose): cut it by characters."""
    n = _last_fitting(0, len(text), lambda n: n == 0 or dlen(before + escape(text[:n]) + after) <= limit)
    out = before + escape(text[:n]) + after
    return out if dlen(out) <= limit else (ELLIPSIS if limit >= 1 else "")


def _last_fitting(lo: int, hi: int, fits: Callable[[int], bool]) -> int:
    """The largest n in [lo, hi] with fits(n), given fits(lo); binary search, as a sentence can be long."""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _render_span(text: str, a: int, b: int, bold: tuple[int, int] | None) -> str:
    """``text[a:b]`` escaped, the part inside ``bold`` in bold, ellipses where text was left out."""
    out = []
    if text[:a].strip():
        out.append(ELLIPSIS + " ")
    shown = _safe_bold(text, max(a, bold[0]), min(b, bold[1])) if bold else None
    if shown:
        hs, he = shown
        out += [escape_text(text[a:hs]), "**", escape_text(text[hs:he]), "**", escape_text(text[he:b])]
    else:
        out.append(escape_text(text[a:b]))
    if text[b:].strip():
        out.append(" " + ELLIPSIS)
    return "".join(out)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    start, end = max(0, start), min(len(text), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _url_before(text: str, x: int) -> int | None:
    """Start of a bare URL that Discord would extend up to position ``x`` (it reads up to a space or "<")."""
    for url in URL_PATTERN.finditer(text, 0, len(text)):
        if url.start() >= x:
            return None
        if not re.search(r"[\s<]", text[url.start() : x]):
            return url.start()
    return None


def _safe_bold(text: str, hs: int, he: int) -> tuple[int, int] | None:
    """``text[hs:he]`` trimmed, with its "**" markers kept out of bare URLs.

    Discord reads a link up to the next space, so a marker touching one would become part of it.
    """
    while True:
        region = _trimmed(text, hs, he)
        if region is None:
            return None
        hs, he = region
        url = _url_before(text, he)
        if url is None:
            break
        he = url
    if _url_before(text, hs) is not None:
        gap = re.search(r"\s", text[hs:he])
        hs = hs + gap.end() if gap else he
    return _trimmed(text, hs, he) if hs < he else None


def _grow(units: Sequence[tuple[int, int]], i: int, j: int, fits: Callable[[int, int], bool]) -> tuple[int, int]:
    """Widen units[i..j] one unit at a time, after then before, while the rendering fits."""
    grew = True
    while grew:
        grew = False
        if j + 1 < len(units) and fits(units[i][0], units[j + 1][1]):
            j, grew = j + 1, True
        if i > 0 and fits(units[i - 1][0], units[j][1]):
            i, grew = i - 1, True
    return i, j


def quote_span(text: str, highlight: tuple[int, int], limit: int) -> tuple[str, int, int]:
    """The quote as markdown within ``limit``, and the span ``text[a:b]`` it shows.

    Whole sentences around the highlighted one are kept while they fit; if the highlighted sentence
    alone is too long, it is shown from its first word up to the last whole word that fits.
    """
    text = break_invites(text)  # on the whole text, as a cut or a bold marker may split an invite; same offsets
    bold = _trimmed(text, *highlight) if highlight[0] < highlight[1] else None

    def fits(a: int, b: int) -> bool:
        return dlen(_render_span(text, a, b, bold)) <= limit

    sentences = split_sentences(text)
    if not sentences:
        return "", 0, 0
    core = [k for k, (s, e) in enumerate(sentences) if bold and s < bold[1] and e > bold[0]]
    i, j = (core[0], core[-1]) if core else (0, 0)
    if fits(sentences[i][0], sentences[j][1]):
        i, j = _grow(sentences, i, j, fits)
        a, b = sentences[i][0], sentences[j][1]
        return _render_span(text, a, b, bold), a, b
    words = [m.span() for m in re.finditer(r"\S+", text)]
    start = bold[0] if bold else sentences[i][0]
    first = next(k for k, (_, e) in enumerate(words) if e > start)
    a = words[first][0]
    if fits(a, words[first][1]):
        last = _last_fitting(first, len(words) - 1, lambda n: fits(a, words[n][1]))
        return _render_span(text, a, words[last][1], bold), a, words[last][1]
    before = ELLIPSIS + " " if text[:a].strip() else ""
    return _hard_cut(text[a : words[first][1]], limit, escape_text, before, " " + ELLIPSIS), a, a


def safe_url(url: str | None) -> str | None:
    """A link Discord will accept in an embed (http/https only), else None: a bad URL fails the whole send."""
    if not url or len(url) > 2000 or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


BEST = "best match"
ALSO = "also relevant"


def strength(rank: int) -> str:
    """The match strength in words. The engine's scores are z-scored fusions, comparable only within one
    answer, so a number would mean nothing to a reader; what is honest is the order: quote 1 is the best
    match, and a later one is shown only when it came close to it (search.evidence_margin)."""
    return BEST if rank == 1 else ALSO


def footer_text(p: Passage, rank: int) -> str:
    """Source and match strength; footers show plain text (no markdown, no mentions), so no escaping."""
    source = clip_words(p.source or "unknown source", FOOTER_PART_MAX, escape=lambda s: s)
    return f"{source} · {strength(rank)}"


def date_line(p: Passage) -> str:
    """The publish date as a Discord timestamp, shown in each reader's own zone and language (footers
    don't render timestamps, so this heads the description); "Undated" when the article has none."""
    moment = timestamp(p.date)
    return f"Published <t:{int(moment.timestamp())}:D>" if moment else "Undated"


def attribution_line(p: Passage) -> str:
    """Who the highlighted sentence says is speaking, as a line under the quote ("\n— Russia"), escaped and cut
    to ``ATTRIBUTION_MAX``; empty when it names no one."""
    credit = p.attribution.credit() if p.attribution else None
    return "\n— " + clip_words(credit, ATTRIBUTION_MAX - 3) if credit else ""


def _title(rank: int, p: Passage) -> str:
    prefix = f"{rank}. "
    return prefix + clip_words(p.title or "(untitled)", TITLE_LIMIT - dlen(prefix))


def page_embeds(passages: Sequence[Passage], first_rank: int) -> list[discord.Embed]:
    """One embed per passage, the quotes sharing what the titles, footers, dates and attribution lines leave
    of 6000 chars."""
    heads = [(_title(first_rank + n, p), footer_text(p, first_rank + n), date_line(p) + "\n", attribution_line(p))
             for n, p in enumerate(passages)]
    fixed = sum(dlen(t) + dlen(f) + dlen(d) + dlen(a) for t, f, d, a in heads)
    budget = min(DESCRIPTION_LIMIT - max(dlen(d) + dlen(a) for _, _, d, a in heads) if heads else DESCRIPTION_LIMIT,
                 (EMBED_TOTAL_LIMIT - fixed) // max(1, len(passages)))
    embeds = []
    for p, (title, footer, when, said) in zip(passages, heads):
        quote, _, _ = quote_span(p.text, p.highlight, budget)
        embed = discord.Embed(title=title, url=safe_url(p.url), description=when + quote + said, colour=COLOUR)
        embed.set_footer(text=footer)
        embeds.append(embed)
    return embeds


def article_links(passages: Sequence[Passage], first_rank: int) -> list[tuple[str, str]]:
    """An "Open article N" button's label and address per quote; none for a file:// or other address."""
    return [(f"Open article {first_rank + n}", url) for n, p in enumerate(passages) if (url := safe_url(p.url))]


def shown_quotes(passages: Sequence[Passage]) -> tuple[Quote, ...]:
    """The passages as a vote records them: article id, span in the article, and text."""
    return tuple(Quote(p.article_id, p.start, p.end, p.text) for p in passages)


VOTES = (("Helpful", 1, discord.ButtonStyle.success), ("Not helpful", -1, discord.ButtonStyle.secondary))
THANKS = "Thanks — recorded."


def vote_buttons(on_vote: Callable[[discord.Interaction, int], Awaitable[None]]) -> list[discord.ui.Button]:
    """"Helpful" / "Not helpful" buttons whose press calls ``on_vote(interaction, +1 or -1)``."""
    buttons = []
    for label, vote, style in VOTES:
        button: discord.ui.Button = discord.ui.Button(style=style, label=label)

        async def pressed(interaction: discord.Interaction, vote: int = vote) -> None:
            await on_vote(interaction, vote)

        button.callback = pressed  # type: ignore[method-assign]
        buttons.append(button)
    return buttons


def _question_line(question: str) -> str:
    return clip_words(question, QUESTION_SHOWN_MAX)


def answer_pages(answer: Answer, per_page: int) -> list[Page]:
    """The answer as pages of ``per_page`` quotes (1..5); one polite page when nothing matched."""
    if not answer.found or not answer.passages:
        return [Page(content=no_match_text(answer.question), embeds=[])]
    per_page = min(max(per_page, 1), PER_PAGE_MAX)
    total = len(answer.passages)
    pages = []
    for start in range(0, total, per_page):
        group = answer.passages[start : start + per_page]
        if total == 1:
            head = "1 quote"
        elif len(group) == 1:
            head = f"Quote {start + 1} of {total}"
        else:
            head = f"Quotes {start + 1}–{start + len(group)} of {total}"
        content = f"**{head}** for: {_question_line(answer.question)}"
        if start == 0 and answer.answer is not None:
            content += "\n" + answer_line(answer)
        pages.append(Page(content=content, embeds=page_embeds(group, start + 1), links=article_links(group, start + 1),
                          question=answer.question, quotes=shown_quotes(group)))
    return pages


def answer_line(answer: Answer) -> str:
    """The one-line answer: verbatim words of a quote, escaped, above the quotes, with who reports it
    ("· reported by 3 sources: CNN, Reuters, SANA") or, when sources differ, each answer with its sources
    (escaped too: outlet names come from the articles)."""
    assert answer.answer is not None
    said = clip_words(answer.answer.text, ANSWER_SHOWN_MAX)
    sources = answer.answer.corroboration.line() if answer.answer.corroboration else ""
    if sources:
        said += " · " + clip_words(sources, SOURCES_SHOWN_MAX)
    return f"**Answer:** {said} -# (quote {answer.answer.passage + 1})"


def thread_header(question: str) -> str:
    """The public line a slash answer's thread starts from; its "for:" line lets a reply to it follow up."""
    return f"**Quotes in the thread** for: {_question_line(question)}"


def thread_name(question: str) -> str:
    """A thread's name: the question, cut at a word within Discord's 100 characters (names show no markdown)."""
    if dlen(question) <= THREAD_NAME_LIMIT:
        return question
    cut = question[: THREAD_NAME_LIMIT - 1]
    while dlen(cut) > THREAD_NAME_LIMIT - 1:
        cut = cut[:-1]
    return (cut.rsplit(" ", 1)[0] if " " in cut.strip() else cut).rstrip() + ELLIPSIS


def no_match_text(question: str) -> str:
    return f"{NO_MATCH}\n-# You asked: {_question_line(question)}"


def notice(text: str) -> str:
    """A one-line message for the user (errors, refusals), cut to the message limit."""
    return text if dlen(text) <= MESSAGE_LIMIT else clip_words(text, MESSAGE_LIMIT, escape=lambda s: s)


def wait_text(seconds: float) -> str:
    return f"You're asking a little fast: please try again in {max(1, math.ceil(seconds))} s."


def embed_chars(embed: dict) -> int:
    """Characters of a sent embed that count towards the 6000 total (for checks and tests)."""
    n = dlen(embed.get("title") or "") + dlen(embed.get("description") or "")
    n += dlen((embed.get("footer") or {}).get("text") or "") + dlen((embed.get("author") or {}).get("name") or "")
    for shown in embed.get("fields", []) or []:
        n += dlen(shown.get("name", "")) + dlen(shown.get("value", ""))
    return n


def limit_problems(payload: dict) -> list[str]:
    """Every Discord limit a message payload breaks (empty when it is fine); used by the tests."""
    problems = []
    if dlen(payload.get("content") or "") > MESSAGE_LIMIT:
        problems.append("content over 2000")
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        problems.append("more than 10 embeds")
    for e in embeds:
        for key, cap in (("title", TITLE_LIMIT), ("description", DESCRIPTION_LIMIT)):
            if dlen(e.get(key) or "") > cap:
                problems.append(f"{key} over {cap}")
        if dlen((e.get("footer") or {}).get("text") or "") > FOOTER_LIMIT:
            problems.append("footer over 2048")
        for f in e.get("fields", []) or []:
            if dlen(f.get("name", "")) > 256 or dlen(f.get("value", "")) > FIELD_LIMIT:
                problems.append("field over limit")
        if e.get("url") is not None and safe_url(e["url"]) is None:
            problems.append("url not http(s)")
    rows = payload.get("components") or []
    if len(rows) > 5 or any(len(row.get("components") or []) > 5 for row in rows):
        problems.append("more than 5 rows of 5 components")
    for c in (c for row in rows for c in row.get("components") or []):
        if c.get("style") == 5 and safe_url(c.get("url")) is None:
            problems.append("link button url not http(s)")
        if dlen(c.get("label") or "") > 80:
            problems.append("button label over 80")
    if sum(embed_chars(e) for e in embeds) > EMBED_TOTAL_LIMIT:
        problems.append("embeds over 6000 in total")
    return problems
