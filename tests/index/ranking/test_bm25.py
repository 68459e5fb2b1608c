import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.ranking import bm25
from index.ranking.parameters import Fusion, Parameters
from index.ranking.pipeline import Searcher
from index.text.terms import content_terms, or_query, query_words

DOCS = [
    ("Harbour news", "The harbour master said the new pier opened. Ships queued at the harbour."),
    ("Council", "The council met on Monday and said little about the budget."),
    ("Harbour news", "Fishing boats left the harbour early; the master stayed ashore."),
    ("Weather", "Rain fell all day. The pier was closed to walkers and the council apologised."),
    ("Sport", "The harbour swimmers raced across the bay at dawn, said the organisers."),
]


def fts5_scores(docs, question):
    """FTS5's own bm25 for every row, as keyword_search asks for it."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')")
    conn.executemany("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)", [(i, *d) for i, d in enumerate(docs)])
    match = or_query(query_words(question))
    rows = conn.execute("SELECT rowid, -bm25(t, 0.5, 1.0) FROM t WHERE t MATCH ?", (match,)) if match else None
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
    conn.execute("CREATE VIRTUAL TABLE i USING fts5vocab(t, 'instance')")
    df = dict(conn.execute("SELECT term, doc FROM v"))
    tokens = conn.execute("SELECT count(*) FROM i").fetchone()[0]  # FTS5's own token count, not ours
    return dict(rows.fetchall() if rows else []), bm25.Stats(len(docs), tokens / len(docs), df)


def phrases(question):
    return [(content_terms(w) or [w])[0] for w in query_words(question)]


@pytest.mark.parametrize("question", ["harbour master", "what did the council say about the pier?",
                                      "harbours swimming"])
def test_scores_equal_fts5s_own_bm25(question):
    expected, stats = fts5_scores(DOCS, question)
    got = bm25.scores(phrases(question), DOCS, stats)
    assert {i: s for i, s in enumerate(got) if s > 0} == pytest.approx(expected, rel=1e-9)


WORD = st.sampled_from("harbour pier council master ship rain bay the said opened boats".split()
                       + ["snake_case", "ﬁnal", "x²", "Zürich", "数字", "😀", "1,234.5", "don't", "e\u0301"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(WORD, max_size=4), st.lists(WORD, min_size=1, max_size=30)), min_size=1, max_size=8),
       st.lists(WORD, min_size=1, max_size=5))
def test_scores_equal_fts5s_bm25_on_any_small_corpus(docs, question):
    docs = [(" ".join(t), " ".join(b)) for t, b in docs]
    q = " ".join(question)
    expected, stats = fts5_scores(docs, q)
    got = bm25.scores(phrases(q), docs, stats)
    assert {i: s for i, s in enumerate(got) if s > 0} == pytest.approx(expected, rel=1e-9)


def test_candidate_words_keep_the_rarest_within_the_budget():
    words, df = ["said", "pier", "harbour", "zeppelin"], [900, 40, 300, 0]
    assert bm25.candidate_words(words, df, budget=10_000) == words  # all of them, in question order
    assert bm25.candidate_words(words, df, budget=400) == ["pier", "harbour", "zeppelin"]
    assert bm25.candidate_words(words, df, budget=100) == ["pier", "zeppelin"]
    assert bm25.candidate_words(["said", "told"], [900, 800], budget=10) == ["told"]  # the rarest, always
    assert bm25.candidate_words([], [], budget=10) == []


def test_mean_tokens_is_read_from_the_keyword_index(fake_engine, tmp_path):
    (tmp_path / "docs").mkdir()
    for i, (title, body) in enumerate(DOCS):
        (tmp_path / "docs" / f"{i}.txt").write_text(f"{title}\n\n{body}")
    fake_engine.ingest([tmp_path / "docs"])
    rows = fake_engine.store.conn.execute("SELECT title, body FROM chunk_fts").fetchall()
    expected = sum(len(bm25.stems(t)) + len(bm25.stems(b)) for t, b in rows) / len(rows)
    assert fake_engine.store.mean_tokens() == pytest.approx(expected)


def test_a_small_postings_budget_finds_the_same_answer(fake_engine, tmp_path):
    """Asking the keyword index with the rarest word only still ranks by every word."""
    (tmp_path / "docs").mkdir()
    for i in range(30):
        (tmp_path / "docs" / f"{i}.txt").write_text(f"Report {i}\n\nThe council said the report was late. Item {i}.")
    (tmp_path / "docs" / "pier.txt").write_text("Pier report\n\nThe council said the new pier opened on Monday.")
    fake_engine.ingest([tmp_path / "docs"])
    store = fake_engine.store
    answers = [Searcher(store=store, encoder=fake_engine.models.query_encoder,
                        parameters=Parameters(fusion=Fusion(postings=budget)))
               .search("what did the council say about the pier?") for budget in (1, 10_000)]
    assert answers[0].passages[0].title == answers[1].passages[0].title == "Pier report"
    assert [p.score for p in answers[0].passages[:1]] == pytest.approx([p.score for p in answers[1].passages[:1]])


def test_idf_holds_when_a_sampled_store_counts_a_term_in_more_rows_than_it_has():
    stats = bm25.Stats(rows=3, mean_tokens=5.0, doc_freq={"pier": 7})
    assert stats.idf("pier") == bm25.Stats(rows=3, mean_tokens=5.0, doc_freq={"pier": 3}).idf("pier") > 0
