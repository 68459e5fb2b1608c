"""index.attribution's rules (``model=False``) on hand-written sentences: source, cue and content as verbatim spans
of the text. The tagger and the default combination: test_tagger.py."""

from index.attribution import Attribution, attributions


def _texts(text: str, a: Attribution) -> tuple[str | None, str, list[str]]:
    source = text[a.source[0] : a.source[1]] if a.source else None
    return source, text[a.cue[0] : a.cue[1]], [text[s:e] for s, e in a.content]


def _only(text: str) -> Attribution:
    found = attributions(text, model=False)
    assert len(found) == 1, [_texts(text, a) for a in found]
    return found[0]


def test_subject_cue_content():
    text = "Russia said it backed the Syrian army's offensive near Deir Ezzor."
    a = _only(text)
    assert _texts(text, a) == ("Russia", "said", ["it backed the Syrian army's offensive near Deir Ezzor"])
    assert a.via is None and a.resolved is None


def test_nested_reporting_keeps_speaker_and_outlet():
    text = "SANA quoted the ministry as saying the operation had begun on Sunday."
    a = _only(text)
    source, cue, content = _texts(text, a)
    assert (source, content) == ("the ministry", ["the operation had begun on Sunday"]) and "saying" in cue
    assert a.via is not None and text[a.via[0] : a.via[1]] == "SANA"


def test_according_to_before_and_after_the_content():
    text = "The attack killed 12 people, according to police."
    assert _texts(text, _only(text)) == ("police", "according to", ["The attack killed 12 people"])
    text = "According to the Associated Press, turnout was high."
    assert _texts(text, _only(text)) == ("the Associated Press", "According to", ["turnout was high"])


def test_quote_before_source_inverted_or_not():
    text = "“We will win,” said Jane Roe, a spokeswoman for the campaign."
    assert _texts(text, _only(text)) == ("Jane Roe, a spokeswoman for the campaign", "said", ["“We will win,”"])
    text = "“We will win,” Senator Jane Roe said on Monday."
    assert _texts(text, _only(text)) == ("Senator Jane Roe", "said", ["“We will win,”"])


def test_hearer_and_multi_word_cue():
    text = "Mr. Lee told reporters that the talks had failed."
    assert _texts(text, _only(text)) == ("Mr. Lee", "told", ["that the talks had failed"])
    text = "The senator pointed out that the bill was dead."
    assert _texts(text, _only(text)) == ("The senator", "pointed out", ["that the bill was dead"])


def test_pronoun_source_keeps_its_offsets_and_names_the_person():
    text = "Kevin Sullivan arrived in Ohio on Monday. “We are ready,” he said."
    a = _only(text)
    assert _texts(text, a) == ("he", "said", ["“We are ready,”"])
    assert a.source == (text.index("he said"), text.index("he said") + 2)
    assert a.resolved is not None and text[a.resolved[0] : a.resolved[1]] == "Kevin Sullivan"


def test_pronoun_skips_a_name_whose_title_does_not_fit():
    text = "Mr. Adam Kent met Mrs. Ann Lee. She said the deal was off."
    a = _only(text)
    assert a.resolved is not None and text[a.resolved[0] : a.resolved[1]] == "Mrs. Ann Lee"
    text = "Mrs. Ann Lee met Mr. Adam Kent. She said the deal was off."
    a = _only(text)
    assert a.resolved is not None and text[a.resolved[0] : a.resolved[1]] == "Mrs. Ann Lee"


def test_quote_running_over_sentences_is_one_attribution():
    text = "“The party does not represent me,” James said. “It represents corporate interests.”"
    a = _only(text)
    assert _texts(text, a)[2] == ["“The party does not represent me,”", "“It represents corporate interests.”"]


def test_no_reporting_no_attribution():
    assert attributions(model=False, text="The weather was fine and the river rose by two metres.") == []
    assert attributions(model=False, text="") == []
    assert attributions(model=False, text="The United States sent a report on the state of the roads.") == []
    assert attributions(model=False, text="The strikes hit a town called Ash Sholah, near the river.") == []


def test_action_cue_and_deeds_only_when_asked():
    text = "Trump criticized the media for its coverage."
    assert _texts(text, _only(text)) == ("Trump", "criticized", ["the media for its coverage"])
    text = "Ms. Warren blocked the nomination in the committee."
    assert _texts(text, _only(text))[:2] == ("Ms. Warren", "blocked")
    assert attributions(text, deeds=False, model=False) == []
    assert attributions(model=False, text="Trump won Ohio by eight points.") == []  # an outcome, not a stance


def test_spans_are_verbatim_and_in_bounds():
    text = ("WASHINGTON — The senator, who led the filibuster, said on Tuesday that “the vote is close.”\n\n"
            "“It is over,” she added. Critics argued the plan was flawed, the report says.")
    found = attributions(text, model=False)
    assert found
    for a in found:
        for s, e in [a.cue, *a.content] + ([a.source] if a.source else []):
            assert 0 <= s < e <= len(text) and text[s:e] == text[s:e].strip()


def test_to_dict_is_the_scorers_shape():
    text = "Russia said it backed the offensive."
    d = _only(text).to_dict()
    assert d == {"source": [[0, 6]], "cue": [[7, 11]], "content": [[12, 35]]}


def test_passive_subject_is_no_source_and_its_agent_is():
    text = "Trump had been expected to visit Capitol Hill next week."
    a = _only(text)
    assert a.source is None and _texts(text, a)[1] == "expected"
    text = "The plan was criticized by left-leaning economists."
    assert _texts(text, _only(text))[:2] == ("left-leaning economists", "criticized")


def test_inverted_source_keeps_its_relative_clause_but_not_a_participle_after_it():
    text = "“That is Hillary Clinton,” said the man who built his career on blue-collar credentials."
    assert _texts(text, _only(text))[0] == "the man who built his career on blue-collar credentials"
    text = "“It is classic,” said Jane Roe, a former speechwriter, referring to the new ad."
    assert _texts(text, _only(text))[0] == "Jane Roe, a former speechwriter"


def test_source_before_with_including_a_title_before_the_name_and_a_parenthesis():
    text = "Several fact checkers, including The Washington Post, have pointed out that the claim was false."
    assert _texts(text, _only(text))[0] == "Several fact checkers, including The Washington Post"
    text = "Trump's campaign manager, Corey Lewandowski, who ran the program, declined to comment."
    assert _texts(text, _only(text))[0] == "Trump's campaign manager, Corey Lewandowski, who ran the program"
    text = "Brian Murphy, the county chairman, for example, said the party was split."
    assert _texts(text, _only(text))[0] == "Brian Murphy, the county chairman"


def test_source_noun_phrase_joined_by_and_or_by_an_agent():
    text = "Many liberal economists and Wall Street reform advocates believe the rule is weak."
    assert _texts(text, _only(text))[0] == "Many liberal economists and Wall Street reform advocates"
    text = "A survey conducted by Elena Sadovskaya found that turnout fell."
    assert _texts(text, _only(text))[0] == "A survey conducted by Elena Sadovskaya"


def test_mined_cues_join_the_hand_written_ones():
    from index.attribution import lexicon, mined

    assert mined.ADDED and all(lexicon.CUES[form] >= particles for form, particles in mined.ADDED.items())
    assert not (mined.DROPPED & lexicon.CUES.keys()) and mined.DROPPED <= lexicon.HAND_CUES.keys()
    assert "" in lexicon.CUES["said"]  # never dropped
