"""Corroboration: independent sources counted once (syndicated copies and one outlet's articles alike), and
differing confident answers shown with their sources."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import example, given, settings, strategies as st

from index.models.reader import Reading, Span
from index.ranking.answers import answer_key, shared
from index.ranking.corroboration import (
    RIVAL, SUPPORT, Claim, Corroboration, claim_words, conflict, corroborate, disagreement, near_duplicate,
    outlet, same_answer,
)
from index.ranking.retrieval import Scored
from index.ranking.timeframe import frame
from index.storage.store import ChunkRow

WIRE = ("Syrian government forces broke a three-year siege of Deir Ezzor on Tuesday, state media said. "
        "Russia said it backed the Syrian army's offensive with cruise missiles fired from the Admiral Essen "
        "frigate of the Black Sea Fleet. The defence ministry in Moscow said the strikes hit command posts, "
        "ammunition depots and a workshop used to make armoured vehicles near the city. Islamic State "
        "fighters had surrounded the government-held part of the city since 2014.")
RUSSIA = "Russia said it backed"

CNN = ("Moscow's warplanes and a frigate in the Mediterranean gave the decisive push as Assad's troops reached "
       "the besieged garrison, officials told CNN. Russia's role was described by a Pentagon spokesman as "
       "\"significant\", though he declined to give details of the coalition's own strikes in the area.")
SANA = ("The heroic army units, with the support of the Russians, restored security to the city of Deir Ezzor "
        "and opened a corridor to the airport, a military source told SANA, adding that engineering units "
        "were clearing mines left by the terrorists in the neighbourhoods.")


def row(text: str, article: str, source: str | None, url: str | None = None, cid: int = 0) -> ChunkRow:
    return ChunkRow(cid, article, "T", source, url, None, 0, len(text), text)


def reading(text: str, *spans: tuple[str, float], scale: float = 0.0) -> Reading:
    """A reading of ``text`` whose spans (each a substring, first occurrence) hold these probabilities within
    the passage; ``scale`` moves all its logits, and so its share of the question's shared probability."""
    made = tuple(Span(text.index(s), text.index(s) + len(s), math.log(p) + scale) for s, p in spans)
    return Reading(5.0, made, start_norm=scale, end_norm=0.0)


def scored(text: str, article: str, source: str | None, *spans: tuple[str, float], scale: float = 0.0,
           url: str | None = None) -> Scored:
    return Scored(row(text, article, source, url), 0.5, 0.5,
                  reading=reading(text, *spans, scale=scale) if spans else None)


def ranking(*items: Scored) -> list[Scored]:
    """The candidates with their readings sharing one normaliser, as the reader stage leaves them."""
    read = [s for s in items if s.reading is not None]
    norms = iter(shared([s.reading for s in read if s.reading is not None]))
    return [Scored(s.row, s.dense, s.keyword, reading=next(norms)) if s.reading is not None else s for s in items]


def test_syndicated_copies_from_different_outlets_count_once():
    ranked = ranking(scored(WIRE, "reuters-1", "Reuters", ("Russia", 0.8)),
                     scored(WIRE, "yahoo-7", "Yahoo News", ("Russia", 0.7)))
    found = corroborate(ranked, answer_key("Russia"))
    assert found.count == 1 and found.sources == ("Reuters",)
    assert found.answer == Claim("Russia", "Reuters", "reuters-1")
    assert found.line() == "reported by 1 source: Reuters"


