"""The commands over the index itself: index, migrate, info, check, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.cli.common import ConfigOpt, IndexOpt, OutputOpt, engine_for, progress_bar, stderr, stdout, write_atomic
from index.errors import InputError, QuotebotError


def index_cmd(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files or folders (.txt .md .html .json .jsonl), recursive, and http(s) links to fetch "
                            "(HTML or plain text pages; [fetch] in the config).", show_default=False),
    ],
    index: IndexOpt = None,
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    shard: Annotated[
        Optional[str],
        typer.Option("--shard", metavar="I/N",
                     help="Index only share I of N (0 <= I < N) of the articles, by a hash of their ids: N processes, "
                          "on one machine or many, given the same inputs and I = 0..N-1 index everything once between "
                          "them (Milvus backend).", show_default=False),
    ] = None,
) -> None:
    """Add or update articles from files, folders and links; unchanged ones are skipped."""
    from index.indexing import is_url

    share = parse_shard(shard) if shard is not None else None
    engine = engine_for(index, config)
    with progress_bar(disable=as_json) as progress:
        task = progress.add_task("reading", total=None)

        def update(done: int, total: int, chunks: int) -> None:
            progress.update(task, completed=done, total=total, description=f"files ({chunks} chunks embedded)")

        if any(is_url(p) for p in paths):
            progress.update(task, description="fetching links")
        report = engine.ingest([p if is_url(p) else Path(p) for p in paths], progress=update, shard=share)
    if as_json:
        stdout.print_json(json.dumps(report.to_dict()))
    else:
        for failure in report.failed:
            stderr.print(f"failed: {failure}")
        stdout.print(f"{report.summary()} → {engine.backend.location}", soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` as (I, N), or a one-line error."""
    parts = text.split("/")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        i, n = int(parts[0]), int(parts[1])
        if 0 <= i < n:
            return i, n
    raise InputError(f"--shard must be I/N with 0 <= I < N (e.g. 0/4), got {text!r}")


def migrate(
    to: Annotated[
        str,
        typer.Option("--to", help="Where to copy the index: a Milvus URI (a Milvus Lite path ending in .db, "
                                  "or http(s)://host:19530) or a local index folder.", show_default=False),
    ],
    collection: Annotated[
        Optional[str],
        typer.Option("--collection", help="The Milvus collection to copy into (default: [store] collection).",
                     show_default=False),
    ] = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Copy the index (the [store] one, or --index) into Milvus or a local folder, without re-embedding; \
a re-run skips what is already there."""
    from index.storage.factory import backend_at

    engine = engine_for(index, config)
    target = backend_at(engine.settings, to, collection)
    if target.location == engine.backend.location:
        raise InputError(f"--to names the index being copied ({target.location}): name another")
    total = engine.stats()["articles"]
    with progress_bar() as progress:
        task = progress.add_task("copying articles", total=total)
        report = engine.migrate(target, lambda n: progress.update(task, completed=n))
    stdout.print(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged "
                 f"({report.chunks} chunks copied in {report.seconds:.1f} s) → {target.location}", soft_wrap=True)


def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Describe the index: articles, chunks, model, dimension, bytes on disk."""
    stats = engine_for(index, config).stats()
    if as_json:
        stdout.print_json(json.dumps(stats))
    else:
        for key, value in stats.items():
            stdout.print(f"{key:>10}  {value}")


def check(index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """Verify the index: every vector has its chunk and vice versa, chunks equal their article spans."""
    engine = engine_for(index, config)
    problems = engine.check()
    for problem in problems:
        stderr.print(f"problem: {problem}")
    stats = engine.stats()
    if problems:
        raise QuotebotError(f"index at {engine.backend.location} has {len(problems)} problem(s); "
                            f"{engine.backend.repair()}")
    stdout.print(f"ok: {stats['articles']} articles, {stats['chunks']} chunks, vectors and keyword index in step")


def export(output: OutputOpt = None, index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """Write every article with its metadata as JSONL; `quotebot index` of it rebuilds the index."""
    engine = engine_for(index, config)
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in engine.export())
    if output is None:
        sys.stdout.writelines(lines)
        return
    write_atomic(output, lines)
    stderr.print(f"exported {engine.stats()['articles']} articles to {output}")
