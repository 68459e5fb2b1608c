import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from index.storage.local_files import SCHEMA
from index.text.terms import content_terms, fold, or_query, pairs, query_words, stems, words


def fts_query(text: str) -> str:
    return or_query(query_words(text))


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


# Text where a hand-written tokeniser and FTS5's unicode61 + porter part ways.
TRICKY = st.sampled_from([
    "snake_case", "ﬁnal", "ﬀ", "x²", "H₂O", "①", "Ⅻ", "Assád", "naïve", "Zürich", "İstanbul", "Straße", "ǅ", "e\u0301",
    "ΣΊΣΥΦΟΣ", "Привет", "٣٤", "数字", "東京タワー", "😀", "🇫🇷", "1,234.5", "3.14", "don't", "U.S.", "\u200b", "a-b",
    "generalizations", "agreed", "skies", "dying", "Ssss", "oed", "\x00", "\ue000", "𝐁𝐨𝐥𝐝", "ＦＵＬＬ",
])
TRICKY_TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=12)), max_size=30).map(" ".join)


def fts5_tokens(text: str) -> list[str]:
    """The tokens the real keyword index stores for ``text``, read back from its own vocabulary."""
    conn = sqlite3.connect(":memory:")
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    conn.execute("INSERT INTO chunk_fts(rowid, title, body) VALUES (1, '', ?)", (text,))
    conn.execute("CREATE VIRTUAL TABLE temp.instances USING fts5vocab(main, chunk_fts, 'instance')")
    return [t for (t,) in conn.execute("SELECT term FROM temp.instances ORDER BY offset")]


@settings(max_examples=300, deadline=None)
@given(TRICKY_TEXT)
def test_python_tokens_are_the_keyword_index_tokens(text):
    assert stems(text) == fts5_tokens(text)
    held = set(fts5_tokens(text))
    assert set(content_terms(text)) <= held  # no question word the index holds is "unseen"
    assert len(words(text)) == len(stems(text))


def test_tricky_words_tokenise_as_the_index_does():
    assert words("snake_case ﬁnal x² Assád") == ["snake", "case", "ﬁnal", "x²", "assad"]


def test_a_question_quoting_the_text_has_no_unseen_words(tmp_path, fake_engine):
    text = "The snake_case ﬁnal report gave x² and H₂O readings for Zürich."
    (tmp_path / "a.txt").write_text(f"Readings\n\n{text}")
    fake_engine.ingest([tmp_path / "a.txt"])
    asked = content_terms(text)
    df, _ = fake_engine.store.doc_freqs(asked)
    assert asked and set(df) == set(asked)
