"""Garbage in never crashes, hangs or loses the rest of a batch."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.ingest.chunking import chunk_text
from index.engine import MAX_QUESTION_CHARS
from index.errors import InputError
from index.ingest.articles import SUPPORTED, Failure, read_bytes
from index.types import Answer, Article

NASTY = st.sampled_from(["\u200b", "\u202e", "\u0000", "\x07", "\ufeff", "\u2028", "😀", "مرحبا بالعالم", "שלום",
                         "<script>", "@everyone", "**x**", "\r\n", "\t", "…", "U.S.", "\\", '"', "{", "é"])
HOSTILE_TEXT = st.lists(st.one_of(st.text(max_size=40), NASTY), max_size=60).map("".join)


def check_items(items) -> None:
    for item in items:
        assert isinstance(item, (Article, Failure))
        if isinstance(item, Article):
            assert item.text.strip() and isinstance(item.title, str)
        else:
            assert item.reason and "\n" not in item.reason


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(SUPPORTED)), st.binary(max_size=2000))
def test_any_bytes_in_any_format(suffix, data):
    check_items(list(read_bytes(f"f{suffix}", data)))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([".txt", ".md", ".jsonl", ".json"]), HOSTILE_TEXT)
def test_hostile_text(suffix, text):
    if suffix in (".jsonl", ".json"):
        text = json.dumps({"id": "x", "title": text[:20], "text": text})
    items = list(read_bytes(f"f{suffix}", text.encode("utf-8", "surrogatepass")))
    check_items(items)
    for a in (i for i in items if isinstance(i, Article)):
        for c in chunk_text(a.id, a.text, max_chars=200):
            assert c.text == a.text[c.start : c.end]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([".html", ".htm"]), HOSTILE_TEXT)
def test_hostile_html(suffix, text):
    page = f"<html><head><title>{text[:30]}</title></head><body><p>{text}</p><p>{text[::-1]}</p></body></html>"
    check_items(list(read_bytes(f"f{suffix}", page.encode("utf-8", "surrogatepass"))))


def test_encodings():
    text = "Título\n\nEl gobierno anunció la medida el martes. ¿Quién la apoyó?"
    for codec in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        (a,) = read_bytes("f.txt", text.encode(codec))
        assert a.title == "Título" and "martes" in a.text, codec
    for codec, sample in (("latin-1", "añadido el martes ü ß"), ("cp1252", "“añadido” el martes"),
                          ("shift_jis", "日本語のニュース")):
        data = f"Title\n\n{sample}".encode(codec)
        (f,) = read_bytes("f.txt", data)
        assert isinstance(f, Failure) and "UTF-8" in f.reason, codec


def test_ten_megabyte_single_line_is_indexed(tmp_path, fake_engine):
    big = tmp_path / "big.txt"
    big.write_text("Huge\n\n" + "word " * 2_000_000, encoding="utf-8")  # 10 MB, one line, no sentence end
    good = tmp_path / "good.txt"
    good.write_text("Ferry news\n\nThe ferry returned on Monday.")
    started = time.monotonic()
    report = fake_engine.ingest([big, good])
    elapsed = time.monotonic() - started
    assert report.added == 2 and not report.failed
    assert fake_engine.check() == []
    assert elapsed < 300, "hang guard: 10 MB must not take minutes"


def test_batch_with_garbage_indexes_the_rest(tmp_path, fake_engine):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "ok.txt").write_text("Ferry news\n\nThe ferry returned on Monday.")
    (folder / "rtl.txt").write_text("עיתון\n\nהמעבורת חזרה ביום שני. 😀 \u202e reversed")
    (folder / "bin.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "broken.html").write_bytes(b"<html><body><div><p>unclosed <b>tags " + b"<i>" * 5000)
    (folder / "null.json").write_text("null")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    report = fake_engine.ingest([folder])
    assert report.added == 3, report.failed  # ok.txt, rtl.txt, and the readable part of broken.html
    assert {f.where.rsplit("/", 1)[-1] for f in report.failed} >= {"bin.txt", "null.json", "deep.json"}
    assert fake_engine.check() == []


HOSTILE_QUESTIONS = ["x" * 2000, "?!.,;:'\"()[]{}", "@everyone <@123> **bold** [link](http://evil) ||spoiler||",
                     "NEAR(a b) OR \"x\" AND NOT y*", "ferry " * 333 + "  " * 3000, "\u202e\u200b😀",
                     "ferry\x00returned",
                     "snake_case ﬁnal x² 数字", "' OR 1=1; DROP TABLE chunks; --", "ferry* OR harbour^2 NOT \""]


@pytest.fixture
def two_articles(tmp_path, fake_engine):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Ferry news\n\nThe ferry returned on Monday. Crowds met it at the pier.")
    (tmp_path / "docs" / "b.txt").write_text("Council budget\n\nThe council cut the harbour budget by a third.")
    fake_engine.ingest([tmp_path / "docs"])
    return {a.id: a for a in fake_engine.store.articles()}


def check_answer(answer: Answer, question: str, articles: dict[str, Article]) -> None:
    """An Answer to this question whose every passage is a verbatim span with its highlight inside."""
    assert isinstance(answer, Answer) and answer.question
    assert answer.found == bool(answer.passages)
    for p in answer.passages:
        assert articles[p.article_id].text[p.start : p.end] == p.text
        assert 0 <= p.highlight[0] < p.highlight[1] <= len(p.text)


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS)
def test_hostile_questions_get_verbatim_answers_and_break_nothing(fake_engine, two_articles, question):
    check_answer(fake_engine.ask(question), question, two_articles)
    answer = fake_engine.ask("when did the ferry return?")  # the index still answers as before
    assert answer.found and answer.passages[0].title == "Ferry news"
    assert fake_engine.check() == []


def test_an_undecodable_question_is_one_line_and_breaks_nothing(fake_engine, two_articles):
    with pytest.raises(InputError) as bad:
        fake_engine.ask("\ud800 lone surrogate ferry")  # undecodable input bytes arrive as lone surrogates
    assert "not valid text" in str(bad.value) and "\n" not in str(bad.value)
    assert fake_engine.ask("when did the ferry return?").found and fake_engine.check() == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(HOSTILE_TEXT)
def test_any_question_gets_an_answer_or_a_one_line_input_error(fake_engine, two_articles, question):
    try:
        answer = fake_engine.ask(question)
    except InputError as exc:
        assert "\n" not in str(exc)  # only an empty or a too long question is refused
        assert not question.split() or len(" ".join(question.split())) > MAX_QUESTION_CHARS
        return
    check_answer(answer, question, two_articles)


@pytest.mark.parametrize("question", ["x" * 2001, "ferry " * 3000])
def test_a_question_over_the_limit_is_refused_in_one_line_not_cut(fake_engine, two_articles, question):
    """Questions over 2,000 characters were cut to 2,000 without a word."""
    with pytest.raises(InputError) as bad:
        fake_engine.ask_many(["when did the ferry return?", question], ids=["q1", "q2"])
    n = len(" ".join(question.split()))
    assert str(bad.value) == f"question too long: {n} characters, at most 2000 (question q2)"
    assert fake_engine.ask(" ".join(("x" * 2000 + "   ").split())).question  # 2,000 after spaces are folded
