from hypothesis import given
from hypothesis import strategies as st

from index.terms import content_terms, fold, fts_query, pairs, words


def test_fold_lowercases_and_strips_accents():
    assert fold("Bashar al-Assád") == "bashar al-assad"
    assert fold("CAFÉ Zürich") == "cafe zurich"


@given(st.text(max_size=200))
def test_fold_drops_exactly_the_combining_marks(text):
    import unicodedata

    slow = "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))
    assert fold(text) == slow


def test_content_terms_drop_function_words_and_stem():
    assert content_terms("Who won the elections in 2016?") == ["won", "elect", "2016"]
    assert content_terms("a b c 7") == ["7"]  # single letters go, single digits stay
    assert content_terms("the of and") == []


def test_words_are_folded():
    assert words("Élysée Palace, 2019!") == ["elysee", "palace", "2019"]


def test_pairs_are_adjacent_terms():
    assert pairs(["suprem", "court", "rule"]) == {("suprem", "court"), ("court", "rule")}
    assert pairs(["one"]) == set() and pairs([]) == set()


def test_fts_query_quotes_each_distinct_word_and_cannot_inject_syntax():
    assert fts_query('Who said "NEAR" OR x* AND the court? Court!') == '"said" OR "near" OR "court"'
    assert fts_query("the of a") == ""
    assert '"' not in fts_query('"').replace('" OR "', "")
