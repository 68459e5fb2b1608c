from hypothesis import given
from hypothesis import strategies as st

from index.cleaning import clean, is_furniture, normalise, split_title, strip_furniture


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


def test_normalise_removes_invisibles_and_unifies_newlines():
    assert normalise("a\u200bb\r\nc\u00a0d\n\n\n\ne") == "ab\nc d\n\ne"


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
