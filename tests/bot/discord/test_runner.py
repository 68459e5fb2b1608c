"""``bot.discord.runner.run``: token checks, logging, command sync, clean exit on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.discord.runner import run
from index.config import ModelSettings
from index.errors import QuotebotError
from tests.bot.discord.fake_discord import FakeDiscord, served_in_thread
from tests.bot.discord.harness import TOKEN, with_discord

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) +[\w.]+: ")


def _signal_when_ready(fake: FakeDiscord, sig: signal.Signals) -> threading.Thread:
    def wait_then_signal() -> None:
        deadline = time.monotonic() + 30
        while not fake._ready.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        os.kill(os.getpid(), sig)

    thread = threading.Thread(target=wait_then_signal, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_runs_until_a_signal_then_exits_cleanly(sig, fake_settings, monkeypatch, capfd) -> None:
    fake = FakeDiscord(token=TOKEN)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = with_discord(fake_settings, sync_guild=int(fake.guild_id))
    with served_in_thread(fake):
        waiter = _signal_when_ready(fake, sig)
        assert run(settings, guild_ready_timeout=0.05) == 0
        waiter.join(5)
    err = capfd.readouterr().err
    assert TOKEN not in err
    lines = err.splitlines()
    assert lines and all(LOG_LINE.match(line) for line in lines if not line.startswith(" ")), err
    assert "synced 8 slash commands to guild" in err and "stopping on signal" in err and "bot stopped" in err
    assert [c.path for c in fake.calls if c.method == "PUT"] == [
        f"/applications/{fake.app_id}/guilds/{fake.guild_id}/commands"]
    assert fake.identify is not None and fake.identify["token"] == TOKEN
    assert not fake.unknown


def test_global_sync_when_no_guild_is_configured(fake_settings, monkeypatch, capfd) -> None:
    fake = FakeDiscord(token=TOKEN)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    with served_in_thread(fake):
        waiter = _signal_when_ready(fake, signal.SIGTERM)
        assert run(with_discord(fake_settings), guild_ready_timeout=0.05) == 0
        waiter.join(5)
    assert [c.path for c in fake.calls if c.method == "PUT"] == [f"/applications/{fake.app_id}/commands"]
    assert "synced 8 slash commands globally" in capfd.readouterr().err


def test_no_token_is_a_clear_error(fake_settings, monkeypatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(QuotebotError, match=r"^no Discord bot token: set DISCORD_TOKEN, or \[discord\] token_file"):
        run(with_discord(fake_settings))


def test_a_refused_token_is_a_clear_error_that_does_not_echo_it(fake_settings, monkeypatch, capfd) -> None:
    fake = FakeDiscord(token=TOKEN)
    wrong = "bm90LXRoZS10b2tlbg.wrong.token"
    monkeypatch.setenv("DISCORD_TOKEN", wrong)
    with served_in_thread(fake), pytest.raises(QuotebotError) as caught:
        run(with_discord(fake_settings))
    assert str(caught.value) == "Discord refused the bot token: check DISCORD_TOKEN or discord.token_file"
    assert wrong not in capfd.readouterr().err


def test_token_file_outside_the_repository(fake_settings, monkeypatch, tmp_path: Path, capfd) -> None:
    fake = FakeDiscord(token=TOKEN)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    token_file = tmp_path / "discord-token"
    token_file.write_text(TOKEN + "\n")
    with served_in_thread(fake):
        waiter = _signal_when_ready(fake, signal.SIGTERM)
        assert run(with_discord(fake_settings, token_file=str(token_file)), guild_ready_timeout=0.05) == 0
        waiter.join(5)
    assert fake.identify["token"] == TOKEN and TOKEN not in capfd.readouterr().err


def test_a_model_that_cannot_load_stops_the_bot_with_its_error(fake_settings, monkeypatch) -> None:
    fake = FakeDiscord(token=TOKEN)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = with_discord(replace(fake_settings, model=ModelSettings(name="no-such-model")))
    with served_in_thread(fake), pytest.raises(QuotebotError, match="^cannot load model 'no-such-model'"):
        run(settings)
    assert fake.identify is None  # the model loads before the bot connects to the gateway
