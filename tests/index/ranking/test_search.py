import json
from dataclasses import replace

import pytest

from index.engine import Engine
from index.ranking.highlight import Match, Query
from index.ranking.search import Rerank, Scored, Searcher, collapse, fuse, rerank
from index.storage.store import ChunkRow


def row(cid, text, article="a", start=0, title="T"):
    return ChunkRow(cid, article, title, None, None, None, start, start + len(text), text)


def test_fuse_is_convex_over_cosine_and_max_normalised_bm25():
    out = fuse({1: 0.8, 2: 0.4}, {2: 10.0, 3: 5.0}, keyword_weight=0.5)
    assert out == pytest.approx({1: 0.4, 2: 0.7, 3: 0.25})
    assert fuse({1: 0.6}, {}, 0.5) == pytest.approx({1: 0.3})  # no keyword hit at all


def test_rerank_promotes_the_chunk_whose_sentence_holds_the_question():
    q = Query.of("who opened the Pine bridge")
    vague = Scored(row(1, "Bridges were in the news. Pine trees grew. Someone opened a shop."), 0.6, 1.0, 0.8)
    exact = Scored(row(2, "The mayor opened the Pine bridge on Monday."), 0.55, 0.9, 0.725)
    ranked = rerank([vague, exact], q)
    assert [s.row.id for s in ranked] == [2, 1]
    assert ranked[0].match.lexical == pytest.approx(1.0) and ranked[0].match.phrase == pytest.approx(1.0)
    assert ranked[0].score == pytest.approx(0.725 + 0.25 + 0.25)


def test_rerank_reads_only_the_first_depth_candidates():
    q = Query.of("bridge")
    scored = [Scored(row(i, f"Chunk {i} is about a bridge."), 0.5, 0.5, 1.0 - i / 10) for i in range(5)]
    ranked = rerank(scored, q, Rerank(depth=2))
    assert [s.match is not None for s in ranked] == [True, True, False, False, False]
    assert [s.row.id for s in ranked[2:]] == [2, 3, 4]  # the rest keep their fused order


def test_relevance_mixes_cosine_and_the_sentence_share():
    s = Scored(row(1, "x"), dense=0.45, keyword=1.0, score=1.0, match=Match((0, 1), 0.3, 0.9))
    assert s.relevance() == pytest.approx(2 / 3 * 0.45 + 1 / 3 * 0.3)
    assert replace(s, match=None).relevance() == pytest.approx(0.3)  # unread: no lexical evidence


def test_collapse_drops_overlapping_spans_and_syndicated_copies():
    a = Scored(row(1, "A" * 100, "x", 0), 0.9, 1, 0.9)
    overlapping = Scored(row(2, "B" * 100, "x", 40), 0.8, 1, 0.8)  # 60 of 100 characters shared
    adjacent = Scored(row(3, "C" * 100, "x", 90), 0.7, 1, 0.7)  # one short overlap: a different passage
    copy = Scored(row(4, "a" * 100, "y", 0), 0.6, 1, 0.6)  # the same text in another article
    other = Scored(row(5, "D" * 100, "z", 0), 0.5, 1, 0.5)
    assert [s.row.id for s in collapse([a, overlapping, adjacent, copy, other], 10)] == [1, 3, 5]
    assert [s.row.id for s in collapse([a, overlapping, adjacent, copy, other], 1)] == [1]


