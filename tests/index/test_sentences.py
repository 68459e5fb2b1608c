from hypothesis import given
from hypothesis import strategies as st

from index.sentences import split_sentences


def texts(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_initials_and_quotes():
    t = 'Mr. Smith met Gen. Lee at the U.S. Army base. He said "Hi." Then J. K. Rowling left! Ok? Yes.'
    assert texts(t) == ["Mr. Smith met Gen. Lee at the U.S. Army base.", 'He said "Hi."', "Then J. K. Rowling left!",
                        "Ok?", "Yes."]


def test_blank_lines_and_headings_are_breaks():
    t = "Heading\nFirst sentence here. Second one\ncontinues here.\n\nNew paragraph"
    assert texts(t) == ["Heading", "First sentence here.", "Second one\ncontinues here.", "New paragraph"]


def test_curly_quotes_close_a_sentence():
    t = "It would mark a “strategic defeat.” The missiles flew."
    assert texts(t) == ["It would mark a “strategic defeat.”", "The missiles flew."]


def test_lowercase_after_period_does_not_split():
    assert texts("Worth 3.5 million e.g. more. Done.") == ["Worth 3.5 million e.g. more.", "Done."]


@given(st.text(alphabet=st.characters(max_codepoint=0x2FFF), max_size=400))
def test_spans_are_ordered_trimmed_and_cover_every_visible_character(text):
    spans = split_sentences(text)
    covered = set()
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        covered.update(range(s, e))
        last = e
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
