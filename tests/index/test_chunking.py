from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunking import approx_tokens, chunk_text

SENTENCE = st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=120).map(lambda s: s.strip() + ".")
ARTICLE = st.lists(SENTENCE, min_size=0, max_size=40).map(" ".join) | st.text(max_size=3000)


def test_windows_respect_chars_and_overlap_one_sentence():
    text = " ".join(f"Sentence number {i} says something." for i in range(30))
    chunks = chunk_text("a", text, max_chars=200, overlap_sentences=1)
    assert len(chunks) > 3
    for prev, nxt in zip(chunks, chunks[1:]):
        assert nxt.start < prev.end  # one shared sentence
        assert nxt.start > prev.start
    assert all(len(c.text) <= 200 for c in chunks)


def test_token_budget_is_never_exceeded():
    text = " ".join("1,234,567.89 $ % ^ &" for _ in range(200))
    chunks = chunk_text("a", text, max_chars=5000, max_tokens=64, reserved_tokens=10, count_tokens=approx_tokens)
    assert all(approx_tokens([c.text])[0] <= 54 for c in chunks)


def test_one_huge_line_without_spaces_is_cut():
    text = "x" * 5000
    chunks = chunk_text("a", text, max_chars=700)
    assert "".join(c.text for c in chunks) == text


def test_empty_text_has_no_chunks():
    assert chunk_text("a", "") == []
    assert chunk_text("a", "   \n ") == []


@settings(max_examples=150, deadline=None)
@given(ARTICLE, st.integers(min_value=20, max_value=800), st.integers(min_value=0, max_value=2))
def test_chunks_cover_text_in_order_and_equal_their_spans(text, max_chars, overlap):
    chunks = chunk_text("a", text, max_chars=max_chars, overlap_sentences=overlap, max_tokens=256)
    covered = set()
    for prev, nxt in zip(chunks, chunks[1:]):
        assert prev.start < nxt.start and prev.end <= nxt.end
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert len(c.text) <= max_chars or len(text[c.start : c.end].split()) == 1
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
