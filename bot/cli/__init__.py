"""The ``quotebot`` command line: each command is a thin function over the Engine.

Errors the user can fix are one line on stderr and a non-zero exit, never a traceback.

The commands live by group: ``corpus`` (the index itself), ``asking`` (ask, chat, eval; their question
files are read in ``questions``), ``feeds`` (followed news feeds), ``operations`` (train, the Discord
votes, the bot); ``common`` holds what they share. They are registered here, in ``--help``'s order.
"""

from __future__ import annotations

import typer

from bot.cli import asking, attributions, corpus, feeds, operations
from bot.cli.common import stderr
from index.errors import QuotebotError

app = typer.Typer(
    help="Answer questions about your news articles with verbatim, sourced quotes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for name, command in [
    ("index", corpus.index_cmd),
    ("migrate", corpus.migrate),
    ("ask", asking.ask),
    ("chat", asking.chat),
    ("eval", asking.eval_cmd),
    ("attributions", attributions.attributions),
    ("info", corpus.info),
    ("check", corpus.check),
    ("export", corpus.export),
    ("train", operations.train),
    ("follow", feeds.follow),
    ("feedback", operations.feedback),
    ("unfollow", feeds.unfollow),
    ("feeds", feeds.list_feeds),
    ("update", feeds.update),
    ("bot", operations.bot_cmd),
]:
    app.command(name)(command)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors become one line on stderr and exit status 1."""
    try:
        app(args=argv, prog_name="quotebot")  # exits with the command's status
    except QuotebotError as exc:
        stderr.print(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return _interrupted()
    except SystemExit as exc:
        if _by_ctrl_c(exc):  # typer turns a KeyboardInterrupt into a silent exit 130 (typer.Exit(130))
            return _interrupted()
        raise
    return 0


def _interrupted() -> int:
    stderr.print("interrupted; the index keeps its last committed state")
    return 130


def _by_ctrl_c(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling a KeyboardInterrupt (its cause or context, at any depth)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False
