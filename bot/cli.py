"""The ``quotebot`` command line: each command is a thin function over the Engine.

Errors the user can fix are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from index.ingest.cleaning import not_utf8
from index.config import Settings, load_settings
from index.errors import InputError, QuotebotError

app = typer.Typer(
    help="Answer questions about your news articles with verbatim, sourced quotes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Markup and emoji codes off everywhere: questions, article text and file names are printed as given
# ("[/i]" raised MarkupError, ":smile:" in a file name became an emoji); styles are passed as style=.
out = Console(highlight=False, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)

IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="Index folder (env QUOTEBOT_INDEX; default ~/.local/share/quotebot/index).", show_default=False)]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="Config file, TOML (env QUOTEBOT_CONFIG).", show_default=False)]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="When the question is asked (YYYY-MM-DD or ISO date-time; default now): later articles are never quoted, recent ones preferred.", show_default=False)]
SinceOpt = Annotated[Optional[str], typer.Option("--since", help="Quote only articles published on or after this day (YYYY-MM-DD).", show_default=False)]
UntilOpt = Annotated[Optional[str], typer.Option("--until", help="Quote only articles published on or before this day (YYYY-MM-DD).", show_default=False)]
ResultsOpt = Annotated[Optional[int], typer.Option("--results", "-k", min=1, max=50, help="Passages per answer (default: search.results in the config).", show_default=False)]


def _engine(index: Path | None, config: Path | None):
    from index.engine import Engine  # keeps `quotebot --help` from importing numpy and FAISS

    return Engine(load_settings(config, index))


def _settings(index: Path | None, config: Path | None) -> Settings:
    return load_settings(config, index)


@dataclass(frozen=True)
class Question:
    """One question to answer; ``id`` as its batch line gave it (a string, or an int kept an int)."""

    text: str
    id: str | int | None = None
    asked_at: str | None = None


def _read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
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


def _day(value: str | None, option: str):  # type: ignore[no-untyped-def]
    """A command-line date, or an InputError naming the option."""
    from index.ranking.timeframe import as_of

    try:
        return as_of(value)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def question_from(obj: Any, n: int) -> Question:
    """Line ``n`` of a batch or eval file as a Question; a ValueError says what is wrong with it."""
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
    asked_at = obj.get("asked_at")
    if asked_at is not None:
        if not isinstance(asked_at, str):
            raise ValueError(f"asked_at must be an ISO date string, got {json.dumps(asked_at)}")
        try:
            as_of(asked_at)
        except ValueError as exc:
            raise ValueError(f"asked_at: {exc}") from None
    return Question(text, qid, asked_at)


def _questions(path: Path) -> tuple[list[Question], list[str]]:
    """The good questions of a batch file, and ``file:line: reason`` for each line that is not one.

    A bad line never costs the others their answers (as in ``index``); ids must be unique, since
    answers are matched to questions by id.
    """
    good: list[Question] = []
    bad: list[str] = []
    first_line: dict[str, int] = {}
    for n, obj in _read_jsonl(path):
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


@app.command("index")
def index_cmd(
    paths: Annotated[list[str], typer.Argument(help="Files or folders (.txt .md .html .json .jsonl), recursive, and http(s) links to fetch (HTML or plain text pages; [fetch] in the config).", show_default=False)],
    index: IndexOpt = None,
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    shard: Annotated[Optional[str], typer.Option("--shard", metavar="I/N", help="Index only share I of N (0 <= I < N) of the articles, by a hash of their ids: N processes, on one machine or many, given the same inputs and I = 0..N-1 index everything once between them (Milvus backend).", show_default=False)] = None,
) -> None:
    """Add or update articles from files, folders and links; unchanged ones are skipped."""
    from index.engine import is_url

    share = _shard(shard) if shard is not None else None
    engine = _engine(index, config)
    with _progress(disable=as_json) as progress:
        task = progress.add_task("reading", total=None)

        def update(done: int, total: int, chunks: int) -> None:
            progress.update(task, completed=done, total=total, description=f"files ({chunks} chunks embedded)")

        if any(is_url(p) for p in paths):
            progress.update(task, description="fetching links")
        report = engine.ingest([p if is_url(p) else Path(p) for p in paths], progress=update, shard=share)
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
    else:
        for failure in report.failed:
            err.print(f"failed: {failure}")
        out.print(f"{report.summary()} → {engine.backend.location}", soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


def _shard(text: str) -> tuple[int, int]:
    """``I/N`` as (I, N), or a one-line error."""
    parts = text.split("/")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        i, n = int(parts[0]), int(parts[1])
        if 0 <= i < n:
            return i, n
    raise InputError(f"--shard must be I/N with 0 <= I < N (e.g. 0/4), got {text!r}")


@app.command()
def migrate(
    to: Annotated[str, typer.Option("--to", help="Where to copy the index: a Milvus URI (a Milvus Lite path ending in .db, or http(s)://host:19530) or a local index folder.", show_default=False)],
    collection: Annotated[Optional[str], typer.Option("--collection", help="The Milvus collection to copy into (default: [store] collection).", show_default=False)] = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Copy the index (the [store] one, or --index) into Milvus or a local folder, without re-embedding; a re-run skips what is already there."""
    from index.storage.factory import backend_at

    engine = _engine(index, config)
    target = backend_at(engine.settings, to, collection)
    if target.location == engine.backend.location:
        raise InputError(f"--to names the index being copied ({target.location}): name another")
    total = engine.stats()["articles"]
    with _progress() as progress:
        task = progress.add_task("copying articles", total=total)
        report = engine.migrate(target, lambda n: progress.update(task, completed=n))
    out.print(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged "
              f"({report.chunks} chunks copied in {report.seconds:.1f} s) → {target.location}", soft_wrap=True)


