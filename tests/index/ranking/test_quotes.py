"""No sentence twice in one answer: pure checks of index.ranking.quotes, and the README's example end to end."""

from hypothesis import given
from hypothesis import strategies as st

from index.ranking.quotes import fresh_span, sentence_key, sentence_keys

TEXT = "Alpha rose early. Beta followed him. Gamma was late. Delta never came."


def span_of(sentence: str) -> tuple[int, int]:
    i = TEXT.index(sentence)
    return i, i + len(sentence)


def test_nothing_shown_keeps_the_whole_text():
    assert fresh_span(TEXT, span_of("Gamma was late."), set()) == (0, len(TEXT))


def test_a_shown_leading_sentence_is_trimmed_off():
    shown = sentence_keys("Alpha rose early. Beta followed him.")
    s, e = fresh_span(TEXT, span_of("Gamma was late."), shown)
    assert TEXT[s:e] == "Gamma was late. Delta never came."


def test_a_shown_trailing_sentence_is_trimmed_off():
    shown = {sentence_key("Delta  NEVER came.")}  # spacing and case do not make a new sentence
    s, e = fresh_span(TEXT, span_of("Alpha rose early."), shown)
    assert TEXT[s:e] == "Alpha rose early. Beta followed him. Gamma was late."


def test_a_shown_sentence_in_the_middle_cuts_at_the_highlights_side():
    shown = {sentence_key("Beta followed him.")}
    s, e = fresh_span(TEXT, span_of("Delta never came."), shown)
    assert TEXT[s:e] == "Gamma was late. Delta never came."


def test_an_already_shown_highlight_adds_nothing():
    assert fresh_span(TEXT, span_of("Beta followed him."), {sentence_key("Beta followed him.")}) is None


sentences = st.lists(st.sampled_from(["One cat sat.", "Two dogs ran.", "Three birds sang.", "Four fish swam.",
                                      "Five owls slept."]), min_size=1, max_size=8)


@given(sentences, sentences, st.data())
def test_a_fresh_span_repeats_no_shown_sentence_and_keeps_the_highlight(before, text_sentences, data):
    text = " ".join(text_sentences)
    shown = sentence_keys(" ".join(before))
    i = data.draw(st.integers(0, len(text_sentences) - 1))
    hs = len(" ".join(text_sentences[:i])) + (1 if i else 0)
    highlight = (hs, hs + len(text_sentences[i]))
    span = fresh_span(text, highlight, shown)
    if span is None:
        assert sentence_key(text_sentences[i]) in shown
        return
    s, e = span
    assert s <= highlight[0] and highlight[1] <= e  # the highlight survives, verbatim
    assert not (sentence_keys(text[s:e]) & shown)