def write_corpus(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    articles = [
        {"id": "bridge", "title": "Bridge opens", "text": " ".join([
            "The council met on Monday to discuss the budget.",
            "Rain fell all day and the roads were closed.",
            "The mayor of Pine, Ada Brook, opened the new river bridge.",
            "Traffic resumed at noon after the ceremony.",
            "Shops on Main Street stayed open late.",
            "The bridge cost four million dollars to build."] * 3)},
        {"id": "ferry", "title": "Ferry news", "text": "The ferry to Oak Island was cancelled because of the storm. "
                                                       "Passengers waited at the harbour for hours."},
        {"id": "school", "title": "School report", "text": "The school in Pine hired twelve teachers this year. "
                                                          "Classes start in September."},
    ]
    (docs / "c.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    return docs


@pytest.fixture
def small_chunks(fake_settings):
    return Engine(replace(fake_settings, chunking=replace(fake_settings.chunking, max_chars=200)))


def test_passages_are_the_ranked_chunks_verbatim_with_distinct_highlights(tmp_path, small_chunks):
    small_chunks.ingest([write_corpus(tmp_path)])
    texts = {a.id: a.text for a in small_chunks.store.articles()}
    answer = small_chunks.ask("who opened the new river bridge in Pine?", k=5)
    assert answer.found
    top = answer.passages[0]
    assert top.article_id == "bridge" and "Ada Brook" in top.highlighted
    highlights = set()
    for p in answer.passages:
        assert texts[p.article_id][p.start : p.end] == p.text and len(p.text) <= 200
        assert 0 <= p.highlight[0] < p.highlight[1] <= len(p.text)
        highlights.add((p.article_id, p.start + p.highlight[0]))
    assert len(highlights) == len(answer.passages)  # no sentence is highlighted twice
    assert [p.score for p in answer.passages] == sorted((p.score for p in answer.passages), reverse=True)


def test_more_results_than_candidates(tmp_path, small_chunks):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "c.jsonl").write_text("".join(
        json.dumps({"id": f"day{i}", "text": f"On day {i} the mayor crossed the bridge. Traffic on day {i} was light. "
                                             f"Shops on day {i} sold {i} umbrellas."}) + "\n" for i in range(8)))
    small_chunks.ingest([docs])
    narrow = replace(small_chunks.settings, search=replace(small_chunks.settings.search, candidates=2))
    answer = Engine(narrow).ask("bridge mayor traffic shops", k=6)
    assert 2 < len(answer.passages) <= 6


def test_floor_decides_per_question(tmp_path, fake_engine):
    fake_engine.ingest([write_corpus(tmp_path)])
    strict = Engine(replace(fake_engine.settings, search=replace(fake_engine.settings.search, relevance_floor=0.99)))
    assert not strict.ask("who opened the new river bridge?").found
    answer = fake_engine.ask("who opened the new river bridge?", k=3)
    assert answer.found and len(answer.passages) == 3  # weaker passages still follow a relevant one
    assert not fake_engine.ask("quantum chromodynamics lattice gauge").found


def test_quote_cuts_chunks_longer_than_the_current_limit(tmp_path, fake_engine):
    fake_engine.ingest([write_corpus(tmp_path)])  # chunks up to 700 characters
    searcher = Searcher(fake_engine.store, fake_engine.models.embedder, fake_engine.settings.search, max_chars=120)
    answer = searcher.search("who opened the new river bridge in Pine?")
    texts = {a.id: a.text for a in fake_engine.store.articles()}
    for p in answer.passages:
        assert len(p.text) <= 120 and texts[p.article_id][p.start : p.end] == p.text
    assert answer.passages[0].highlighted.startswith("The mayor of Pine")


def test_words_the_index_never_saw_lower_the_relevance(tmp_path, fake_engine):
    """The same evidence with a name the index has never seen falls under a floor it otherwise clears."""
    fake_engine.ingest([write_corpus(tmp_path)])
    store, search = fake_engine.store, replace(fake_engine.settings.search, relevance_floor=0.0)
    question = "who opened the new river bridge?"

    def relevance(q, penalty):
        searcher = Searcher(store, fake_engine.models.embedder, search, 700, Rerank(unseen_penalty=penalty))
        vec = fake_engine.models.embedder.encode([q])
        ranked = searcher.rank(q, vec[0], store.vector_search(vec, 40)[1][0], 40)
        return searcher.relevance(ranked, searcher.query(q))

    seen = relevance(question, 0.1)
    assert seen == pytest.approx(relevance(question, 0.0))  # every word is in the index: no penalty
    query = Searcher(store, fake_engine.models.embedder, search, 700).query("Zorblaxian")
    assert store.doc_freqs(query.terms)[0] == {}
    named = question.replace("river", "Zorblaxian river")
    assert relevance(named, 0.1) < relevance(named, 0.0) - 0.02
    strict = Engine(replace(fake_engine.settings, search=replace(search, relevance_floor=relevance(named, 0.0) - 0.01)))
    assert strict.ask(question).found and not strict.ask(named).found


def test_a_cut_quote_never_reaches_past_its_chunk_across_a_promo_line(tmp_path, fake_engine):
    text = ("Rain fell all day and the roads were closed. The council met on Monday to discuss the budget. "
            "The mayor of Pine, Ada Brook, opened the new river bridge.\n\n"
            "Need a break? Play the USA TODAY Daily Crossword Puzzle.\n\nTraffic resumed at noon.")
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "b", "title": "Bridge", "text": text}) + "\n")
    fake_engine.ingest([tmp_path / "c.jsonl"])  # chunks up to 700 characters; the promo is in none
    searcher = Searcher(fake_engine.store, fake_engine.models.embedder, fake_engine.settings.search, max_chars=120)
    answer = searcher.search("who opened the new river bridge in Pine?")
    assert answer.passages[0].highlighted.startswith("The mayor of Pine")
    for p in answer.passages:
        assert text[p.start : p.end] == p.text and "Need a break" not in p.text
