"""The owner's commands around the index: train the reader, export the Discord readers' votes, run the bot."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from bot.cli.common import ConfigOpt, IndexOpt, OutputOpt, settings_for, stderr, write_atomic
from index.errors import InputError, QuotebotError


def train(
    data: Annotated[
        Optional[list[Path]],
        typer.Option("--data", help="A folder of SQuAD-format QA files (.json or .json.gz); repeat for more. "
                                    "Default: ../shared/train/squadshifts and ../shared/train/realtimeqa.",
                     show_default=False),
    ] = None,
    out: Annotated[
        Optional[Path],
        typer.Option("--out", help="Where the ONNX model goes (default: the shipped index/models/weights).",
                     show_default=False),
    ] = None,
    steps: Annotated[
        Optional[int],
        typer.Option("--steps", min=1,
                     help="Optimiser steps of 32 questions (1 positive + 3 mined negatives each); default: the shipped "
                          "model's recipe, 1416 (2 epochs: about 4 minutes on one H200 GPU, hours on CPU).",
                     show_default=False),
    ] = None,
    work: Annotated[Path, typer.Option("--work", help="Folder for the torch checkpoint.")] = Path("build/reader"),
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the checkpoint in --work for --steps more steps.")
    ] = False,
    init: Annotated[
        Optional[Path],
        typer.Option("--init", help="Start from this exported model.onnx (e.g. the shipped reader's) instead of "
                                    "the base model.", show_default=False),
    ] = None,
) -> None:
    """Train Quotebot's re-ranker and answer reader on public QA data, and export it for the query path."""
    from index.models.reader import SHIPPED

    try:
        from train.fit import Recipe, prior_steps, train_and_export
    except ImportError as exc:
        raise QuotebotError(f"training needs torch and transformers ({exc}); install quotebot's dependencies") from None
    folders = data or [Path("../shared/train/squadshifts"), Path("../shared/train/realtimeqa")]
    for folder in folders:
        if not folder.is_dir():
            raise InputError(f"--data {folder}: not a folder")
    if resume and init is not None:
        raise InputError("--resume and --init: choose one (--resume continues the checkpoint in --work)")
    if init is not None and not init.is_file():
        raise InputError(f"--init {init}: no such model file")
    if resume:
        try:
            prior_steps(work)
        except (FileNotFoundError, ValueError, KeyError) as exc:
            raise InputError(f"--resume: {exc}") from None
    try:
        recipe = Recipe() if steps is None else Recipe(steps=steps)
        train_and_export(folders, out or SHIPPED, recipe, work, log=lambda m: stderr.print(m),
                         resume=resume, init=init)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        raise InputError(f"cannot train from {', '.join(map(str, folders))}: {exc}") from None


def feedback(
    server: Annotated[
        Optional[int], typer.Option("--server", help="Only this Discord server's votes (its id).", show_default=False)
    ] = None,
    output: OutputOpt = None,
    index: IndexOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write the Discord readers' Helpful/Not helpful votes as eval questions (JSONL), with the quotes voted on:
    every server's and the direct messages', or one server's."""
    from bot.discord.corpora import GUILDS, guild_folders
    from index.feedback import eval_lines, gather

    root = settings_for(index, config).index_path
    servers = guild_folders(root)
    if server is None:
        folders = [root, *servers.values()]
    elif server in servers:
        folders = [servers[server]]
    else:
        raise InputError(f"no server {server} in {root / GUILDS}: the bot has nothing from it "
                         "(`quotebot feedback` without --server exports every server's votes)")
    votes = gather(folders)
    lines = [json.dumps(line, ensure_ascii=False) + "\n" for line in eval_lines(votes)]
    if output is None:
        sys.stdout.writelines(lines)
        return
    write_atomic(output, lines)
    helpful = sum(v.vote > 0 for v in votes)
    stderr.print(f"exported {len(votes)} votes ({helpful} helpful, {len(votes) - helpful} not) to {output}")


def bot_cmd(index: IndexOpt = None, config: ConfigOpt = None) -> None:
    """Run the Discord bot (token from DISCORD_TOKEN or the discord.token_file setting)."""
    from bot.discord.runner import run

    raise typer.Exit(run(settings_for(index, config)))
