"""Each ranking stage alone, on hand-made candidates: no store, no model."""

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from index.models.reader import Reading, Span
from index.ranking import stages
from index.ranking.highlight import Match, Query
from index.ranking.parameters import Evidence, Floors, Parameters, Reading as ReadingWeights, Time
from index.ranking.retrieval import Retrieved, Scored
from index.ranking.timeframe import TimeFrame
from index.storage.store import ChunkRow, Where


def row(cid, text, article="a", start=0, title="T", date=None, source=None):
    return ChunkRow(cid, article, title, source, None, date, start, start + len(text), text)


def ctx(question="q", *, frame=TimeFrame(), where=Where(), unseen=0.0, reader=None, k=5, **groups):
    retrieved = Retrieved(question, frame, where, Query.of(question), unseen, ())
    return stages.Context(retrieved, Parameters(**groups), reader, k)


def test_fuse_is_convex_over_cosine_and_normalised_bm25_best_first():
    a, b = Scored(row(1, "x"), dense=0.8, keyword=0.0), Scored(row(2, "y"), dense=0.4, keyword=1.0)
    out = stages.fuse([a, b], ctx())
    assert [s.row.id for s in out] == [2, 1]
    assert [s.score for s in out] == pytest.approx([0.7, 0.4])


def test_within_frame_drops_later_articles_and_other_sources():
    frame = TimeFrame(until=date(2024, 1, 31))
    ranked = [Scored(row(1, "x", date="2024-01-05", source="AP"), 0.5, 0.5),
              Scored(row(2, "x", date="2024-02-05", source="AP"), 0.5, 0.5),
              Scored(row(3, "x", source="Reuters"), 0.5, 0.5),
              Scored(row(4, "x", source="ap"), 0.5, 0.5)]
    kept = stages.within_frame(ranked, ctx(frame=frame, where=Where(sources=("ap",))))
    assert [s.row.id for s in kept] == [1, 4]  # undated articles pass the dates; sources match folded


def test_sentence_evidence_promotes_the_chunk_whose_sentence_holds_the_question():
    vague = Scored(row(1, "Bridges were in the news. Pine trees grew. Someone opened a shop."), 0.6, 1.0, 0.8)
    exact = Scored(row(2, "The mayor opened the Pine bridge on Monday."), 0.55, 0.9, 0.725)
    ranked = stages.sentence_evidence([vague, exact], ctx("who opened the Pine bridge"))
    assert [s.row.id for s in ranked] == [2, 1]
    assert ranked[0].match.lexical == pytest.approx(1.0) and ranked[0].match.phrase == pytest.approx(1.0)
    assert ranked[0].score == pytest.approx(0.725 + 0.25 + 0.25)


def test_sentence_evidence_reads_only_the_first_depth_candidates():
    scored = [Scored(row(i, f"Chunk {i} is about a bridge."), 0.5, 0.5, 1.0 - i / 10) for i in range(5)]
    ranked = stages.sentence_evidence(scored, ctx("bridge", evidence=Evidence(depth=2)))
    assert [s.match is not None for s in ranked] == [True, True, False, False, False]
    assert [s.row.id for s in ranked[2:]] == [2, 3, 4]  # the rest keep their fused order


def test_recency_prefers_articles_near_the_period_asked_about():
    frame = TimeFrame(period=(date(2024, 1, 1), date(2024, 1, 1)))
    old = Scored(row(1, "x", date="2020-01-01"), 0.5, 0.5, 1.0)
    new = Scored(row(2, "x", date="2024-01-01"), 0.5, 0.5, 0.95)
    undated = Scored(row(3, "x"), 0.5, 0.5, 0.9)
    out = stages.recency([old, new, undated], ctx(frame=frame))
    assert [s.row.id for s in out][0] == 2
    penalty = 0.08 * np.log1p((date(2024, 1, 1) - date(2020, 1, 1)).days)
    assert out[-1].row.id == 1 and out[-1].score == pytest.approx(1.0 - penalty)
    assert next(s for s in out if s.row.id == 3).score == pytest.approx(0.9 - penalty / 2)  # the mean penalty
    assert stages.recency([old, new], ctx(frame=frame, time=Time(recency=0))) == [old, new]
    assert stages.recency([old, new], ctx()) == [old, new]  # no period: unchanged


class Scripted:
    def __init__(self, relevance):
        self.relevance, self.seen = relevance, []

    def read(self, question, passages):
        self.seen.append(list(passages))
        return [Reading(self.relevance.get(p, 0.0)) for p in passages]


def test_read_reorders_the_candidates_it_reads_and_keeps_the_rest_below():
    ranked = [Scored(row(i, f"p{i}"), 0.5, 0.5, 1.0 - i / 10) for i in range(4)]
    reader = Scripted({"p2": 9.0})
    out = stages.read(ranked, ctx(reader=reader, reading=ReadingWeights(candidates=3, weight=5.0)))
    assert reader.seen == [["p0", "p1", "p2"]]
    assert [s.row.id for s in out] == [2, 0, 1, 3] and out[-1].reading is None
    assert out[-1].score < min(s.score for s in out[:3])
    assert stages.read(ranked, ctx()) == ranked  # no reader: unchanged


