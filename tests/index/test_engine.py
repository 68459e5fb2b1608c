import sqlite3
from dataclasses import replace

import pytest

from index.engine import Engine
from index.errors import IndexBusyError, IndexError_, InputError
from index.storage.local_store import LocalStore as Store


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def corpus(tmp_path):
    docs = tmp_path / "docs"
    write(docs, "a.txt", "Volcano erupts\n\nThe volcano erupted on Tuesday. Ash covered the town of Pine.")
    write(docs, "b.txt", "Election held\n\nVoters chose a new mayor. The mayor is called Ada Brook.")
    return docs


def test_reindex_unchanged_is_a_noop_and_changed_replaces(tmp_path, fake_engine):
    docs = corpus(tmp_path)
    first = fake_engine.ingest([docs])
    assert (first.added, first.updated, first.unchanged, len(first.failed)) == (2, 0, 0, 0)
    calls = fake_engine.models.embedder.calls
    again = fake_engine.ingest([docs])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert fake_engine.models.embedder.calls == calls  # nothing re-embedded
    write(docs, "a.txt", "Volcano erupts\n\nThe volcano erupted on Wednesday instead.")
    changed = fake_engine.ingest([docs])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 1)
    store = fake_engine.store
    articles, chunks = store.counts()
    assert articles == 2 and store.vectors().ntotal == chunks
    assert "Tuesday" not in " ".join(a.text for a in store.articles())


def test_every_stored_chunk_is_its_article_span(tmp_path, fake_engine):
    fake_engine.ingest([corpus(tmp_path)])
    store = fake_engine.store
    texts = {a.id: a.text for a in store.articles()}
    ids = [r[0] for r in store.conn.execute("SELECT id FROM chunks")]
    for row in store.chunk_rows(ids).values():
        assert row.text == texts[row.article_id][row.start : row.end]


def test_answer_quotes_verbatim_with_highlight(tmp_path, fake_engine):
    fake_engine.ingest([corpus(tmp_path)])
    answer = fake_engine.ask("what is the mayor called?")
    assert answer.found
    top = answer.passages[0]
    article = {a.id: a for a in fake_engine.store.articles()}[top.article_id]
    assert article.text[top.start : top.end] == top.text
    assert "Ada Brook" in top.highlighted
    assert top.title == "Election held"


def test_nothing_found_below_floor(tmp_path, fake_engine):
    fake_engine.ingest([corpus(tmp_path)])
    answer = fake_engine.ask("quantum chromodynamics lattice gauge")
    assert not answer.found and answer.passages == ()


def test_empty_question_and_bad_k(tmp_path, fake_engine):
    fake_engine.ingest([corpus(tmp_path)])
    with pytest.raises(InputError, match="empty question"):
        fake_engine.ask("   ")
    with pytest.raises(InputError, match="between 1 and 50"):
        fake_engine.ask("mayor", k=0)


def test_undecodable_question_is_an_input_error(tmp_path, fake_engine):
    fake_engine.ingest([corpus(tmp_path)])
    with pytest.raises(InputError, match="not valid text") as bad:
        fake_engine.ask_many(["mayor?", "caf\udce9 mayor?"], ids=["q1", "q2"])
    assert "question q2" in str(bad.value)


def test_a_duplicate_id_names_both_places(tmp_path, fake_engine):
    docs = tmp_path / "docs"
    write(docs, "c.jsonl", '{"id": "x", "text": "First copy."}\n{"id": "y", "text": "Other."}\n'
                           '{"id": "x", "text": "Second copy."}\n')
    report = fake_engine.ingest([docs])
    (failure,) = report.failed
    assert failure.where.endswith("c.jsonl:3")
    assert failure.reason.startswith("duplicate article id 'x' (first at ") and "c.jsonl:1)" in failure.reason


def test_a_change_of_chunking_rules_rechunks_unchanged_articles(tmp_path, fake_engine, monkeypatch):
    import index.indexing as indexing

    docs = corpus(tmp_path)
    fake_engine.ingest([docs])
    monkeypatch.setattr(indexing, "CHUNKING_RULES", indexing.CHUNKING_RULES + 1)
    again = fake_engine.ingest([docs])
    assert (again.updated, again.unchanged) == (2, 0)


def test_ask_before_indexing(fake_engine):
    with pytest.raises(IndexError_, match="no index at .*run 'quotebot index PATH' first"):
        fake_engine.ask("anything")


def test_other_model_is_a_clear_error(tmp_path, fake_engine, fake_settings):
    fake_engine.ingest([corpus(tmp_path)])
    other = Engine(replace(fake_settings, model=replace(fake_settings.model, name="some/other-model")))
    with pytest.raises(IndexError_, match="built with model 'fake-hash' but the config says 'some/other-model'"):
        other.ask("mayor")