def test_a_wire_story_under_another_headline_byline_and_chunking_counts_once():
    # The copy adds a byline and dateline, changes a word, and is chunked elsewhere: its chunk starts mid-story
    # and runs on past the wire's chunk; the answer is what both chunks hold.
    copy = ("By Jane Doe | The Beirut Star. DAMASCUS (AP) — " + WIRE.split(". ", 1)[1]
            .replace("command posts", "command centres") + " Aid convoys were expected within days.")
    ranked = ranking(scored(WIRE[:330], "reuters-1", "Reuters", ("Russia", 0.8)),
                     scored(CNN, "cnn-1", "CNN", ("Russia", 0.6)),
                     scored(copy, "star-9", "The Beirut Star", ("Russia", 0.9)),
                     scored(SANA, "sana-3", "SANA", ("the Russians", 0.7)))
    found = corroborate(ranked, answer_key("Russia"))
    assert found.sources == ("Reuters", "CNN", "SANA") and found.count == 3
    assert found.line() == "reported by 3 sources: Reuters, CNN, SANA"


def test_three_independent_outlets_count_three_in_rank_order():
    ranked = ranking(scored(CNN, "cnn-1", "CNN", ("Russia", 0.6), ("Moscow", 0.3)),
                     scored(WIRE, "reuters-1", "Reuters", ("Russia", 0.9)),
                     scored(SANA, "sana-3", "SANA", ("Russians", 0.5), ("the Russians", 0.4)))
    found = corroborate(ranked, answer_key("Russia's"))
    assert found.count == 3 and found.sources == ("CNN", "Reuters", "SANA")
    assert found.to_dict() == {"count": 3, "sources": ["CNN", "Reuters", "SANA"], "differ": []}


def test_one_outlet_counts_once_whatever_its_articles_and_spelling():
    other = "In a separate report, Russia said it would keep its frigates in the eastern Mediterranean."
    ranked = ranking(scored(WIRE, "reuters-1", "Reuters", ("Russia", 0.8)),
                     scored(other, "reuters-2", "  reuters ", ("Russia", 0.8)),
                     scored(WIRE[:250], "reuters-1", "Reuters", ("Russia", 0.8)))
    assert corroborate(ranked, "russia").sources == ("Reuters",)


def test_a_story_from_outside_the_period_the_question_names_is_another_event():
    """Asked which city removed its monument "this week": February's story naming the same city reports
    another removal, and last year's story of a differing answer is no dispute; with no period named, or
    within it, every outlet counts."""
    def dated(s: Scored, day: str) -> Scored:
        return replace(s, row=replace(s.row, date=day))

    this_week = ("Richmond removed its last Confederate monument on Monday, the city said, as crews lifted "
                 "the statue of General Hill from its pedestal.")
    february = "Richmond was among the cities that removed Confederate monuments last year, a survey found."
    ranked = ranking(dated(scored(this_week, "usa-1", "USA Today", ("Richmond", 0.9)), "2022-12-12"),
                     dated(scored(february, "cnn-1", "CNN", ("Richmond", 0.8)), "2022-02-02"),
                     dated(scored(WIRE, "ap-1", "AP", ("Deir Ezzor", 0.9)), "2021-12-14"))
    asked = date(2022, 12, 16)
    week = frame("Which city removed its final public Confederate monument this week?", asked)
    assert week.named
    found = corroborate(ranked, "richmond", week)
    assert found.sources == ("USA Today",) and found.differ == ()
    anyday = frame("Which city removed its final public Confederate monument?", asked)
    assert not anyday.named
    assert corroborate(ranked, "richmond", anyday).sources == ("USA Today", "CNN")
    assert [c.source for c in corroborate(ranked, "richmond", anyday).differ] == ["AP"]
    assert corroborate(ranked, "richmond").sources == ("USA Today", "CNN")
    within = [ranked[0], dated(ranked[1], "2022-12-13")]
    assert corroborate(within, "richmond", week).sources == ("USA Today", "CNN")


