"""The commands that ask the index: ask (one question or a batch file), chat, eval."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from bot.cli.common import (AsOfOpt, ConfigOpt, IndexOpt, ResultsOpt, SinceOpt, UntilOpt, engine_for, stderr,
                            stdout)
from bot.cli.questions import Question, batch_questions, question_from, read_jsonl
from index.errors import InputError
from index.ingest.cleaning import not_utf8

if TYPE_CHECKING:
    from rich.progress import Progress


def _day(value: str | None, option: str) -> date | None:
    """A command-line date, or an InputError naming the option."""
    from index.ranking.timeframe import as_of

    try:
        return as_of(value)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def ask(
    question: Annotated[
        Optional[str], typer.Argument(help="The question (omit with --batch).", show_default=False)
    ] = None,
    batch: Annotated[
        Optional[Path],
        typer.Option("--batch", help="JSONL file of {\"id\", \"question\", \"asked_at\"?} lines; one answer per line "
                                     "(a bad line is reported as file:line and skipped, and the exit status is 1).",
                     show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print answers as JSON (one line each).")] = False,
    results: ResultsOpt = None,
    as_of: AsOfOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: Annotated[
        Optional[list[str]],
        typer.Option("--source", help="Quote only articles from this source (case ignored); repeat for several.",
                     show_default=False),
    ] = None,
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
        items, bad = batch_questions(batch)
        for line in bad:
            stderr.print(line)
        if not items:
            raise InputError(f"{batch}: no {'good ' if bad else ''}questions in the file")
    elif why := not_utf8(question or ""):
        raise InputError(f"the question {why}; type it again")
    else:
        items = [Question(question or "")]
    engine = engine_for(index, config)
    step = 64
    with _answering(shown=bool(batch)) as progress:
        task = progress.add_task("answering", total=len(items))
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
                        stdout.print(f"\nQ {q.id}: {answer.question}", style="bold")
                    stdout.print(answer_renderable(answer))
            progress.advance(task, len(part))
    if bad:
        stderr.print(f"{batch}: {len(bad)} bad line(s) skipped (above), {len(items)} answered")
        raise typer.Exit(1)


def _answering(shown: bool) -> Progress:
    """A batch's progress bar (questions answered), on stderr and gone when done; only when stderr is a terminal.

    Answers written to a file or a pipe never see it. When stdout is a terminal too, rich prints them above
    the bar (through stderr's console, on the same screen) rather than letting them tear it.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=stderr, transient=True, disable=not (shown and stderr.is_terminal),
                    redirect_stdout=stdout.is_terminal, redirect_stderr=False)


def chat(results: ResultsOpt = None, index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """Ask questions one after another; an empty line or Ctrl-D ends.

    Each question is asked as of the moment it is typed."""
    from bot.render_text import answer_renderable

    engine = engine_for(index, config)
    engine.store  # fail before the prompt if there is no index
    if callable(getattr(sys.stdin, "reconfigure", None)):
        sys.stdin.reconfigure(errors="surrogateescape")  # a bad byte is then reported, not a traceback
    stderr.print("Loading the model…", style="dim")
    engine.warm_up()
    stderr.print("Ask a question (empty line or Ctrl-D to quit).", style="dim")
    while True:
        try:
            question = input("question> ").strip()
        except (EOFError, KeyboardInterrupt):
            stderr.print()
            return
        if not question:
            return
        if why := not_utf8(question):
            stderr.print(f"error: the question {why}; type it again")
            continue
        try:
            stdout.print(answer_renderable(engine.ask(question, results)))
        except InputError as exc:
            stderr.print(f"error: {exc}")


def eval_cmd(
    questions: Annotated[
        Path,
        typer.Argument(help="JSONL of {\"id\", \"question\", \"answers\", \"article_id\", \"asked_at\"?}.",
                       show_default=False),
    ],
    run: Annotated[
        Optional[Path], typer.Option("--run", help="Also write the answers (JSONL) here.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    results: Annotated[int, typer.Option("--results", "-k", min=1, max=50, help="Passages per question.")] = 10,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Score the index on a question set: answer-recall@1/5/10, MRR@10, article-hit@5, answer-in-highlight@1."""
    from index.metrics import score

    gold = []
    for n, obj in read_jsonl(questions):
        try:
            q = question_from(obj, n)
        except ValueError as exc:
            raise InputError(f"{questions}:{n}: {exc}") from None
        if not isinstance(obj.get("answers"), list):
            raise InputError(f"{questions}:{n}: expected {{\"id\", \"question\", \"answers\": [...], \"article_id\"}}")
        gold.append({**obj, "id": q.id})
    if not gold:
        raise InputError(f"{questions}: no questions in the file")
    engine = engine_for(index, config)
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
        stdout.print_json(json.dumps(metrics))
        return
    keys = ["answer_recall@1", "answer_recall@5", "answer_recall@10", "mrr@10", "article_hit@5",
            "answer_in_highlight@1", "found_rate", "mean_passage_chars", "questions"]
    for key in keys:
        if key in metrics:
            value = metrics[key]
            stdout.print(f"{key:>24}  {value:.4f}" if isinstance(value, float) else f"{key:>24}  {value}")
