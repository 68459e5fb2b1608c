"""The news-feed commands: follow, unfollow, feeds (the list), update."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from bot.cli.common import ConfigOpt, IndexOpt, engine_for, settings_for, stderr, stdout
from index.errors import InputError, QuotebotError

if TYPE_CHECKING:
    from index.engine import Engine

NameOpt = Annotated[
    Optional[str], typer.Option("--name", help="What to call the feed (default: its title).", show_default=False)
]


def follow(
    url: Annotated[
        str,
        typer.Argument(help="An RSS, Atom, RDF or JSON feed, or a site's page that announces one.", show_default=False),
    ],
    name: NameOpt = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Follow a news feed: `quotebot update` then indexes its new articles."""
    from index.feeds.polling import follow as follow_feed

    engine = engine_for(index, config)
    feed, new, entries = follow_feed(engine, url, name)
    if not new:
        stdout.print(f"already following {feed.name} ({feed.url})", soft_wrap=True)
        return
    stdout.print(f"following {feed.name} ({feed.url}): {entries} entries now; `quotebot update` indexes them",
                 soft_wrap=True)


def unfollow(
    feed: Annotated[str, typer.Argument(help="The feed's name or URL (see `quotebot feeds`).", show_default=False)],
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Stop following a feed; the articles already indexed from it stay."""
    from index.feeds.follow_list import FeedList

    removed = FeedList(settings_for(index, config).index_path).remove(feed)
    if removed is None:
        raise InputError(f"not following '{feed}': `quotebot feeds` lists the feeds followed")
    stdout.print(f"unfollowed {removed.name} ({removed.url}); its articles stay in the index", soft_wrap=True)


def _when(iso: str | None) -> str:
    """A stored UTC time as the reader's local date and time."""
    from datetime import datetime

    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M") if iso else "never"


def list_feeds(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List the feeds followed: name, URL, last checked, last new article, last error."""
    from dataclasses import asdict

    from index.feeds.follow_list import FeedList

    followed = FeedList(settings_for(index, config).index_path).all()
    if as_json:
        stdout.print_json(json.dumps([asdict(f) for f in followed]))
        return
    if not followed:
        stdout.print("no feeds followed: add one with `quotebot follow URL`")
        return
    for f in followed:
        stdout.print(f.name, style="bold", end="  ")
        stdout.print(f.url, soft_wrap=True)
        line = f"  checked {_when(f.last_checked)} · last new article {_when(f.last_new)}"
        stdout.print(line + (f" · error: {f.last_error}" if f.last_error else ""), soft_wrap=True)


def _update_once(engine: Engine, everything: bool, as_json: bool) -> bool:
    """One poll; prints each failure and the summary; True when nothing failed."""
    from index.feeds.polling import update

    report = update(engine, everything=everything)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict()) + "\n")
        sys.stdout.flush()
    else:
        for failure in report.failed:
            stderr.print(f"failed: {failure}")
        if report.polled:
            stdout.print(f"{report.summary()} ({report.polled} feeds polled in {report.seconds:.1f} s)")
        else:
            stdout.print(f"no feed is due (each is polled every {engine.settings.feeds.interval_minutes} min; "
                         "--all polls them now)")
    return not report.failed


def update(
    everything: Annotated[bool, typer.Option("--all", help="Poll every feed now, due or not.")] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep polling every [feeds] interval_minutes; Ctrl-C stops.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each poll's report as one JSON line.")] = False,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Poll the followed feeds that are due and index their new articles."""
    import time

    from index.feeds.follow_list import FeedList

    engine = engine_for(index, config)
    if not FeedList(engine.folder).all():
        raise InputError("no feeds followed: add one with `quotebot follow URL`")
    if not watch:
        if not _update_once(engine, everything, as_json):
            raise typer.Exit(1)
        return
    minutes = engine.settings.feeds.interval_minutes
    stderr.print(f"polling every {minutes} min; Ctrl-C stops")
    try:
        while True:
            try:
                _update_once(engine, everything, as_json)
            except QuotebotError as exc:  # a busy index or a full disk this time: try again next time
                stderr.print(f"error: {exc}")
            except Exception as exc:  # noqa: BLE001 - one poll that breaks must not end the watch
                stderr.print(f"error: the poll failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}",
                             soft_wrap=True)
            everything = False
            time.sleep(minutes * 60)
    except KeyboardInterrupt:
        stderr.print("stopped; every article indexed so far is kept")
