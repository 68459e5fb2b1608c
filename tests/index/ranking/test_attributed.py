"""Who a quote's highlighted sentence says is speaking (index.ranking.attributed), and quotes carrying it."""

from __future__ import annotations

import json

from index.ranking.answering import quote
from index.ranking.attributed import chunk_attribution
from index.ranking.highlight import Match
from index.ranking.retrieval import Scored
from index.storage.store import ChunkRow
from index.types import Passage, PassageAttribution, TextSpan
from tests.conftest import SEEDS

SEED = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")


def sentence(text: str, words: str) -> tuple[int, int]:
    i = text.index(words)
    return i, i + len(words)


def spans(a: PassageAttribution) -> list[TextSpan]:
    return [s for s in (a.source, a.cue, a.via, a.pronoun) if s is not None]


def test_a_sentence_with_sana_reported_names_sana():
    text = "Syrian forces broke the siege of Deir Ezzor, SANA reported. The city had been cut off for three years."
    a = chunk_attribution(text, sentence(text, "Syrian forces broke the siege of Deir Ezzor, SANA reported."), 0)
    assert a is not None
    assert (a.source.text, a.cue.text, a.via, a.pronoun) == ("SANA", "reported", None, None)
    assert a.credit() == "SANA"


def test_a_sentence_that_reports_no_one_has_none():
    text = "Syrian forces broke the siege of Deir Ezzor, SANA reported. The city had been cut off for three years."
    assert chunk_attribution(text, sentence(text, "The city had been cut off for three years."), 0) is None
    assert chunk_attribution("The bridge reopened in May after two years of repairs.", (0, 54), 0) is None
    assert chunk_attribution("Some text.", (5, 5), 0) is None  # an empty highlight


def test_a_deed_is_not_an_attribution():
    """The reporter says Trump signed it: showing "— Trump" under it would credit Trump with the claim."""
    assert chunk_attribution("Trump signed the bill on Tuesday.", (0, 33), 0) is None


def test_he_said_is_shown_as_the_name_earlier_in_the_chunk_with_the_pronoun_kept():
    text = "Kevin Sullivan, the mayor, spoke on Monday. He said the bridge would reopen in May."
    a = chunk_attribution(text, sentence(text, "He said the bridge would reopen in May."), 0)
    assert a is not None and a.credit() == "Kevin Sullivan"
    assert (a.source.start, a.source.end) == (0, 14)
    assert a.pronoun == TextSpan("He", text.index("He said"), text.index("He said") + 2)
    assert a.to_dict()["source"] == {"text": "Kevin Sullivan", "start": 0, "end": 14,
                                     "pronoun": {"text": "He", "start": 44, "end": 46}}


def test_a_resolved_name_drops_its_possessive():
    text = "Donald Trump’s rally ran late. He said the polls were wrong."
    a = chunk_attribution(text, sentence(text, "He said the polls were wrong."), 0)
    assert a is not None and a.source == TextSpan("Donald Trump", 0, 12)


def test_an_unresolved_pronoun_names_no_one():
    text = "The strikes hit their targets, it said."
    a = chunk_attribution(text, (0, len(text)), 0)
    assert a is None or (a.source is None and a.credit() is None)


def test_nested_reporting_gives_the_speaker_via_the_outlet():
    text = "SANA quoted the Russian defense ministry as saying the strikes hit their targets."
    a = chunk_attribution(text, (0, len(text)), 0)
    assert a is not None
    assert (a.source.text, a.via.text) == ("the Russian defense ministry", "SANA")
    assert a.credit() == "the Russian defense ministry, via SANA"


def test_the_seed_articles_sentences_name_their_sources():
    for words, credit in [
        ("Russia said it backed the Syrian army’s offensive", "Russia"),
        ("Syrian regime forces have broken a three-year ISIS siege", "Syria’s official news agency SANA"),
        ("“Here you are today side by side", "President Bashar al-Assad, via SANA"),
        # a quotation running on from the paragraph before: its cue lies outside the sentence
        ("“So that your peers can be with you", "President Bashar al-Assad, via SANA"),
        ("An ISIS ammunition depot was also wiped out", "SANA"),
    ]:
        start = SEED.index(words)
        end = SEED.index("\n", start)
        a = chunk_attribution(SEED, (start, end), 0)
        assert a is not None and a.credit() == credit, words


def test_offsets_are_verbatim_into_the_article_from_a_chunk():
    start = SEED.index("“Here you are today")
    chunk = SEED[start : SEED.index("An unspecified number")]
    for words in ("“Here you are today", "“So that your peers", "The Syrian news agency said"):
        a_ = chunk.index(words)
        a = chunk_attribution(chunk, (a_, chunk.index("\n", a_)), start)
        assert a is not None and spans(a), words
        for span in spans(a):
            assert SEED[span.start : span.end] == span.text


def test_the_json_shape():
    a = PassageAttribution(source=TextSpan("the ministry", 20, 32), cue=TextSpan("said", 33, 37),
                           via=TextSpan("SANA", 0, 4))
    assert a.to_dict() == {"source": {"text": "the ministry", "start": 20, "end": 32, "pronoun": None},
                           "cue": {"text": "said", "start": 33, "end": 37},
                           "via": {"text": "SANA", "start": 0, "end": 4}}
    bare = PassageAttribution(source=None, cue=TextSpan("said", 33, 37))
    assert bare.to_dict() == {"source": None, "cue": {"text": "said", "start": 33, "end": 37}, "via": None}
    assert bare.credit() is None
    assert PassageAttribution(None, TextSpan("said", 0, 4), TextSpan("SANA", 5, 9)).credit() == "via SANA"
    p = Passage("a", "T", None, None, None, "Text.", 0, 5, (0, 5), 0.5)
    assert p.to_dict()["attribution"] is None
    json.dumps(Passage("a", "T", None, None, None, "Text.", 0, 5, (0, 5), 0.5, a).to_dict())


def test_quotes_carry_the_attribution_of_their_highlighted_sentence_in_article_offsets():
    start = SEED.index("An unspecified number")
    text = SEED[start : SEED.index("“The missiles were launched")].rstrip()
    row = ChunkRow(1, "seed", "T", None, None, None, start, start + len(text), text)
    russia = sentence(text, "Russia said it backed the Syrian army’s offensive with cruise missiles fired from the "
                            "Admiral Essen frigate of the Black Sea Fleet.")
    [p] = quote([Scored(row, 0.5, 0.5, score=1.0, match=Match(russia, 0.5, 0.0))], k=5, max_chars=700)
    assert p.attribution is not None and p.attribution.credit() == "Russia"
    assert SEED[p.attribution.source.start : p.attribution.source.end] == "Russia"
    assert p.to_dict()["attribution"]["cue"]["text"] == "said"
    # unread (no sentence matched): the whole chunk is highlighted, and no one speaker is named for it
    [unread] = quote([Scored(row, 0.5, 0.5, score=1.0)], k=5, max_chars=700)
    assert unread.attribution is None
