from hypothesis import given, settings
from hypothesis import strategies as st

from index.ingest.chunking import COUNT_BATCH, approx_tokens, chunk_text
from index.ingest.cleaning import quotable_runs
from tests.limits import finishes_within

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
    quotable = {i for a, b in quotable_runs(text) for i in range(a, b)}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace() and i in quotable)


PROMO = "Need a break? Play the USA TODAY Daily Crossword Puzzle."


def test_no_chunk_holds_or_bridges_a_promo_line():
    before = " ".join(f"Before the break, sentence {i} says what the summer movie was." for i in range(8))
    after = " ".join(f"After the break, sentence {i} names the greatest of all time." for i in range(8))
    text = f"{before}\n\n{PROMO}\n\n{after}"
    chunks = chunk_text("a", text, max_chars=300, overlap_sentences=1)
    cut = text.index(PROMO)
    assert all(c.text == text[c.start : c.end] for c in chunks)
    assert not any(PROMO in c.text or "Crossword" in c.text for c in chunks)
    assert all(c.end <= cut or c.start >= cut + len(PROMO) for c in chunks)  # none spans it
    head = [c for c in chunks if c.end <= cut]
    tail = [c for c in chunks if c.start > cut]
    assert (head[0].start, head[-1].end) == (0, len(before))  # the text on each side, all of it
    assert (tail[0].start, tail[-1].end) == (text.index(after), len(text))


def test_token_counts_are_asked_for_in_bounded_batches():
    # A tokenizer's output for a whole book at once took gigabytes; batches keep memory flat.
    asked: list[int] = []

    def count(texts):
        asked.append(len(texts))
        return approx_tokens(texts)

    text = " ".join(f"Short sentence {i}." for i in range(3 * COUNT_BATCH))
    chunk_text("a", text, max_chars=700, count_tokens=count)
    assert max(asked) <= COUNT_BATCH and sum(asked) >= 3 * COUNT_BATCH


def test_two_megabytes_in_one_paragraph_chunk_in_linear_time():
    text = "Mr. J. K. Smith of the U.S. Army met Gen. Lee on Jan. 5 at 3.5 p.m. in St. Louis. " * 24_000
    with finishes_within(60):
        chunks = chunk_text("a", text)
    assert chunks[-1].end == len(text.rstrip()) and all(len(c.text) <= 700 for c in chunks)
