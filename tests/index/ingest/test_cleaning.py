import pytest
from hypothesis import given
from hypothesis import strategies as st

import tracemalloc

from index.ingest.cleaning import clean, is_furniture, is_promo, normalise, quotable_runs, split_title, strip_furniture
from tests.limits import finishes_within


def test_trailing_page_furniture_is_dropped_by_rule_not_by_phrase():
    text = "Title\n\nA real sentence about the siege.\n\nAnother real sentence here.\n\nShare on Twitter\nBack to top"
    assert clean(text).endswith("Another real sentence here.")


def test_seed_exit_line_is_gone(tmp_path):
    from tests.conftest import SEEDS

    raw = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    assert "Exit mobile version" not in clean(raw)
    assert "Mosul and Tal Afar." in clean(raw)


def test_short_sentence_with_punctuation_is_kept():
    assert clean("Body text here.\n\nHe won.") == "Body text here.\n\nHe won."


def test_is_furniture():
    assert is_furniture("Advertisement")
    assert is_furniture("Skip to content")
    assert not is_furniture("The army said it had won.")
    assert not is_furniture("This line is long enough to be prose even without a full stop at its end")


def test_normalise_unifies_newlines():
    assert normalise("a b\r\nc\u00a0d\n\n\n\ne\x00f") == "a b\nc d\n\nef"


@pytest.mark.parametrize("mark", ["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad"])
def test_normalise_keeps_zero_width_characters_inside_words(mark):
    # Issue 19 #16: quotes and their offsets are of the text as given; dropping these shifted them.
    text = f"Located at 51\u00b030{mark}\u2032N 0\u00b07{mark}\u2032W, the co{mark}ordinates say."
    assert normalise(text) == text


def test_split_title_markdown_heading():
    assert split_title("\n# The Title\n\nBody line.") == ("The Title", "Body line.")
    assert split_title("Plain first line\nrest") == ("Plain first line", "rest")
    assert split_title("   \n") == ("", "")


def test_strip_furniture_keeps_single_line():
    assert strip_furniture("Menu") == "Menu"


@given(st.text())
def test_clean_is_idempotent_and_never_raises(text):
    once = clean(text)
    assert clean(once) == once


def test_middle_lines_are_kept_verbatim_only_edges_go():
    body = ("The summer blockbuster isn’t what it used to be.\n\nWhat is a summer movie, anyway?\n\n"
            "Need a break? Play the USA TODAY Daily Crossword Puzzle.\n\nGreatest summer of movies ever\n\n"
            "The greatest of all time is “Jaws.”")
    assert clean(f"Skip to content\nMenu\n{body}\n\nShare this\nBack to top") == body


def test_promo_lines_are_calls_to_action_not_headings_or_short_paragraphs():
    for line in ["Need a break? Play the USA TODAY Daily Crossword Puzzle.",
                 "What's everyone talking about? Sign up for our trending newsletter to get the latest news",
                 "NEVER MISS A MOMENT: Subscribe to our Sports newsletter now!",
                 "What's the weather today? Check your local forecast here.", "Advertisement", "ADVERTISEMENT"]:
        assert is_promo(line), line
    for line in ["Greatest summer of movies ever", "Oklahoma", "Almost.", "What is a summer movie, anyway?",
                 "Get out now, the mayor told residents.", "Read the statement: “We will not stop.”",
                 "The newsletter was read by 2 million subscribers.", "Play resumed after the rain delay.",
                 "word " * 500]:
        assert not is_promo(line), line


def test_quotable_runs_are_the_text_between_promo_lines():
    text = "First paragraph.\n\nAdvertisement\n\nSecond paragraph.\nSign up for our newsletter here."
    assert [text[a:b] for a, b in quotable_runs(text)] == ["First paragraph.\n\n", "\n\nSecond paragraph.\n"]
    assert quotable_runs("Just prose.") == [(0, 11)]


def test_edge_stripping_is_linear_and_a_huge_line_is_not_split_into_words():
    lines = "Menu\n" * 300_000 + "A real sentence at last.\n" + "Share\n" * 300_000
    with finishes_within(60):  # lines were popped from the front one by one: quadratic
        assert strip_furniture(lines) == "A real sentence at last."
    line = "word " * 2_000_000
    tracemalloc.start()
    try:
        assert not is_furniture(line)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(line)  # a list of its two million words took over 100 MB


def test_not_utf8_names_the_byte_or_surrogate():
    from index.ingest.cleaning import not_utf8

    assert not_utf8("plain café ✓") is None
    assert not_utf8("a\udc80") == "is not valid UTF-8 (byte 0x80 at character 2)"
    assert not_utf8("\ud800x") == "is not valid text (lone surrogate \\ud800 at character 1)"
