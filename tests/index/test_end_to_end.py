"""The real packaged model on the seed article: the product's headline behaviour."""

import pytest

from tests.conftest import HEADLINE

pytestmark = pytest.mark.model


def test_headline_question_quotes_russia_first(real_engine):
    answer = real_engine.ask(HEADLINE)
    assert answer.found
    top = answer.passages[0]
    assert top.text.startswith("Russia said it backed the Syrian army’s offensive with cruise missiles")
    assert top.highlighted.startswith("Russia said it backed")
    assert top.title == "Syrian forces break ISIS’ siege of Deir Ezzor"
    assert top.url and top.url.startswith("file://")


def test_passages_are_verbatim_spans_without_furniture(real_engine):
    text = next(iter(real_engine.store.articles())).text
    assert "Exit mobile version" not in text
    for p in real_engine.ask(HEADLINE, k=5).passages:
        assert text[p.start : p.end] == p.text


def test_off_topic_question_finds_nothing(real_engine):
    assert not real_engine.ask("what is a good recipe for banana bread?").found


def test_model_and_dimension_recorded(real_engine):
    stats = real_engine.stats()
    assert (stats["model"], stats["dimension"]) == ("all-MiniLM-L6-v2", 384)