def test_an_unknown_source_is_its_links_host_then_its_article():
    assert outlet(row("x", "a", None, "https://www.Example.com/news/1")) == ("host:example.com", "example.com")
    assert outlet(row("x", "a", "  The   Times ")) == ("the times", "The Times")
    assert outlet(row("x", "a-7", None)) == ("article:a-7", "a-7")
    ranked = ranking(scored(CNN, "1", None, ("Russia", 0.8), url="https://www.example.com/a"),
                     scored(SANA, "2", None, ("Russians", 0.8), url="https://example.com/b"),
                     scored(WIRE, "3", None, ("Russia", 0.8)))
    assert corroborate(ranked, "russia").sources == ("example.com", "3")


def test_possessive_and_plural_demonym_are_the_answer():
    assert same_answer(claim_words("Russia's"), claim_words("Russia"))
    assert same_answer(claim_words("the Russians"), claim_words("Russia"))
    assert same_answer(claim_words("at least 12 people"), claim_words("12"))
    assert same_answer(claim_words("Fifteen"), claim_words("15 people"))
    assert same_answer(claim_words("twenty-one"), claim_words("21"))
    assert same_answer(claim_words("1,500"), claim_words("1500"))


@pytest.mark.parametrize("a, b", [("Russia", "Russian"), ("Brook", "Brooks"), ("12", "15"), ("1,500", "500"),
                                  ("Ada", ""), ("Julia", "Julian")])
def test_different_answers_are_not_the_same(a, b):
    assert not same_answer(claim_words(a), claim_words(b))


@pytest.mark.parametrize("a, b, differ", [
    ("12 people", "15 people", True), ("Russia", "Iran and Hezbollah", True), ("12", "twelve", False),
    ("Russia", "Russian forces", False), ("Ada Brook", "Ben Brook", False), ("12 people", "12 soldiers", False),
])
def test_conflict_is_plain_difference_only(a, b, differ):
    assert conflict(claim_words(a), claim_words(b)) is differ


def test_a_passage_whose_reader_says_something_else_is_not_counted():
    ranked = ranking(scored(WIRE, "reuters-1", "Reuters", ("Russia", 0.9)),
                     scored(CNN, "cnn-1", "CNN", ("Pentagon", 0.6), ("Russia", SUPPORT - 0.2)))
    assert corroborate(ranked, "russia").sources == ("Reuters",)


def test_nothing_read_counts_nothing():
    assert corroborate([], "russia") == Corroboration()
    unread = ranking(scored(WIRE, "reuters-1", "Reuters"))
    assert corroborate(unread, "russia").count == 0 and corroborate(unread, "russia").line() == ""
    assert corroborate(ranking(scored(WIRE, "reuters-1", "Reuters", ("Russia", 0.9))), "").count == 0
    assert Corroboration().to_dict() == {"count": 0, "sources": [], "differ": []}


TOLL_CNN = "At least 12 people died in the Aleppo bombing on Sunday, state media said."
TOLL_REUTERS = "The Aleppo bombing killed 15 people, a war monitor said on Sunday."
TOLL_AP = "Fifteen people were killed when a car bomb exploded in Aleppo, activists said."
ACCIDENT = "Three soldiers died in a traffic accident near Homs last week."


def test_differing_confident_answers_are_both_shown_with_their_sources():
    ranked = ranking(scored(TOLL_CNN, "cnn-1", "CNN", ("12", 0.4), ("12 people", 0.3), ("least 12", 0.15)),
                     scored(TOLL_REUTERS, "reuters-1", "Reuters", ("15 people", 0.6), ("15", 0.4)),
                     scored(TOLL_AP, "ap-1", "AP", ("Fifteen people", 0.5), ("Fifteen", 0.48)),
                     scored(ACCIDENT, "ap-2", "AP", ("Three", 0.8), scale=-8.0))
    found = corroborate(ranked, answer_key("12"))
    assert found.count == 1 and found.differ == (Claim("15 people", "Reuters", "reuters-1"),)
    assert found.line() == "sources differ: 12 (CNN) · 15 people (Reuters)"
    assert found.to_dict()["differ"] == [{"text": "15 people", "source": "Reuters", "article_id": "reuters-1"}]
    other_way = corroborate(ranked, answer_key("15 people"))
    assert other_way.sources == ("Reuters", "AP") and [c.text for c in other_way.differ] == ["12"]
    assert other_way.line() == "sources differ: 15 people (Reuters, AP) · 12 (CNN)"


