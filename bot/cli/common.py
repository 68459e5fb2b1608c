"""What every command group shares: the two consoles, the option types, the Engine and settings
from ``--index``/``--config``, the progress bar and the one atomic file write.

Nothing here imports numpy, FAISS or torch: ``quotebot --help`` stays quick.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from index.config import Settings, load_settings
from index.errors import QuotebotError

if TYPE_CHECKING:
    from rich.progress import Progress

    from index.engine import Engine

# Markup and emoji codes off everywhere: questions, article text and file names are printed as given
# ("[/i]" raised MarkupError, ":smile:" in a file name became an emoji); styles are passed as style=.
stdout = Console(highlight=False, markup=False, emoji=False)
stderr = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)

IndexOpt = Annotated[
    Optional[Path],
    typer.Option("--index", help="Index folder (env QUOTEBOT_INDEX; default ~/.local/share/quotebot/index).",
                 show_default=False),
]
ConfigOpt = Annotated[
    Optional[Path], typer.Option("--config", help="Config file, TOML (env QUOTEBOT_CONFIG).", show_default=False)
]
AsOfOpt = Annotated[
    Optional[str],
    typer.Option("--as-of", help="When the question is asked (YYYY-MM-DD or ISO date-time; default now): "
                                 "later articles are never quoted, recent ones preferred.", show_default=False),
]
SinceOpt = Annotated[
    Optional[str],
    typer.Option("--since", help="Quote only articles published on or after this day (YYYY-MM-DD).",
                 show_default=False),
]
UntilOpt = Annotated[
    Optional[str],
    typer.Option("--until", help="Quote only articles published on or before this day (YYYY-MM-DD).",
                 show_default=False),
]
ResultsOpt = Annotated[
    Optional[int],
    typer.Option("--results", "-k", min=1, max=50, help="Passages per answer (default: search.results in the config).",
                 show_default=False),
]
OutputOpt = Annotated[
    Optional[Path], typer.Option("--output", "-o", help="Write here instead of stdout.", show_default=False)
]


def engine_for(index: Path | None, config: Path | None) -> Engine:
    """The Engine over ``--index`` with ``--config``'s settings."""
    from index.engine import Engine  # keeps `quotebot --help` from importing numpy and FAISS

    return Engine(load_settings(config, index))


def settings_for(index: Path | None, config: Path | None) -> Settings:
    """``--config``'s settings with ``--index`` applied, for the commands that need no Engine."""
    return load_settings(config, index)


def progress_bar(disable: bool = False) -> Progress:
    """The progress bar of index and migrate, on stderr, gone when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=stderr, transient=True, disable=disable)


def write_atomic(path: Path, lines: Iterable[str]) -> None:
    """``lines`` into ``path`` through ``path.tmp`` renamed over it: a reader never sees half a file.

    ``lines`` may be a generator (written as it yields). A failure removes the temporary file and is
    one line: ``cannot write PATH: reason``.
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.writelines(lines)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise QuotebotError(f"cannot write {path}: {exc.strerror or exc}") from None