def _progress(disable: bool = False):  # type: ignore[no-untyped-def]
    """The progress bar of index and migrate, on stderr, gone when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=True, disable=disable)


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="The question (omit with --batch).", show_default=False)] = None,
    batch: Annotated[Optional[Path], typer.Option("--batch", help="JSONL file of {\"id\", \"question\", \"asked_at\"?} lines; one answer per line (a bad line is reported as file:line and skipped, and the exit status is 1).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print answers as JSON (one line each).")] = False,
    results: ResultsOpt = None,
    as_of: AsOfOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Quote only articles from this source (case ignored); repeat for several.", show_default=False)] = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Answer a question (or a file of them) with quoted passages and their sources."""
    from bot.render_text import answer_renderable

    if (question is None) == (batch is None):
        raise InputError("give a question or --batch FILE (not both)")
    _day(as_of, "--as-of")
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        raise InputError(f"--since {first} is after --until {last}")
    bad: list[str] = []
    if batch:
        items, bad = _questions(batch)
        for line in bad:
            err.print(line)
        if not items:
            raise InputError(f"{batch}: no {'good ' if bad else ''}questions in the file")
    elif why := not_utf8(question or ""):
        raise InputError(f"the question {why}; type it again")
    else:
        items = [Question(question or "")]
    engine = _engine(index, config)
    step = 64
    for lo in range(0, len(items), step):
        part = items[lo : lo + step]
        answers = engine.ask_many([q.text for q in part], results,
                                  [None if q.id is None else str(q.id) for q in part],
                                  asked_at=[q.asked_at or as_of for q in part], since=first, until=last,
                                  sources=source or ())
        for q, answer in zip(part, answers):
            if as_json:
                sys.stdout.write(json.dumps({**answer.to_dict(), "id": q.id}, ensure_ascii=False) + "\n")
            else:
                if batch:
                    out.print(f"\nQ {q.id}: {answer.question}", style="bold")
                out.print(answer_renderable(answer))
    if bad:
        err.print(f"{batch}: {len(bad)} bad line(s) skipped (above), {len(items)} answered")
        raise typer.Exit(1)


