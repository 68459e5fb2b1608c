from hypothesis import given
from hypothesis import strategies as st

from index.text.sentences import split_sentences
from tests.limits import finishes_within


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


# Abbreviations, initials, decimals and dotted acronyms: a full stop every few characters.
DENSE = "Mr. J. K. Smith of the U.S. Army met Gen. Lee on Jan. 5 at 3.5 p.m. in St. Louis, e.g. at the U.N. office. "


def test_two_megabytes_of_abbreviation_dense_text_split_in_linear_time():
    # Each check used to search back from the start of the text: 0.3 MB took 42 s, this would take hours.
    text = (DENSE * (2_000_000 // len(DENSE)))
    with finishes_within(60):
        spans = split_sentences(text)
    assert len(spans) == text.count("office.")
    assert text[slice(*spans[-1])] == DENSE.strip()


def test_pathological_runs_split_in_linear_time():
    dots = "." * 1_000_000 + "x"  # a terminator run that never meets a space
    wrapped = "\n".join(["no punctuation on this hard-wrapped line"] * 40_000)  # one paragraph
    with finishes_within(60):
        assert texts(dots) == [dots]
        assert len(split_sentences(wrapped)) == 1


def test_abbreviation_look_back_is_bounded():
    # The check reads a few characters before the full stop, whatever came before them.
    for prefix in ("", "Word. ", "x" * 100_000 + ". "):
        text = prefix + "He met Gen. Lee there."
        assert texts(text)[-1] == "He met Gen. Lee there."
    assert texts("An extraordinarilylongwordthatendsasentence. Next one.")[-1] == "Next one."


def test_a_part_of_a_text_is_split_in_place():
    text = "Skip me. First here. Second here. Skip me too."
    assert [text[s:e] for s, e in split_sentences(text, 9, 33)] == ["First here.", "Second here."]
