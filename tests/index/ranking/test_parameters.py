from dataclasses import replace

from index.config import ReaderSettings, Settings
from index.ranking.parameters import Parameters


def test_the_defaults_are_the_configs_defaults():
    """One source of truth: a default changed in one place and not the other fails here."""
    assert Parameters.from_settings(Settings()) == Parameters()


def test_the_tunable_fields_come_from_the_config():
    s = Settings()
    s = replace(s, search=replace(s.search, candidates=7, keyword_weight=0.3, relevance_floor=0.1, results=3),
                reader=ReaderSettings(candidates=4, min_relevance=-2.0, answer_confidence=0.9),
                chunking=replace(s.chunking, max_chars=300))
    p = Parameters.from_settings(s)
    assert (p.fusion.candidates, p.fusion.keyword_weight, p.reading.candidates) == (7, 0.3, 4)
    assert (p.floors.min_relevance, p.floors.answer_confidence, p.floors.relevance_floor) == (-2.0, 0.9, 0.1)
    assert (p.quoting.results, p.quoting.max_chars) == (3, 300)
    assert p.evidence == Parameters().evidence and p.time == Parameters().time  # not configurable
