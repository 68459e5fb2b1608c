"""The asking words alone: no Discord connection (the over-the-wire tests in test_ask.py use them too)."""

from bot.discord.asking_text import QUESTION_MAX, asked_in, busy_text, follow_up, mention_pattern, shown_text


def test_busy_text_rounds_the_wait_up_to_at_least_a_second():
    assert busy_text(0.2).endswith("in 1 s.") and busy_text(2.01).endswith("in 3 s.")


def test_mentions_of_the_bot_user_or_its_role():
    pattern = mention_pattern(42, 7)
    assert pattern.search("<@42> who?") and pattern.search("<@!42> who?") and pattern.search("<@&7> who?")
    assert not pattern.search("<@43> who?") and not mention_pattern(42, None).search("<@&7> who?")


def test_shown_text_resolves_the_escapes_the_bot_wrote():
    assert shown_text(r"who won \*the\* cup\? <https://example.com/a>") == "who won *the* cup? https://example.com/a"
    assert shown_text("a\u200bb") == "ab"


def test_asked_in_reads_the_question_an_answer_was_for():
    assert asked_in("**3 quotes** for: who backed the\\_offensive?\nmore") == "who backed the_offensive?"
    assert asked_in("-# You asked: who   backed it…") == "who backed it"
    assert asked_in("just a message") is None


def test_follow_up_keeps_the_new_question_whole():
    assert follow_up("who backed the offensive?", "and who opposed it?") == \
        "who backed the offensive? and who opposed it?"
    long = "x" * QUESTION_MAX
    assert follow_up(long, "and who opposed it?").endswith(" and who opposed it?")
    assert len(follow_up(long, "and who opposed it?")) <= QUESTION_MAX
    assert follow_up("earlier?", long) == long  # no room left: the new question alone
