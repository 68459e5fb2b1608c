"""The same tests against both store backends: the local folder and Milvus (Milvus Lite, embedded, and a
Milvus Lite server on 127.0.0.1 for several processes). Both must give the same answers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from index.config import Settings, StoreSettings
from index.engine import Engine
from index.errors import IndexError_
from index.storage.milvus_schema import encode_term, filter_expr
from index.storage.factory import open_backend
from index.storage.store import Where
from tests.conftest import FIXTURES, ROOT
from tests.helpers import CHILD, make_corpus

BACKENDS = ["local", "milvus"]
QUESTIONS = ["who supported the Deir Ezzor offensive?", "what happened in Raqqa?",
             "which ships led the Black Sea drills?", "why did wheat and barley prices rise?", "what happened in Iraq?",
             "storm damage to the harbour bridge"]


def with_backend(settings: Settings, backend: str, folder: Path | None = None) -> Settings:
    folder = folder or settings.index_path
    uri = str(folder / "milvus.db") if backend == "milvus" else ""
    return replace(settings, index_dir=str(folder), store=StoreSettings(backend=backend, uri=uri))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, fake_settings: Settings) -> Iterator[Engine]:
    yield Engine(with_backend(fake_settings, request.param))


def passages(engine: Engine, question: str, **kw: object) -> list[tuple[str, int, int, tuple[int, int]]]:
    answer = engine.ask(question, **kw)  # type: ignore[arg-type]
    return [(p.article_id, p.start, p.end, p.highlight) for p in answer.passages]


def test_both_backends_give_the_same_answers(fake_settings: Settings, tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "docs", n=30)
    engines = [Engine(with_backend(fake_settings, b, tmp_path / b)) for b in BACKENDS]
    for e in engines:
        report = e.ingest([FIXTURES / "news", corpus])
        assert report.added == 34 and not report.failed
    local, milvus = engines
    assert local.store.counts() == milvus.store.counts()
    questions = QUESTIONS + [f"which report mentions the {w}?" for w in ("vaccine", "council", "festival")]
    for q in questions:
        assert passages(milvus, q) == passages(local, q), q
        assert (milvus.store.doc_freqs(["storm", "harbour", "nope"])
                == local.store.doc_freqs(["storm", "harbour", "nope"]))
    assert milvus.store.mean_tokens() == pytest.approx(local.store.mean_tokens())


def test_reindexing_a_changed_article_replaces_its_chunks(engine: Engine, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    story = docs / "story.txt"
    story.write_text("Harbour news\n\nThe old harbour bridge was painted green by the council.", encoding="utf-8")
    engine.ingest([docs])
    story.write_text("Harbour news\n\nThe new harbour bridge was painted purple by volunteers.", encoding="utf-8")
    report = engine.ingest([docs])
    assert (report.added, report.updated) == (0, 1)
    assert engine.store.counts() == (1, 1)
    answer = engine.ask("what colour was the harbour bridge painted?")
    assert "purple" in answer.passages[0].text and not any("green" in p.text for p in answer.passages)
    assert engine.check() == []
    again = engine.ingest([docs])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)  # the same article twice is one article


def test_a_deleted_article_disappears_from_answers(engine: Engine) -> None:
    engine.ingest([FIXTURES / "news"])
    target = next(p.article_id for p in engine.ask("which ships led the Black Sea drills?").passages)
    with engine.backend.writing(engine.settings.model.name, lambda: engine.models.embedder.dim) as writer:
        assert writer.delete([target]) > 0
        writer.commit()
    answer = engine.ask("which ships led the Black Sea drills?")
    assert all(p.article_id != target for p in answer.passages)
    assert target not in {a["id"] for a in engine.export()}
    assert engine.store.counts()[0] == 3 and engine.check() == []


def test_drop_deletes_the_index(engine: Engine) -> None:
    engine.ingest([FIXTURES / "news"])
    assert engine.backend.exists()
    engine.backend.drop()
    assert not engine.backend.exists()
    again = Engine(engine.settings)
    with pytest.raises(IndexError_, match="no index at"):
        again.ask("which ships led the Black Sea drills?")
    assert again.ingest([FIXTURES / "news"]).added == 4  # and a new one can be made in its place


def test_info_check_and_export_work_and_export_rebuilds(engine: Engine, fake_settings: Settings,
                                                        tmp_path: Path) -> None:
    engine.ingest([FIXTURES / "news"])
    stats = engine.stats()
    assert (stats["articles"], stats["backend"]) == (4, engine.settings.store.backend)
    assert stats["chunks"] > 4 and stats["dimension"] == 64
    assert engine.check() == []
    records = list(engine.export())
    dump = tmp_path / "export.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    rebuilt = Engine(with_backend(fake_settings, "local", tmp_path / "rebuilt"))
    rebuilt.ingest([dump])
    assert rebuilt.store.counts() == engine.store.counts()
    for q in QUESTIONS:
        assert passages(rebuilt, q) == passages(engine, q)


def test_dates_and_sources_filter_inside_the_search(engine: Engine, tmp_path: Path) -> None:
    corpus = tmp_path / "dated.jsonl"
    rows = [{"id": "old", "title": "Bridge", "text": "The harbour bridge reopened after repairs.", "date": "2020-01-05",
             "source": "Harbour Gazette"},
            {"id": "new", "title": "Bridge", "text": "The harbour bridge closed again for repairs.",
             "date": "2024-06-01", "source": "City Post"},
            {"id": "undated", "title": "Bridge", "text": "The harbour bridge repairs cost a lot.", "date": None}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    engine.ingest([corpus])
    vec = engine.models.query_encoder.encode(["harbour bridge repairs"])
    store = engine.store
    found = {store.chunk_rows([int(i)])[int(i)].article_id
             for i in store.vector_search(vec, 10, Where(until=date(2021, 1, 1)))[1][0] if i >= 0}
    if engine.settings.store.backend == "milvus":  # pushed down: the 2024 article is not even a candidate
        assert found == {"old", "undated"}
        kw = {store.chunk_rows([i])[i].article_id
              for i, _ in store.keyword_search(["bridge"], 10, Where(since=date(2023, 1, 1)))}
        assert kw == {"new", "undated"}
        by_source = {store.chunk_rows([int(i)])[int(i)].article_id
                     for i in store.vector_search(vec, 10, Where(sources=("city post",)))[1][0] if i >= 0}
        assert by_source == {"new"}
    assert {p.article_id for p in engine.ask("harbour bridge repairs", sources=[" city  POST"]).passages} == {"new"}
    quoted = {p.article_id for p in engine.ask("harbour bridge repairs", asked_at="2021-01-01").passages}
    assert "new" not in quoted and "old" in quoted


def test_filter_expressions() -> None:
    assert filter_expr(None) == "" and filter_expr(Where()) == ""
    assert filter_expr(Where(since=date(2024, 3, 1), until=date(2024, 3, 31))) == (
        "(day == 0 or (day >= 20240301 and day <= 20240331))")
    assert filter_expr(Where(until=date(2024, 3, 1), sources=("bbc", 'the "post"'))) == (
        '(day == 0 or (day <= 20240301)) and source_key in ["bbc", "the \\"post\\""]')
    assert encode_term("bridg") == "bridg" and encode_term("x²").startswith("x") and encode_term("naïv").isalnum()
    assert encode_term("日本") != encode_term("日") and " " not in encode_term("a b")


def test_migrate_copies_both_ways_without_embedding(fake_settings: Settings, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    local = Engine(with_backend(fake_settings, "local", tmp_path / "a"))
    local.ingest([FIXTURES / "news"])
    expected = {q: passages(local, q) for q in QUESTIONS}

    def no_embedding(*args: object, **kwargs: object) -> None:
        raise AssertionError("migrate must not embed")

    monkeypatch.setattr(type(local.models.embedder), "encode_documents", no_embedding)
    milvus_settings = with_backend(fake_settings, "milvus", tmp_path / "b")
    report = local.migrate(open_backend(milvus_settings))
    assert (report.added, report.unchanged) == (4, 0)
    assert local.migrate(open_backend(milvus_settings)).unchanged == 4  # a re-run skips what is there
    milvus = Engine(milvus_settings)
    assert milvus.check() == [] and milvus.store.counts() == local.store.counts()
    back_settings = with_backend(fake_settings, "local", tmp_path / "c")
    milvus.migrate(open_backend(back_settings))
    back = Engine(back_settings)
    assert back.check() == []
    for q, want in expected.items():
        assert passages(milvus, q) == want and passages(back, q) == want


def test_an_interrupted_milvus_write_is_named_by_check_and_finished_by_a_rerun(
        fake_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(with_backend(fake_settings, "milvus"))
    docs = make_corpus(tmp_path / "docs", n=6)
    engine.ingest([docs])
    for path in docs.iterdir():
        path.write_text(path.read_text() + " A late update about the storm.")
    client = engine.backend.client()
    real = client.upsert
    calls = {"n": 0}

    def dies(collection: str, rows: list) -> object:  # the process dies after the third chunk batch
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(collection, rows)

    monkeypatch.setattr(client, "upsert", dies)
    with pytest.raises(KeyboardInterrupt):
        engine.ingest([docs])
    monkeypatch.setattr(client, "upsert", real)
    assert engine.check()  # half-written: named, and the advice is to run it again
    assert "run the interrupted 'quotebot index' again" in engine.backend.repair()
    report = engine.ingest([docs])
    assert report.updated >= 1 and not report.failed
    assert engine.check() == [] and engine.store.counts()[0] == 6


def test_milvus_lite_refuses_a_second_process_in_one_line(fake_settings: Settings, tmp_path: Path) -> None:
    settings = with_backend(fake_settings, "milvus")
    Engine(settings).ingest([FIXTURES / "news"])
    config = tmp_path / "c.toml"
    config.write_text(f'[model]\nname = "fake-hash"\n[reader]\nenabled = false\n'
                      f'[store]\nbackend = "milvus"\nuri = "{settings.store.uri}"\n')
    run = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), "info", "--config", str(config)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert run.stderr.strip().count("\n") == 0 and "open in another process" in run.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def milvus_server(tmp_path: Path) -> Iterator[str]:
    """A Milvus Lite server on 127.0.0.1: what several processes share (a server's API, one machine)."""
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("milvus-lite")), "server", "--data-dir",
                               str(tmp_path / "milvus-data"), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("milvus-lite server did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_several_processes_share_one_milvus(milvus_server: str, tmp_path: Path) -> None:
    """Two sharded writers at once, a reader asking meanwhile, then a re-run: every article exactly once."""
    docs = make_corpus(tmp_path / "docs", n=24)
    config = tmp_path / "c.toml"
    config.write_text(f'[model]\nname = "fake-hash"\n[reader]\nenabled = false\n'
                      f'[store]\nbackend = "milvus"\nuri = "{milvus_server}"\n')
    code = CHILD.format(root=str(ROOT))

    def cli(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code, *args, "--config", str(config), "--index",
                                 str(tmp_path / "side")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first = cli("index", str(docs / "doc000.txt"))
    assert first.wait(timeout=120) == 0, first.stderr.read()
    writers = [cli("index", str(docs), "--shard", f"{i}/2", "--json") for i in range(2)]
    asked = 0
    while any(w.poll() is None for w in writers):
        reader = cli("ask", "which report mentions the storm?", "--json")
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err
        asked += 1
    reports = [json.loads(w.stdout.read()) for w in writers]
    assert all(w.returncode == 0 for w in writers)
    assert sum(r["added"] + r["unchanged"] for r in reports) == 24
    assert sum(r["other_shards"] for r in reports) == 24
    assert asked >= 1
    info = cli("info", "--json")
    stats = json.loads(info.communicate(timeout=120)[0])
    assert stats["articles"] == 24
    again = cli("index", str(docs), "--json")
    assert json.loads(again.communicate(timeout=120)[0])["unchanged"] == 24
    check = cli("check")
    out, err = check.communicate(timeout=120)
    assert check.returncode == 0, err


def test_backend_settings_are_checked(fake_settings: Settings) -> None:
    with pytest.raises(IndexError_, match="collection must be letters"):
        Engine(replace(fake_settings, store=StoreSettings(backend="milvus", collection="bad-name")))
    with pytest.raises(IndexError_, match="ending in .db"):
        Engine(replace(fake_settings, store=StoreSettings(backend="milvus", uri="/tmp/folder")))
    engine = Engine(with_backend(fake_settings, "milvus"))
    with pytest.raises(IndexError_, match="no index at .*milvus.db"):
        engine.ask("anything?")
    assert not engine.backend.exists() and not Path(engine.settings.store.uri).exists()


def test_milvus_term_counts_from_a_sample_on_a_large_index(fake_settings: Settings, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Past SAMPLE chunks, common terms are scaled up from a uniform sample and rare ones counted exactly."""
    import index.storage.milvus_store as milvus_store

    corpus = make_corpus(tmp_path / "docs", n=60)
    local = Engine(with_backend(fake_settings, "local", tmp_path / "l"))
    local.ingest([corpus])
    milvus = Engine(with_backend(fake_settings, "milvus", tmp_path / "m"))
    local.migrate(milvus.backend)
    monkeypatch.setattr(milvus_store, "SAMPLE", 20)
    monkeypatch.setattr(milvus_store, "COMMON", 5)
    terms = ["report", "storm", "council", "mention", "sentenc", "story", "59", "nope"]
    want, total = local.store.doc_freqs(terms)
    got, got_total = milvus.store.doc_freqs(terms)
    sample = milvus.store._sample()
    assert got_total == total and 0 < sample.size < total
    assert sample.mean_tokens == pytest.approx(local.store.mean_tokens(), rel=0.25)
    for term in terms:
        seen = sample.counts.get(term, 0)
        if seen >= 5:  # scaled from the sample
            assert got[term] == pytest.approx(want[term], rel=0.5), term
        else:  # counted exactly
            assert got.get(term) == want.get(term), term
    assert "nope" not in got and any(sample.counts.get(t, 0) >= 5 for t in terms)
    assert any(0 < sample.counts.get(t, 0) < 5 or (t in want and t not in sample.counts) for t in terms)


ODD = ["a\x01b", 'quote " and \\ backslash', "tab\tnew\nline\rend", "nul-free \x1f\x7f \u2028 é 日本 😀", "a\\u0001b"]


def test_odd_and_oversized_ids_urls_and_sources_are_indexed_by_both_backends(engine: Engine, tmp_path: Path) -> None:
    """Issue 19, defect 8: control characters in an id (Milvus parsed no JSON escape such as \\u0001) and ids,
    URLs and sources over Milvus's 8 KB keys aborted the whole Milvus run; the local backend takes them all."""
    long = "x" * 9_000
    rows = [{"id": f"odd-{i}{s}", "title": "Bridge", "text": f"The harbour bridge {i} reopened.", "source": s}
            for i, s in enumerate(ODD)]
    rows += [{"id": "long-id-" + long, "title": "Bridge", "text": "The harbour bridge long id reopened."},
             {"id": "long-url", "url": "https://example.com/?q=" + long, "title": "Bridge",
              "text": "The harbour bridge long url reopened."},
             {"id": "long-source", "source": "S" + long, "title": "Bridge", "text": "The harbour bridge long source."},
             {"id": "after", "title": "Bridge", "text": "The harbour bridge after them all reopened."}]
    corpus = tmp_path / "odd.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = engine.ingest([corpus])
    assert (report.added, report.failed) == (len(rows), [])
    assert engine.store.counts() == (len(rows), len(rows))
    assert engine.check() == []
    again = engine.ingest([corpus])
    assert (again.added, again.updated, again.unchanged, again.failed) == (0, 0, len(rows), [])
    for i, s in enumerate(ODD):  # --source with the same characters finds its article, and only it
        assert {p.article_id for p in engine.ask("harbour bridge", sources=[s]).passages} == {f"odd-{i}{s}"}, s
    ids = {p.article_id for p in engine.ask("harbour bridge after them all").passages}
    assert "after" in ids
    exported = {a["id"]: a for a in engine.export()}
    if engine.settings.store.backend == "local":
        assert set(exported) == {r["id"] for r in rows}
    else:  # a Milvus key holds 8 KB: longer values are kept as their start, "…#" and a hash of the whole
        assert set(exported) == {r["id"] for r in rows[:-4]} | {"long-url", "long-source", "after", exported_long(rows)}
        assert "…#" in exported["long-url"]["url"] and "…#" in exported["long-source"]["source"]
    with engine.backend.writing(engine.settings.model.name, lambda: engine.models.embedder.dim) as writer:
        assert writer.delete([rows[0]["id"], rows[-4]["id"]]) == 2
        writer.commit()
    assert engine.store.counts() == (len(rows) - 2, len(rows) - 2) and engine.check() == []


def exported_long(rows: list[dict[str, str]]) -> str:
    from index.storage.milvus_schema import key_text

    shortened = key_text(rows[-4]["id"])
    assert shortened.startswith("long-id-xxx") and len(shortened.encode()) <= 8_192
    return shortened