@app.command()
def chat(results: ResultsOpt = None, index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """Ask questions one after another; an empty line or Ctrl-D ends.

    Each question is asked as of the moment it is typed."""
    from bot.render_text import answer_renderable

    engine = _engine(index, config)
    engine.store  # fail before the prompt if there is no index
    if callable(getattr(sys.stdin, "reconfigure", None)):
        sys.stdin.reconfigure(errors="surrogateescape")  # a bad byte is then reported, not a traceback
    err.print("Loading the model…", style="dim")
    engine.warm_up()
    err.print("Ask a question (empty line or Ctrl-D to quit).", style="dim")
    while True:
        try:
            question = input("question> ").strip()
        except (EOFError, KeyboardInterrupt):
            err.print()
            return
        if not question:
            return
        if why := not_utf8(question):
            err.print(f"error: the question {why}; type it again")
            continue
        try:
            out.print(answer_renderable(engine.ask(question, results)))
        except InputError as exc:
            err.print(f"error: {exc}")


@app.command("eval")
def eval_cmd(
    questions: Annotated[Path, typer.Argument(help="JSONL of {\"id\", \"question\", \"answers\", \"article_id\", \"asked_at\"?}.", show_default=False)],
    run: Annotated[Optional[Path], typer.Option("--run", help="Also write the answers (JSONL) here.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    results: Annotated[int, typer.Option("--results", "-k", min=1, max=50, help="Passages per question.")] = 10,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Score the index on a question set: answer-recall@1/5/10, MRR@10, article-hit@5, answer-in-highlight@1."""
    from index.metrics import score

    gold = []
    for n, obj in _read_jsonl(questions):
        try:
            q = question_from(obj, n)
        except ValueError as exc:
            raise InputError(f"{questions}:{n}: {exc}") from None
        if not isinstance(obj.get("answers"), list):
            raise InputError(f"{questions}:{n}: expected {{\"id\", \"question\", \"answers\": [...], \"article_id\"}}")
        gold.append({**obj, "id": q.id})
    if not gold:
        raise InputError(f"{questions}: no questions in the file")
    engine = _engine(index, config)
    answers = []
    for lo in range(0, len(gold), 64):
        part = gold[lo : lo + 64]
        asked = engine.ask_many([q["question"] for q in part], results, [str(q["id"]) for q in part],
                                asked_at=[q.get("asked_at") for q in part])
        answers.extend({**a.to_dict(), "id": q["id"]} for q, a in zip(part, asked))
    if run:
        run.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    metrics = score(gold, answers)
    if as_json:
        out.print_json(json.dumps(metrics))
        return
    keys = ["answer_recall@1", "answer_recall@5", "answer_recall@10", "mrr@10", "article_hit@5",
            "answer_in_highlight@1", "found_rate", "mean_passage_chars", "questions"]
    for key in keys:
        if key in metrics:
            value = metrics[key]
            out.print(f"{key:>24}  {value:.4f}" if isinstance(value, float) else f"{key:>24}  {value}")


@app.command()
def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Describe the index: articles, chunks, model, dimension, bytes on disk."""
    stats = _engine(index, config).stats()
    if as_json:
        out.print_json(json.dumps(stats))
    else:
        for key, value in stats.items():
            out.print(f"{key:>10}  {value}")


@app.command()
def check(index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """Verify the index: every vector has its chunk and vice versa, chunks equal their article spans."""
    engine = _engine(index, config)
    problems = engine.check()
    for problem in problems:
        err.print(f"problem: {problem}")
    stats = engine.stats()
    if problems:
        raise QuotebotError(f"index at {engine.backend.location} has {len(problems)} problem(s); "
                            f"{engine.backend.repair()}")
    out.print(f"ok: {stats['articles']} articles, {stats['chunks']} chunks, vectors and keyword index in step")


@app.command()
def export(
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.", show_default=False)] = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write every article with its metadata as JSONL; `quotebot index` of it rebuilds the index."""
    engine = _engine(index, config)
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in engine.export())
    if output is None:
        sys.stdout.writelines(lines)
        return
    tmp = output.with_name(output.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.writelines(lines)
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise QuotebotError(f"cannot write {output}: {exc.strerror or exc}") from None
    err.print(f"exported {engine.stats()['articles']} articles to {output}")


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="Folder of SQuAD-format QA files (.json or .json.gz).")] = Path("../shared/train/squadshifts"),
    out: Annotated[Optional[Path], typer.Option("--out", help="Where the ONNX model goes (default: the shipped index/models/weights).", show_default=False)] = None,
    steps: Annotated[Optional[int], typer.Option("--steps", min=1, help="Optimiser steps of 32 questions (1 positive + 3 mined negatives each); default: the shipped model's recipe, 1416 (2 epochs: about 4 minutes on one H200 GPU, hours on CPU).", show_default=False)] = None,
    work: Annotated[Path, typer.Option("--work", help="Folder for the torch checkpoint.")] = Path("build/reader"),
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the checkpoint in --work for --steps more steps.")] = False,
) -> None:
    """Train Quotebot's re-ranker and answer reader on public QA data, and export it for the query path."""
    from index.models.reader import SHIPPED

    try:
        from train.fit import Recipe, prior_steps, train_and_export
    except ImportError as exc:
        raise QuotebotError(f"training needs torch and transformers ({exc}); install quotebot's dependencies") from None
    if not data.is_dir():
        raise InputError(f"--data {data}: not a folder")
    if resume:
        try:
            prior_steps(work)
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise InputError(f"--resume: {exc}") from None
    try:
        recipe = Recipe() if steps is None else Recipe(steps=steps)
        train_and_export(data, out or SHIPPED, recipe, work, log=lambda m: err.print(m),
                         resume=resume)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        raise InputError(f"cannot train from {data}: {exc}") from None


NameOpt = Annotated[Optional[str], typer.Option("--name", help="What to call the feed (default: its title).", show_default=False)]


@app.command()
def follow(
    url: Annotated[str, typer.Argument(help="An RSS, Atom or RDF feed, or a site's page that announces one.", show_default=False)],
    name: NameOpt = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Follow a news feed: `quotebot update` then indexes its new articles."""
    from index.feeds.polling import follow as follow_feed

    engine = _engine(index, config)
    feed, new, entries = follow_feed(engine, url, name)
    if not new:
        out.print(f"already following {feed.name} ({feed.url})", soft_wrap=True)
        return
    out.print(f"following {feed.name} ({feed.url}): {entries} entries now; `quotebot update` indexes them",
              soft_wrap=True)


@app.command()
def feedback(
    server: Annotated[Optional[int], typer.Option("--server", help="Only this Discord server's votes (its id).", show_default=False)] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.", show_default=False)] = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write the Discord readers' Helpful/Not helpful votes as eval questions (JSONL), with the quotes voted on:
    every server's and the direct messages', or one server's."""
    from bot.discord.corpora import guild_folders
    from index.feedback import eval_lines, gather

    root = _settings(index, config).index_path
    servers = guild_folders(root)
    if server is None:
        folders = [root, *servers.values()]
    elif server in servers:
        folders = [servers[server]]
    else:
        raise InputError(f"no server {server} in {root / 'guilds'}: the bot has nothing from it "
                         "(`quotebot feedback` without --server exports every server's votes)")
    votes = gather(folders)
    lines = [json.dumps(line, ensure_ascii=False) + "\n" for line in eval_lines(votes)]
    if output is None:
        sys.stdout.writelines(lines)
        return
    tmp = output.with_name(output.name + ".tmp")
    try:
        tmp.write_text("".join(lines), encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise QuotebotError(f"cannot write {output}: {exc.strerror or exc}") from None
    helpful = sum(v.vote > 0 for v in votes)
    err.print(f"exported {len(votes)} votes ({helpful} helpful, {len(votes) - helpful} not) to {output}")


@app.command()
def unfollow(
    feed: Annotated[str, typer.Argument(help="The feed's name or URL (see `quotebot feeds`).", show_default=False)],
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Stop following a feed; the articles already indexed from it stay."""
    from index.feeds.polling import FeedList

    removed = FeedList(_settings(index, config).index_path).remove(feed)
    if removed is None:
        raise InputError(f"not following '{feed}': `quotebot feeds` lists the feeds followed")
    out.print(f"unfollowed {removed.name} ({removed.url}); its articles stay in the index", soft_wrap=True)


def _when(iso: str | None) -> str:
    """A stored UTC time as the reader's local date and time."""
    from datetime import datetime

    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M") if iso else "never"


@app.command()
def feeds(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """List the feeds followed: name, URL, last checked, last new article, last error."""
    from dataclasses import asdict

    from index.feeds.polling import FeedList

    followed = FeedList(_settings(index, config).index_path).all()
    if as_json:
        out.print_json(json.dumps([asdict(f) for f in followed]))
        return
    if not followed:
        out.print("no feeds followed: add one with `quotebot follow URL`")
        return
    for f in followed:
        out.print(f.name, style="bold", end="  ")
        out.print(f.url, soft_wrap=True)
        line = f"  checked {_when(f.last_checked)} · last new article {_when(f.last_new)}"
        out.print(line + (f" · error: {f.last_error}" if f.last_error else ""), soft_wrap=True)


def _update_once(engine, everything: bool, as_json: bool) -> bool:  # type: ignore[no-untyped-def]
    """One poll; prints each failure and the summary; True when nothing failed."""
    from index.feeds.polling import update

    report = update(engine, everything=everything)
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict()) + "\n")
        sys.stdout.flush()
    else:
        for failure in report.failed:
            err.print(f"failed: {failure}")
        if report.polled:
            out.print(f"{report.summary()} ({report.polled} feeds polled in {report.seconds:.1f} s)")
        else:
            out.print(f"no feed is due (each is polled every {engine.settings.feeds.interval_minutes} min; "
                      "--all polls them now)")
    return not report.failed


@app.command()
def update(
    everything: Annotated[bool, typer.Option("--all", help="Poll every feed now, due or not.")] = False,
    watch: Annotated[bool, typer.Option("--watch", help="Keep polling every [feeds] interval_minutes; Ctrl-C stops.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each poll's report as one JSON line.")] = False,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Poll the followed feeds that are due and index their new articles."""
    import time

    from index.feeds.polling import FeedList

    engine = _engine(index, config)
    if not FeedList(engine.folder).all():
        raise InputError("no feeds followed: add one with `quotebot follow URL`")
    if not watch:
        if not _update_once(engine, everything, as_json):
            raise typer.Exit(1)
        return
    minutes = engine.settings.feeds.interval_minutes
    err.print(f"polling every {minutes} min; Ctrl-C stops")
    try:
        while True:
            try:
                _update_once(engine, everything, as_json)
            except QuotebotError as exc:  # a busy index or a full disk this time: try again next time
                err.print(f"error: {exc}")
            everything = False
            time.sleep(minutes * 60)
    except KeyboardInterrupt:
        err.print("stopped; every article indexed so far is kept")


@app.command("bot")
def bot_cmd(index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """Run the Discord bot (token from DISCORD_TOKEN or the discord.token_file setting)."""
    from bot.discord.runner import run

    raise typer.Exit(run(_settings(index, config)))


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors become one line on stderr and exit status 1."""
    try:
        app(args=argv, prog_name="quotebot")  # exits with the command's status
    except QuotebotError as exc:
        err.print(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        err.print("interrupted; the index keeps its last committed state")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