def test_failure_mid_ingest_keeps_last_good_index(tmp_path, fake_engine, monkeypatch):
    docs = corpus(tmp_path)
    fake_engine.ingest([docs])
    before = fake_engine.store.counts()
    write(docs, "c.txt", "New\n\nA third article about ferries.")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fake_engine.models.embedder, "encode", boom)
    with pytest.raises(KeyboardInterrupt):
        fake_engine.ingest([docs])
    monkeypatch.undo()
    fresh = Engine(fake_engine.settings)
    assert fresh.store.counts() == before
    assert fresh.ask("who is the new mayor?").found
    assert len(list(fresh.folder.glob("vectors-*"))) == 1  # the failed generation left no file behind


def test_second_writer_is_told_the_index_is_busy(tmp_path, fake_engine):
    from filelock import FileLock

    docs = corpus(tmp_path)
    fake_engine.ingest([docs])
    with FileLock(str(fake_engine.folder / "write.lock")):
        with pytest.raises(IndexBusyError, match="index is busy"):
            Engine(fake_engine.settings).ingest([docs])


def test_corrupted_index_is_a_clear_error(fake_settings):
    folder = fake_settings.index_path
    folder.mkdir(parents=True)
    (folder / "quotebot.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(IndexError_, match=r"is corrupted \(file is not a database: quotebot.sqlite3\); "
                       r"set it aside and index again: mv .*/index .*/index.corrupted && quotebot index --index "):
        Store(folder)


def test_failures_are_reported_and_the_rest_indexed(tmp_path, fake_engine):
    docs = corpus(tmp_path)
    (docs / "bad.txt").write_bytes(b"\x00\x01garbage\xff")
    (docs / "c.jsonl").write_text('{"id": "j1", "text": "Ferry news."}\nnot json\n')
    report = fake_engine.ingest([docs, tmp_path / "missing"])
    assert report.added == 3
    assert sorted(f.where.rsplit("/", 1)[-1] for f in report.failed) == ["bad.txt", "c.jsonl:2", "missing"]
    assert "3 added, 0 updated, 0 unchanged, 3 failed" in report.summary()


def test_ingest_bytes_for_uploads(fake_engine):
    report = fake_engine.ingest_bytes("upload.txt", b"Harbour news\n\nThe harbour reopened after the storm.")
    assert report.added == 1
    assert fake_engine.ask("when did the harbour reopen?").passages[0].title == "Harbour news"


def test_stats(tmp_path, fake_engine):
    fake_engine.ingest([corpus(tmp_path)])
    stats = fake_engine.stats()
    assert stats["articles"] == 2 and stats["chunks"] >= 2 and stats["model"] == "fake-hash"
    assert stats["dimension"] == 64 and stats["bytes"] > 0
    db = sqlite3.connect(fake_engine.folder / "quotebot.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_on_change_is_called_after_a_write_that_added_or_updated(tmp_path, fake_settings):
    changes = []
    engine = Engine(fake_settings, on_change=changes.append)
    docs = corpus(tmp_path)
    first = engine.ingest([docs])
    assert changes == [first] and first.added == 2
    engine.ingest([docs])
    engine.ingest([tmp_path / "missing"])
    assert len(changes) == 1  # nothing changed: not called
    assert engine.ingest_bytes("new.txt", b"Ferries\n\nThe ferry runs twice a day.").added == 1
    write(docs, "a.txt", "Volcano erupts\n\nThe volcano erupted on Wednesday instead.")
    assert engine.ingest_items([]).added == 0 and engine.ingest([docs]).updated == 1
    assert len(changes) == 3


ZERO_WIDTH = ["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060"]


def test_quotes_slice_the_text_as_given_with_zero_width_characters(tmp_path, fake_engine):
    # Issue 19 #16: U+FEFF between coordinates (as in Wikipedia texts) was dropped from the stored text, so
    # a quote's start/end no longer pointed into the text as given.
    import json

    given = {}
    for i, mark in enumerate(ZERO_WIDTH):
        given[f"z{i}"] = (f"The lighthouse stands at 51\u00b030{mark}\u2032N 0\u00b07{mark}\u2032W on the "
                          f"head{mark}land. Its keeper, Ada Br{mark}ook, lit the lamp in 1902. The "
                          f"co{mark}ordinates were surveyed again in 1990.")
    docs = tmp_path / "docs"
    write(docs, "z.jsonl", "".join(json.dumps({"id": k, "title": "Lighthouse", "text": v}) + "\n"
                                   for k, v in given.items()))
    assert fake_engine.ingest([docs]).added == len(ZERO_WIDTH)
    assert {a.id: a.text for a in fake_engine.store.articles()} == given
    answer = fake_engine.ask("who lit the lamp in 1902?", k=10)
    assert answer.found and len({p.article_id for p in answer.passages}) > 1
    for passage in answer.passages:
        assert given[passage.article_id][passage.start : passage.end] == passage.text
