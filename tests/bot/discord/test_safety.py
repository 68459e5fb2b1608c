"""Escaping, the token, log redaction and the cooldown, without Discord."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.discord.cooldown import Cooldown
from bot.discord.safety import (NO_PINGS, REPO_ROOT, URL_PATTERN, RedactingFormatter, break_invites, escape_text,
                                load_token)
from index.config import DiscordSettings
from index.errors import QuotebotError
from tests.bot.discord.harness import visible

PIECES = list("*_~|`[]()<>@#&!-:/\\>.1 \n\u200b") + ["everyone", "here", "123456789012345678", "https://a.com/x_y",
                                                       "t:", "a", "  ", "https://", "discord.gg/",
                                                       "discord.com/invite/", "DiscordApp.com/invite/",
                                                       "https://discord.gg/abc", "www.", "x.org/p?q=1", "."]
HOSTILE = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def _unescaped_specials(escaped: str) -> list[str]:
    found, i = [], 0
    while i < len(escaped):
        url = URL_PATTERN.match(escaped, i)
        if escaped[i] == "\\":
            i += 2
        elif url:  # shown literally by Discord
            i = url.end()
        else:
            if escaped[i] in "*_~|`[":
                found.append(escaped[i])
            i += 1
    return found


@given(st.text() | HOSTILE)
def test_escaped_text_shows_verbatim_and_cannot_format_link_spoil_or_mention(text: str) -> None:
    escaped = escape_text(text)
    assert visible(escaped) == break_invites(text).replace("\u200b", "")  # the reader sees the text itself
    assert _unescaped_specials(escaped) == []  # bold, italics, underline, strike, spoilers, code, links
    for line in URL_PATTERN.sub("https://u", escaped).split("\n"):
        assert not re.match(r"\s*(#|>|-|\+|\d+\.\s)", line), line  # headings, quotes, lists, subtext
    assert not re.search(r"@(everyone|here)|<[@#/:]|<t:", URL_PATTERN.sub("https://u", escaped))


INVITE = re.compile(r"discord(?:app)?\.com/+invite/|discord\.gg/", re.I)


@given(st.text() | HOSTILE)
def test_escaped_text_has_no_live_invite_and_no_link_with_a_preview(text: str) -> None:
    escaped = escape_text(text)
    assert not INVITE.search(escaped.replace("\u200b", ""))  # no invite card, no Join button
    # Discord previews only a bare link; every link left is in "<…>".
    assert all(m.group().startswith("<") for m in URL_PATTERN.finditer(escaped)), escaped


def test_invites_and_bare_links_read_the_same_but_are_inert() -> None:
    text = "Join discord.gg/abc or https://discord.com/invite/xyz, see https://e.com/a_b. <https://f.org>"
    assert visible(escape_text(text)) == (
        "Join discord.gg\u2215abc or https:\u2215\u2215discord.com\u2215invite\u2215xyz, see https://e.com/a_b. <https://f.org>")
    assert escape_text("see https://e.com/a_b.") == "see <https://e.com/a_b>."
    assert visible(escape_text("x https://e.com/a>b")) == "x https://e.com/a>b"
    assert escape_text("give an http:// URL, or http://*") == "give an http:/\\/ URL, or <http://*>"


def test_no_pings_allows_nothing() -> None:
    assert NO_PINGS.to_dict() == {"parse": []}  # and replied_user defaults to false


def test_token_comes_from_the_environment_first(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    settings = DiscordSettings(token_file=str(token_file))
    assert load_token(settings, {"DISCORD_TOKEN": " from-env \n"}) == "from-env"
    assert load_token(settings, {}) == "from-file"


def test_token_problems_are_one_line_errors_without_the_token(tmp_path: Path) -> None:
    with pytest.raises(QuotebotError, match="^no Discord bot token"):
        load_token(DiscordSettings(), {})
    with pytest.raises(QuotebotError, match="cannot read discord.token_file .*missing"):
        load_token(DiscordSettings(token_file=str(tmp_path / "missing")), {})
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(QuotebotError, match="is empty"):
        load_token(DiscordSettings(token_file=str(tmp_path / "empty")), {})
    with pytest.raises(QuotebotError, match="inside the repository"):
        load_token(DiscordSettings(token_file=str(REPO_ROOT / "config.example.toml")), {})


def test_logs_never_show_the_token() -> None:
    formatter = RedactingFormatter("%(levelname)s %(message)s", ["s3cret.token"])
    try:
        raise RuntimeError("bad header Bot s3cret.token")
    except RuntimeError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "login with %s", ("s3cret.token",),
                                   (type(exc), exc, exc.__traceback__))
    text = formatter.format(record)
    assert "s3cret.token" not in text and "login with [redacted]" in text and "Bot [redacted]" in text


def test_cooldown_is_per_user_and_counts_down() -> None:
    now = [100.0]
    cooldown = Cooldown(10, clock=lambda: now[0])
    assert cooldown.hit(1) == 0.0
    now[0] += 4
    assert cooldown.hit(1) == pytest.approx(6.0) and cooldown.hit(2) == 0.0
    now[0] += 6
    assert cooldown.hit(1) == 0.0
    assert Cooldown(0).hit(1) == 0.0 and Cooldown(0).hit(1) == 0.0
