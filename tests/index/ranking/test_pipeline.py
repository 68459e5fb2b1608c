import json
from dataclasses import replace

import pytest

from index.engine import Engine
from index.ranking import stages
from index.ranking.parameters import Floors, Parameters, Quoting
from index.ranking.pipeline import STAGES, Searcher, without


def searcher(engine, **groups) -> Searcher:
    return Searcher(store=engine.store, encoder=engine.models.query_encoder, parameters=Parameters(**groups))


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
    answer = searcher(fake_engine, quoting=Quoting(max_chars=120)).search("who opened the new river bridge in Pine?")
    texts = {a.id: a.text for a in fake_engine.store.articles()}
    for p in answer.passages:
        assert len(p.text) <= 120 and texts[p.article_id][p.start : p.end] == p.text
    assert answer.passages[0].highlighted.startswith("The mayor of Pine")


def test_words_the_index_never_saw_lower_the_relevance(tmp_path, fake_engine):
    """The same evidence with a name the index has never seen falls under a floor it otherwise clears."""
    fake_engine.ingest([write_corpus(tmp_path)])
    search = replace(fake_engine.settings.search, relevance_floor=0.0)
    question = "who opened the new river bridge?"

    def relevance(q, penalty):
        s = searcher(fake_engine, floors=Floors(unseen_penalty=penalty, relevance_floor=-1.0))
        (found,) = s.retrieve([q], 5)
        ranked = s.rank(found, 5)
        return stages.relevance(ranked, stages.Context(found, s.parameters, None, 5))

    seen = relevance(question, 0.1)
    assert seen == pytest.approx(relevance(question, 0.0))  # every word is in the index: no penalty
    (unseen,) = searcher(fake_engine).retrieve(["Zorblaxian"], 5)
    assert unseen.unseen == 1.0 and fake_engine.store.doc_freqs(unseen.query.terms)[0] == {}
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
    answer = searcher(fake_engine, quoting=Quoting(max_chars=120)).search("who opened the new river bridge in Pine?")
    assert answer.passages[0].highlighted.startswith("The mayor of Pine")
    for p in answer.passages:
        assert text[p.start : p.end] == p.text and "Need a break" not in p.text


def test_the_stages_run_in_their_visible_order():
    assert [name for name, _ in STAGES] == ["fusion", "time_frame", "sentence_evidence", "recency", "reader",
                                            "floor", "distinct", "support", "answer_sentence"]


def test_an_ablation_drops_a_stage_by_name_and_an_unknown_name_is_an_error(tmp_path, fake_engine):
    fake_engine.ingest([write_corpus(tmp_path)])
    question = "quantum chromodynamics lattice gauge"
    assert not searcher(fake_engine).search(question).found
    no_floor = Searcher(store=fake_engine.store, encoder=fake_engine.models.query_encoder, stages=without("floor"))
    assert no_floor.search(question).found  # nothing is relevant, but without the floor something is quoted
    with pytest.raises(ValueError, match="no such ranking stage: flour"):
        without("flour")


def test_retrieval_reads_term_statistics_once_per_question(tmp_path, fake_engine, monkeypatch):
    fake_engine.ingest([write_corpus(tmp_path)])
    store = fake_engine.store
    calls = []
    real = store.doc_freqs
    monkeypatch.setattr(store, "doc_freqs", lambda terms: calls.append(list(terms)) or real(terms))
    answers = searcher(fake_engine).search_many(["who opened the new river bridge?", "was the ferry cancelled?"])
    assert len(calls) == 2 and all(a.found for a in answers)