def test_an_off_topic_or_unsure_passage_is_no_rival():
    weak = math.log(RIVAL) - 1.0  # below the share of shared probability a rival needs
    ranked = ranking(scored(TOLL_CNN, "cnn-1", "CNN", ("12", 0.9)),
                     scored(ACCIDENT, "ap-2", "AP", ("Three", 0.9), scale=-8.0),
                     scored(TOLL_REUTERS, "reuters-1", "Reuters", ("15", 0.9), scale=weak),
                     scored(TOLL_AP, "ap-1", "AP", ("Fifteen", SUPPORT - 0.1), ("Aleppo", 0.05)))
    assert disagreement(ranked, "12") == ()
    assert disagreement(ranked, "999") == ()  # an answer no passage holds has nothing to differ from


def test_near_duplicates_are_copies_not_reports_of_one_event():
    at = (WIRE.index(RUSSIA), WIRE.index(RUSSIA) + 6)
    edited = "LONDON (AP) - " + WIRE.replace("backed", "supported").replace("hit", "struck")
    assert near_duplicate(WIRE, at, edited, (edited.index("Russia"), edited.index("Russia") + 6))
    assert not near_duplicate(WIRE, at, CNN, (CNN.index("Russia"), CNN.index("Russia") + 6))
    rewrite = ("Russia backed the Syrian army's offensive on Deir Ezzor with cruise missiles fired from a frigate, "
               "the defence ministry in Moscow said on Tuesday, as government forces broke the siege of the city.")
    assert not near_duplicate(WIRE, at, rewrite, (0, 6))  # one event's own telling shares a few phrases only
    assert not near_duplicate(WIRE, at, "", (0, 0))


_WORDS = st.sampled_from("army city siege forces said killed council monitor frigate missiles strikes "
                         "depot convoy airport officials civilians talks border river bridge north".split())
_SENTENCE = st.lists(_WORDS, min_size=6, max_size=18).map(lambda w: " ".join(w).capitalize() + ".")


@settings(max_examples=40, deadline=None)
@example(before=["Army army army army army army."],  # MinHash once estimated this pair's overlap a third too low
         after=["Army city army army talks army civilians army army airport army army army siege."],
         cut_a=0, cut_b=4, byline="")
@given(before=st.lists(_SENTENCE, min_size=0, max_size=6), after=st.lists(_SENTENCE, min_size=0, max_size=6),
       cut_a=st.integers(0, 6), cut_b=st.integers(0, 6), byline=st.sampled_from(
           ["", "By Jane Doe.", "BEIRUT (Reuters) -", "Updated 10:42 GMT. By staff and wire reports."]))
def test_a_wire_story_is_one_source_however_copied_and_chunked(before, after, cut_a, cut_b, byline):
    """Each copy's chunk holds the answer's sentence and a different run of its neighbours; the copy's first
    chunk starts with its byline."""
    answer = "Russia backed the offensive with cruise missiles, the ministry said."
    wire = [*before, answer, *after]
    copy = [byline, *wire] if byline else wire

    def chunk(sentences: list[str], cut: int) -> str:
        at = sentences.index(answer)
        return " ".join(sentences[max(0, at - cut):at + 1 + max(0, 4 - cut)])

    ranked = ranking(scored(chunk(wire, cut_a), "wire-1", "Reuters", ("Russia", 0.9)),
                     scored(chunk(copy, cut_b), "copy-1", "Daily Planet", ("Russia", 0.9)),
                     scored(CNN, "cnn-1", "CNN", ("Russia", 0.9)))
    assert corroborate(ranked, "russia").sources == ("Reuters", "CNN")
