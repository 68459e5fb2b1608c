import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.ranking.highlight import Query, best_sentence, focus, match, sentence_scores

TEXT = ("The council met on Monday. Rain fell all day in the city. "
        "The mayor of Pine, Ada Brook, opened the new bridge. Traffic resumed at noon.")


def span_text(text, span):
    return text[span[0] : span[1]]


def test_query_weights_terms_and_adjacent_pairs_by_idf():
    idf = {"mayor": 2.0, "pine": 5.0, "bridg": 3.0}.get
    q = Query.of("Who is the mayor of Pine?", lambda t: idf(t) or 1.0)
    assert q.terms == {"mayor": 2.0, "pine": 5.0}
    assert q.pairs == {("mayor", "pine"): 7.0}
    assert q.weight == 7.0 and q.pair_weight == 7.0


def test_best_sentence_holds_the_question_terms():
    assert span_text(TEXT, best_sentence(TEXT, "who is the mayor of Pine?")).startswith("The mayor of Pine")


def test_rare_terms_outweigh_common_ones():
    text = "The city council met. The bridge over the Pine river opened."
    common_first = Query.of("city bridge", {"citi": 5.0, "bridg": 0.1}.get)
    rare_first = Query.of("city bridge", {"citi": 0.1, "bridg": 5.0}.get)
    assert span_text(text, match(text, common_first).sentence) == "The city council met."
    assert span_text(text, match(text, rare_first).sentence) == "The bridge over the Pine river opened."


def test_lexical_and_phrase_are_absolute_shares():
    q = Query.of("mayor of Pine opened bridge")  # uniform weights: mayor, pine, open, bridg
    m = match(TEXT, q)
    assert m.lexical == pytest.approx(1.0)  # one sentence holds all four terms
    assert m.phrase == pytest.approx(1 / 3)  # of mayor-pine, pine-open, open-bridg only mayor-pine is adjacent
    none = match("Nothing relevant here at all.", q)
    assert none.lexical == 0.0 and none.phrase == 0.0


def test_pairs_count_across_a_sentence_boundary_but_not_across_words():
    q = Query.of("supreme court")
    assert match("They went to the Supreme. Court was in session.", q).phrase == 1.0
    assert match("The supreme leader visited the court.", q).phrase == 0.0


def test_ties_go_to_the_earliest_sentence_and_substance_breaks_them():
    text = "Brook won. Brook won. Brook, the former teacher, won the vote."
    assert best_sentence(text, "Brook") == (text.index("Brook, the"), len(text))  # more terms: more substance
    assert best_sentence("Brook won. Brook won.", "Brook") == (0, 10)


def test_no_sentence_matches_and_empty_text():
    assert best_sentence("", "anything") == (0, 0)
    span = best_sentence("Yes. The weather was fine today.", "quantum physics")
    assert span_text("Yes. The weather was fine today.", span) == "The weather was fine today."


def test_sentence_scores_cover_every_sentence():
    scores = sentence_scores(TEXT, Query.of("mayor Pine"))
    spans = [span_text(TEXT, s) for s, _ in scores]
    assert spans[:2] == ["The council met on Monday.", "Rain fell all day in the city."]
    assert max(scores, key=lambda x: x[1])[1] == pytest.approx(1.0)


@given(st.text(alphabet="abc XYZ.?!\n", max_size=300), st.text(alphabet="abc XYZ", max_size=40))
def test_match_is_always_a_span_of_the_text_with_shares_in_range(text, question):
    m = match(text, Query.of(question))
    s, e = m.sentence
    assert 0 <= s <= e <= len(text)
    assert 0.0 <= m.lexical <= 1.0 + 1e-9 and 0.0 <= m.phrase <= 1.0 + 1e-9


def test_focus_keeps_whole_sentences_within_the_limit():
    window = "First sentence here. Second one follows. Third is cut."
    assert window[: focus(window, 45)] == "First sentence here. Second one follows."
    assert focus("A very long single sentence without an end", 10) == 10  # one sentence alone is cut hard


def test_reading_window_grows_around_the_best_sentence_within_the_budget():
    from index.ranking.highlight import reading_window

    text = "One short. Two is here. Three holds the answer. Four follows. Five ends it."
    best = (text.index("Three"), text.index("Four") - 1)
    a, b = reading_window(text, best, 50)
    assert text[a:b] == "Two is here. Three holds the answer. Four follows."
    assert reading_window(text, best, 0) == (0, len(text))  # 0: the whole chunk
    assert reading_window(text, best, 500) == (0, len(text))  # it fits: the whole chunk
    assert text[slice(*reading_window(text, best, 10))] == "Three holds the answer."  # the sentence alone