def test_zscores():
    assert np.allclose(stages.zscores([1.0, 2.0, 3.0]), [-1.2247, 0.0, 1.2247], atol=1e-4)
    assert stages.zscores([2.0, 2.0]).tolist() == [0.0, 0.0] and stages.zscores([]).size == 0


def test_relevance_mixes_cosine_and_the_sentence_share_less_unseen_words():
    s = Scored(row(1, "x"), dense=0.45, keyword=1.0, score=1.0, match=Match((0, 1), 0.3, 0.9))
    assert s.relevance(2 / 3) == pytest.approx(2 / 3 * 0.45 + 1 / 3 * 0.3)
    assert replace(s, match=None).relevance(2 / 3) == pytest.approx(0.3)  # unread: no lexical evidence
    assert stages.relevance([s], ctx(unseen=0.5)) == pytest.approx(s.relevance(2 / 3) - 0.1 * 0.5)


def test_floor_on_the_reader_when_it_read_else_on_relevance():
    read = Scored(row(1, "x"), 0.1, 0.1, 1.0, reading=Reading(-4.0))
    assert stages.floor([read], ctx()) == []
    assert stages.floor([read], ctx(floors=Floors(min_relevance=-5.0))) == [read]
    matched = Scored(row(1, "x"), 0.9, 0.1, 1.0, match=Match((0, 1), 0.9, 0.0))
    assert stages.floor([matched], ctx()) == [matched]
    assert stages.floor([matched], ctx(floors=Floors(relevance_floor=0.95))) == []
    assert stages.floor([], ctx(floors=Floors(relevance_floor=-1.0))) == []


def test_collapse_drops_overlapping_spans_and_syndicated_copies():
    a = Scored(row(1, "A" * 100, "x", 0), 0.9, 1, 0.9)
    overlapping = Scored(row(2, "B" * 100, "x", 40), 0.8, 1, 0.8)  # 60 of 100 characters shared
    adjacent = Scored(row(3, "C" * 100, "x", 90), 0.7, 1, 0.7)  # one short overlap: a different passage
    copy = Scored(row(4, "a" * 100, "y", 0), 0.6, 1, 0.6)  # the same text in another article
    other = Scored(row(5, "D" * 100, "z", 0), 0.5, 1, 0.5)
    assert [s.row.id for s in stages.collapse([a, overlapping, adjacent, copy, other], 10)] == [1, 3, 5]
    assert [s.row.id for s in stages.collapse([a, overlapping, adjacent, copy, other], 1)] == [1]


def test_distinct_keeps_three_k_and_matches_every_one():
    ranked = [Scored(row(i, f"Story {i} about the bridge.", article=str(i)), 0.5, 0.5, 1 - i / 100) for i in range(9)]
    out = stages.distinct(ranked, ctx("bridge", k=2))
    assert [s.row.id for s in out] == [0, 1, 2, 3, 4, 5] and all(s.match is not None for s in out)


def test_supported_keeps_quotes_within_the_margin_of_the_first():
    first = Scored(row(1, "x"), 0, 0, 2.0, reading=Reading(1.0))
    near = Scored(row(2, "y"), 0, 0, 0.5, reading=Reading(1.0))
    far = Scored(row(3, "z"), 0, 0, -3.0, reading=Reading(1.0))
    unread = Scored(row(4, "w"), 0, 0, 1.9)
    out = stages.supported([first, near, far, unread], ctx(floors=Floors(evidence_margin=4.0)))
    assert [s.row.id for s in out] == [1, 2]
    assert stages.supported([unread, first], ctx()) == [unread, first]  # unread rankings keep them all


def test_answer_sentence_highlights_the_sentence_holding_the_span():
    text = "The bridge opened. Ada Brook cut the ribbon. Rain fell."
    s = Scored(row(1, text), 0, 0, 1.0, match=Match((0, 18), 0.5, 0.0),
               reading=Reading(1.0, (Span(text.index("Ada"), text.index("Ada") + 9, 5.0),), 0.0, 0.0, 0.0))
    (out,) = stages.answer_sentence([s], ctx())
    assert text[slice(*out.match.sentence)] == "Ada Brook cut the ribbon."
    bare = replace(s, reading=None)
    assert stages.answer_sentence([bare], ctx()) == [bare]


def test_answer_sentence_prefers_the_answer_pooled_over_the_passages():
    """A passage whose own best span is another answer still highlights the sentence of the answer the
    passages agree on."""
    text = "Bo Lee spoke first. Ada Brook cut the ribbon."
    other = "Ada Brook cut the ribbon, officials said."
    lee, ada = Span(0, 6, 6.0), Span(text.index("Ada"), text.index("Ada") + 9, 5.5)
    s = Scored(row(1, text), 0, 0, 1.0, match=Match((0, 19), 0.5, 0.0), reading=Reading(1.0, (lee, ada), 0, 0, 8.0))
    t = Scored(row(2, other), 0, 0, 0.9, match=Match((0, len(other)), 0.5, 0.0),
               reading=Reading(1.0, (Span(0, 9, 5.8),), 0, 0, 8.0))
    out = stages.answer_sentence([s, t], ctx())
    assert text[slice(*out[0].match.sentence)] == "Ada Brook cut the ribbon."
