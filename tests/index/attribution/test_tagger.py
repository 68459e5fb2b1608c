"""The attribution tagger (index.attribution.tagger): windows, decoding, and the shipped int8 model."""

import time

import numpy as np
import pytest

from index.attribution import attributions, tagger as tg


@pytest.fixture(scope="module")
def shipped():
    t0 = time.perf_counter()
    model = tg.Tagger()
    assert time.perf_counter() - t0 < 5.0  # loads fast: about 23 MB of int8 weights
    return model


def _tag(layout, text, role, phrase, begin=True):
    """Tag the word pieces of ``phrase`` (first occurrence) with ``role``."""
    s = text.index(phrase)
    e = s + len(phrase)
    tags = layout["tags"]
    first = True
    for k, (a, b) in enumerate(layout["lay"].offsets):
        if a >= s and b <= e:
            tags[k] = 1 + 2 * tg.ROLES.index(role) + (0 if first and begin else 1)
            first = False


def _layout(shipped, text):
    lay = tg.layout(text, shipped._tokenizer)
    return {"lay": lay, "tags": np.zeros(len(lay.offsets), dtype=np.int64)}


def test_windows_tag_every_token_once_within_the_limit(shipped):
    text = " ".join(f"Sentence number {n} says that the council met on Monday in the city hall." for n in range(40))
    lay = tg.layout(text, shipped._tokenizer)
    ws = tg.windows(lay, 101, 102)
    tagged = [k for w in ws for k in w.tagged if k >= 0]
    assert sorted(tagged) == list(range(len(lay.offsets)))
    assert len(ws) > 1 and all(len(w.ids) <= tg.MAX_TOKENS for w in ws)
    assert all(len(w.ids) == len(w.types) == len(w.tagged) for w in ws)
    # the context before (type 0) is read, not tagged; the window's own tokens and last [SEP] are type 1
    assert all((w.types[k] == 1) == (t >= 0 or k == len(w.ids) - 1) for w in ws for k, t in enumerate(w.tagged))


def test_decode_groups_spans_by_nearest_cue_and_continues_a_quote(shipped):
    text = "“We will win,” said Jane Roe. “It is over.”\n\nTrump said the polls were wrong, adding that he led."
    t = _layout(shipped, text)
    _tag(t, text, "content", "“We will win,”")
    _tag(t, text, "cue", "said")
    _tag(t, text, "source", "Jane")
    _tag(t, text, "source", "Roe", begin=False)
    _tag(t, text, "content", "“It is over.”")
    _tag(t, text, "source", "Trump")
    _tag(t, text, "cue", "said the")  # the second "said"
    _tag(t, text, "content", "the polls were wrong")
    _tag(t, text, "cue", "adding")
    _tag(t, text, "content", "that he led")
    found = tg.decode(text, t["lay"], t["tags"])
    spans = [(text[f.source[0]:f.source[1]] if f.source else None, text[f.cue[0]:f.cue[1]],
              [text[a:b] for a, b in f.content]) for f in found]
    assert spans == [
        ("Jane Roe", "said", ["“We will win,”", "“It is over.”"]),
        ("Trump", "said", ["the polls were wrong"]),
        ("Trump", "adding", ["that he led"]),  # a cue without a source of its own shares the one before it
    ]


def test_the_shipped_tagger_reads_a_plain_report(shipped):
    text = "Russia said it backed the Syrian army's offensive near Deir Ezzor."
    (f,) = shipped.attributions(text)
    assert text[f.cue[0]:f.cue[1]] == "said" and f.source and text[f.source[0]:f.source[1]] == "Russia"
    assert any("backed the Syrian army" in text[a:b] for a, b in f.content)
    assert shipped.attributions("") == []
    assert shipped.meta["tags"] == list(tg.TAGS) and shipped.meta["bytes"] <= 25_000_000


def test_default_combines_the_tagger_with_the_rules_and_cues_only_is_the_rules():
    text = ("The senator, who led the filibuster, said on Tuesday that the vote was close. "
            "Kevin Sullivan arrived in Ohio on Monday. “We are ready,” he said.")
    found = attributions(text)
    assert found and [a.content[0][0] for a in found] == sorted(a.content[0][0] for a in found)
    he = [a for a in found if a.source and text[a.source[0]:a.source[1]] == "he"]
    assert he and he[0].resolved and text[he[0].resolved[0]:he[0].resolved[1]] == "Kevin Sullivan"
    for a in found:
        for s, e in [a.cue, *a.content] + ([a.source] if a.source else []):
            assert 0 <= s < e <= len(text)
    assert attributions(text, deeds=False) == attributions(text, deeds=False, model=False)
    assert attributions(text, model=False) != [] and attributions("") == []
