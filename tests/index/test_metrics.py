import pytest

from index.metrics import holds_answer, normalize, score


def passage(text, article_id="a1", highlight=None):
    p = {"article_id": article_id, "text": text}
    if highlight is not None:
        p["highlight"] = list(highlight)
    return p


def answer(qid, passages, found=None):
    return {"id": qid, "question": "?", "found": bool(passages) if found is None else found, "passages": passages}


def test_normalize_is_squad_normalisation():
    assert normalize("The  Cat's hat, a Relic!") == "cats hat relic"
    assert normalize("The  Cat's hat", " ") == "cat s hat"
    assert normalize("‘Curly’ quotes—and dashes…") == "curly quotesand dashes"


def test_answers_match_whole_words_either_punctuation_way():
    assert holds_answer("Proved by Myhill's theorem.", ["Myhill"])  # apostrophe as a space
    assert holds_answer("the Adriatic—fell", ["Adriatic"])
    assert holds_answer("In the U.S. today", ["US"])  # dots deleted
    assert not holds_answer("teachers met", ["tea"])
    assert not holds_answer("anything", ["the"])  # empty after normalisation: never matches


QUESTIONS = [
    {"id": "q1", "question": "?", "answers": ["Ada Brook"], "article_id": "a1"},
    {"id": "q2", "question": "?", "answers": ["1066", "ten sixty-six"], "article_id": "a2"},
    {"id": "q3", "question": "?", "answers": ["Pine"], "article_id": "a3"},
    {"id": "q4", "question": "?", "answers": ["volcano"], "article_id": "a4"},
]


def run():
    return [
        # q1: answer in the first passage, inside its highlight; gold article first.
        answer("q1", [passage("The mayor is Ada Brook. She won.", "a1", (0, 23)), passage("Other text.", "a9")]),
        # q2: answer only in the third passage, outside the highlight; gold article second.
        answer("q2", [passage("Nothing here.", "a9", (0, 13)), passage("Still nothing.", "a2", (0, 14)),
                      passage("It was 1066. The year.", "a5", (13, 22))]),
        # q3: the answer sits past the 1,200-character cut: a miss, although the article is right.
        answer("q3", [passage("x " * 700 + "Pine", "a3", (0, 5))]),
        # q4: nothing found.
        answer("q4", [], found=False),
        # an id the gold set doesn't know: counted, ignored.
        answer("zz", [passage("volcano", "a4")]),
    ]


def test_hand_computed_metrics():
    m = score(QUESTIONS, run())
    assert m["questions"] == 4 and m["missing_in_run"] == 0 and m["extra_in_run"] == 1
    assert m["answer_recall@1"] == pytest.approx(1 / 4)
    assert m["answer_recall@3"] == pytest.approx(2 / 4)
    assert m["answer_recall@5"] == m["answer_recall@10"] == pytest.approx(2 / 4)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3) / 4)
    assert m["article_hit@1"] == pytest.approx(2 / 4)  # q1, q3
    assert m["article_hit@3"] == pytest.approx(3 / 4)  # + q2 at rank 2
    assert m["answer_in_highlight@1"] == pytest.approx(1 / 4)
    assert m["answer_in_highlight@10"] == pytest.approx(1 / 4)  # q2's highlight misses "1066"
    assert m["found_rate"] == pytest.approx(3 / 4)
    lengths = [32, 11, 13, 14, 22, 1200]
    assert m["mean_passage_chars"] == pytest.approx(sum(lengths) / len(lengths))
    assert m["mean_passages_per_question"] == pytest.approx(6 / 4)


def test_highlight_is_cut_with_the_passage():
    q = [{"id": "q", "question": "?", "answers": ["Pine"], "article_id": "a"}]
    text = "x " * 700 + "Pine"
    m = score(q, [answer("q", [passage(text, "a", (1390, len(text)))])])
    assert m["answer_in_highlight@1"] == 0.0
    m = score(q, [answer("q", [passage(text, "a", (1390, len(text)))])], max_chars=2000)
    assert m["answer_recall@1"] == m["answer_in_highlight@1"] == 1.0


def test_missing_questions_are_misses_and_no_highlight_key_without_highlights():
    m = score(QUESTIONS[:2], [answer("q1", [passage("Ada Brook")])])
    assert m["missing_in_run"] == 1
    assert m["answer_recall@1"] == 0.5 and m["found_rate"] == 0.5
    assert "answer_in_highlight@1" not in m


def test_only_the_top_ten_count():
    q = [{"id": "q", "question": "?", "answers": ["needle"], "article_id": "a"}]
    passages = [passage(f"hay {i}", "b") for i in range(10)] + [passage("needle", "a")]
    m = score(q, [answer("q", passages)])
    assert m["answer_recall@10"] == 0.0 and m["article_hit@10"] == 0.0 and m["mrr@10"] == 0.0
    assert m["mean_passages_per_question"] == 10


def test_empty_inputs():
    m = score([], [])
    assert m["questions"] == 0 and m["answer_recall@1"] == 0.0 and m["mean_passage_chars"] == 0.0
