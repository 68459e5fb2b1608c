"""Terminal rendering of an Answer: the one-line answer and who reports it; each quote, its highlighted sentence,
who it says is speaking, title, source, date, link."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from index.text.dates import day_label
from index.types import Answer, Passage

NOTHING_FOUND = "No good match: nothing in the index answers that question."


def byline(p: Passage) -> str:
    """Source and publish day ("19 Sep 2022", or "undated": a quote's age matters in the news)."""
    return f"{p.source or 'unknown source'} · {day_label(p.date)}"


def attribution_line(p: Passage) -> str | None:
    """Who the highlighted sentence says is speaking: "— the Russian defense ministry, via SANA", "— SANA"."""
    credit = p.attribution.credit() if p.attribution else None
    return f"— {credit}" if credit else None


def passage_panel(rank: int, p: Passage) -> Panel:
    """One quote; built with Text, never markup, so article text cannot inject rich styles."""
    quote = Text()
    hs, he = p.highlight
    quote.append(p.text[:hs])
    quote.append(p.text[hs:he], style="bold yellow")
    quote.append(p.text[he:])
    said = attribution_line(p)
    if said:
        quote.append("\n" + said, style="italic")
    meta = Text(byline(p), style="dim")
    if p.url:
        meta.append("\n")
        meta.append(p.url, style="underline blue")
    title = Text(f"[{rank}] ", style="bold").append(p.title or "(untitled)", style="bold")
    # In words, as in Discord: scores are z-scored fusions, meaningful only against each other (--json has them).
    strength = "best match" if rank == 1 else "also relevant"
    return Panel(Group(quote, Text(), meta), title=title, title_align="left", subtitle=strength,
                 subtitle_align="right", expand=True)


def answer_line(answer: Answer) -> Text | None:
    """The one-line answer (verbatim words of a quote), shown only when the reader is confident of it, with
    who reports it ("Russia · reported by 3 sources: CNN, Reuters, SANA") or, when sources differ, each
    answer with its sources."""
    if answer.answer is None:
        return None
    line = Text("Answer: ", style="bold")
    line.append(answer.answer.text, style="bold yellow")
    sources = answer.answer.corroboration.line() if answer.answer.corroboration else ""
    if sources:
        line.append(f" · {sources}")
    line.append(f"  (quote {answer.answer.passage + 1}, confidence {answer.answer.confidence:.0%})", style="dim")
    return line


def answer_renderable(answer: Answer) -> Group | Text:
    if not answer.found:
        return Text(NOTHING_FOUND, style="italic")
    line = answer_line(answer)
    panels = [passage_panel(i, p) for i, p in enumerate(answer.passages, 1)]
    return Group(*([line] if line else []), *panels)
