"""``quotebot attributions FILE.jsonl``: who says what in each article line, by the rules of index.attribution.

Needs no index and no model: each line ``{"id", "text"}`` gives one line out (``--json``:
``{"id", "attributions": [{"source": [[s, e]], "cue": [[s, e]], "content": [[s, e], ...]}]}``, the shape
``../shared/attribution/score.py`` scores, with ``via`` and ``resolved`` added when known).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import stdout
from bot.cli.questions import read_jsonl
from index.errors import InputError


def attributions(
    articles: Annotated[Path, typer.Argument(help='JSONL of {"id", "text"}, one article a line.', show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per article (the scorer's shape).")] = False,
) -> None:
    """List who says what in each article: source, cue and content, as offsets into its text."""
    from index.attribution import attributions as find

    for n, obj in read_jsonl(articles):
        aid, text = _article(obj, f"{articles}:{n}")
        found = find(text)
        if as_json:
            line = {"id": aid, "attributions": [a.to_dict() for a in found]}
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            continue
        stdout.print(f"{aid}: {len(found)} attribution(s)", style="bold")
        for a in found:
            source = text[a.source[0] : a.source[1]] if a.source else "(no source)"
            if a.resolved:
                source += f" ({text[a.resolved[0] : a.resolved[1]]})"
            if a.via:
                source += f", via {text[a.via[0] : a.via[1]]}"
            content = " … ".join(text[s:e] for s, e in a.content)
            stdout.print(f"  — {source} · {text[a.cue[0] : a.cue[1]]} · {content}", soft_wrap=True)


def _article(obj: Any, where: str) -> tuple[str | int, str]:
    """A line's id and text, or an InputError naming the file and line."""
    if isinstance(obj, ValueError):
        raise InputError(f"{where}: {obj}")
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or "id" not in obj:
        raise InputError(f'{where}: expected {{"id": ..., "text": "..."}}')
    aid = obj["id"]
    if isinstance(aid, bool) or not isinstance(aid, (str, int)):
        raise InputError(f"{where}: id must be a string or an integer, got {json.dumps(aid)}")
    return aid, obj["text"]
