"""Crashes, concurrent writers, failing disks, moves: the index must never be lost or corrupted."""

from __future__ import annotations

import errno
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from index.engine import Engine
from index.errors import IndexError_
from index.storage.local_store import LocalStore as Store
from tests.conftest import ROOT
from tests.helpers import CHILD, make_corpus


def child(args: list[str], config: Path) -> subprocess.Popen:
    code = CHILD.format(root=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code, *args, "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def fake_config(tmp_path: Path, fake_settings) -> Path:
    cfg = tmp_path / "fake.toml"
    cfg.write_text(f'index_dir = "{fake_settings.index_path}"\n[model]\nname = "fake-hash"\n')
    return cfg


def test_sigkill_at_random_points_never_corrupts_and_rerun_completes(tmp_path, fake_config, fake_settings):
    docs = make_corpus(tmp_path / "docs")
    reference = Engine(replace(fake_settings, index_dir=str(tmp_path / "reference")))
    reference.ingest([docs])
    ref_articles, ref_chunks = reference.store.counts()

    rng = random.Random(1234)
    kills, seen_states = 0, set()
    # Time a whole run from an empty index, then kill runs at random points within that time.
    started = time.monotonic()
    probe = child(["index", str(docs)], fake_config)
    probe.wait()
    duration = time.monotonic() - started
    attempt = 0
    while kills < 22 and attempt < 80:
        attempt += 1
        proc = child(["index", str(docs)], fake_config)
        time.sleep(rng.uniform(0.0, duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode != -signal.SIGKILL:  # it had finished: start over so the next kill lands mid-run
            shutil.rmtree(fake_settings.index_path, ignore_errors=True)
            continue
        kills += 1
        engine = Engine(fake_settings)
        try:
            problems = engine.check()
        except IndexError_ as exc:  # killed before the first commit: there is no index yet, and it says so
            assert "no index at" in str(exc)
            continue
        assert problems == [], f"kill {kills}: {problems}"
        articles, chunks = engine.store.counts()
        seen_states.add(articles)
        assert articles <= ref_articles and chunks <= ref_chunks
        if chunks:
            assert engine.ask("which report mentions the harbour?").passages  # last committed state answers
    assert kills >= 20, "too few runs were still going when killed"
    assert len(seen_states) >= 3, f"kills landed in too few places: {sorted(seen_states)}"
    rerun = child(["index", str(docs)], fake_config)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    engine = Engine(fake_settings)
    assert engine.check() == []
    assert engine.store.counts() == (ref_articles, ref_chunks)  # finished, with no duplicates


def test_second_writer_process_is_told_busy(tmp_path, fake_config, fake_settings):
    docs = make_corpus(tmp_path / "docs", n=600)
    first = child(["index", str(docs)], fake_config)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for the first writer's first commit: it has lots left to do
        try:
            if Store(fake_settings.index_path).generation() >= 1:
                break
        except IndexError_:
            pass  # not created yet
        time.sleep(0.02)
    second = child(["index", str(docs)], fake_config)
    _, err = second.communicate(timeout=60)
    first.communicate(timeout=120)
    assert second.returncode == 1
    assert "index is busy" in err and "Traceback" not in err
    assert first.returncode == 0
    engine = Engine(fake_settings)
    assert engine.check() == [] and engine.store.counts()[0] == 600


def test_reader_sees_commits_without_restart(tmp_path, fake_settings):
    docs = make_corpus(tmp_path / "docs", n=3)
    writer = Engine(fake_settings)
    writer.ingest([docs])
    reader = Engine(fake_settings)
    assert not reader.ask("lighthouse keeper retired").found
    (docs / "new.txt").write_text("Lighthouse news\n\nThe lighthouse keeper retired after forty years.")
    writer.ingest([docs])
    answer = reader.ask("lighthouse keeper retired")
    assert answer.found and answer.passages[0].title == "Lighthouse news"


def test_full_disk_fails_the_write_and_keeps_the_index(tmp_path, fake_engine, monkeypatch):
    docs = make_corpus(tmp_path / "docs", n=5)
    fake_engine.ingest([docs])
    before = fake_engine.store.counts()
    (docs / "more.txt").write_text("More\n\nAnother story about the storm.")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("index.storage.local.faiss.write_index", full)
    with pytest.raises(IndexError_, match="No space left on device.*keeps its last committed state"):
        fake_engine.ingest([docs])
    monkeypatch.undo()
    fresh = Engine(fake_engine.settings)
    assert fresh.store.counts() == before and fresh.check() == []


def test_export_then_index_rebuilds_an_equivalent_index(tmp_path, fake_engine, fake_settings):
    docs = make_corpus(tmp_path / "docs", n=8)
    (docs / "x.jsonl").write_text(json.dumps({"id": "x1", "title": "T", "text": "Body here.", "source": "S",
                                              "url": "https://s.example/x1", "date": "2024-01-02"}) + "\n")
    fake_engine.ingest([docs])
    dump = tmp_path / "export.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in fake_engine.export()))
    rebuilt = Engine(replace(fake_settings, index_dir=str(tmp_path / "rebuilt")))
    report = rebuilt.ingest([dump])
    assert report.added == 9 and not report.failed
    assert (sorted(rebuilt.store.articles(), key=lambda a: a.id)
            == sorted(fake_engine.store.articles(), key=lambda a: a.id))
    assert rebuilt.store.counts() == fake_engine.store.counts()
    q = "which report mentions the bridge?"
    assert [p.text for p in rebuilt.ask(q).passages] == [p.text for p in fake_engine.ask(q).passages]


def test_index_folder_can_be_copied_and_opened_elsewhere(tmp_path, fake_engine, fake_settings):
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=4)])
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(fake_settings.index_path, moved, ignore=shutil.ignore_patterns("write.lock"))
    copy = Engine(replace(fake_settings, index_dir=str(moved)))
    assert copy.check() == [] and copy.store.counts() == fake_engine.store.counts()
    assert copy.ask("which report sentence mentions it?").passages


def test_old_schema_version_says_how_to_rebuild(tmp_path, fake_engine):
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=1)])
    fake_engine.store.conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(IndexError_, match=r"schema version 0.*quotebot export --index .* -o articles.jsonl\), "
                       r"then index that file into a new folder \(quotebot index --index NEW articles.jsonl\)"):
        Store(fake_engine.folder)


def test_answers_keep_coming_while_another_process_ingests(tmp_path, fake_config, fake_settings):
    base = make_corpus(tmp_path / "base", n=5)
    reader = Engine(fake_settings)
    reader.ingest([base])
    more = make_corpus(tmp_path / "more", n=300)
    (more / "zz-lighthouse.txt").write_text("Lighthouse news\n\nThe lighthouse keeper retired after forty years.")
    writer = child(["index", str(more)], fake_config)
    answered = 0
    while writer.poll() is None:
        assert reader.ask("which report mentions the harbour?").found
        problems = reader.check() if answered % 20 == 0 else []
        assert problems == []
        answered += 1
    assert writer.returncode == 0, writer.stderr.read()
    assert answered > 5, "the writer finished before the reader could ask during it"
    assert reader.ask("lighthouse keeper retired").passages[0].title == "Lighthouse news"  # no restart needed
    assert reader.store.counts()[0] == 306


def test_questions_during_an_ingest_thread_see_the_last_commit(tmp_path, fake_settings):
    import threading

    from tests.fakes import HashEmbedder

    engine = Engine(fake_settings)
    engine.ingest([make_corpus(tmp_path / "base", n=5)])
    before = engine.store.counts()
    gate, release = threading.Event(), threading.Event()
    original = HashEmbedder.encode

    def held(self, texts, progress=None):
        if len(texts) > 1:  # the ingest's batch, not a question
            gate.set()
            release.wait(10)
        return original(self, texts, progress)

    HashEmbedder.encode = held
    try:
        big = make_corpus(tmp_path / "big", n=50)
        worker = threading.Thread(target=engine.ingest, args=([big],))
        worker.start()
        assert gate.wait(10)
        answer = engine.ask("which report mentions the harbour?")  # while the ingest holds the write lock
        assert answer.found and engine.store.counts() == before
        release.set()
        worker.join(30)
    finally:
        HashEmbedder.encode = original
    assert engine.store.counts()[0] == 55


def test_read_only_index_fails_the_write_and_keeps_the_index(tmp_path, fake_engine, monkeypatch):
    import sqlite3

    import index.storage.local as store_mod

    docs = make_corpus(tmp_path / "docs", n=5)
    fake_engine.ingest([docs])
    before = fake_engine.store.counts()
    (docs / "more.txt").write_text("More\n\nAnother story about the storm.")

    def read_only(path):  # what a read-only mount gives: SQLite refuses every write
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)

    monkeypatch.setattr(store_mod, "_connect", read_only)
    with pytest.raises(IndexError_, match="was opened read-only .*readonly database.*the index is intact"):
        fake_engine.ingest([docs])
    monkeypatch.undo()
    fresh = Engine(fake_engine.settings)
    assert fresh.store.counts() == before and fresh.check() == []


INTERRUPTED = "interrupted; the index keeps its last committed state"


def _interrupt_when(proc: subprocess.Popen, ready, what: str) -> tuple[int, str, float]:
    """SIGINT ``proc`` once ``ready()``; its exit code, stderr and how long it took to exit after the signal."""
    deadline = time.monotonic() + 60
    while not ready():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"never reached {what}"
        time.sleep(0.05)
    time.sleep(0.3)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err, time.monotonic() - sent


# A DNS lookup that hangs (as an unreachable resolver does, for 5 s a try): the host name is 'localhost'.
SLOW_DNS = """
import socket, time
_getaddrinfo = socket.getaddrinfo
def _slow(*args, **kwargs):
    time.sleep(30)
    return _getaddrinfo(*args, **kwargs)
socket.getaddrinfo = _slow
"""


@pytest.mark.parametrize("command", ["index", "update", "index-dns", "update-dns"])
def test_ctrl_c_while_fetching_says_so_and_exits_promptly(tmp_path, http_server, command, monkeypatch) -> None:
    # Issue 19 #12: Ctrl-C exited 130 with no message (typer turned the KeyboardInterrupt into a silent
    # exit before main could print its line), and a lookup in a resolver thread held the exit up.
    from tests.feeds_fixtures import rss, storm

    cfg = tmp_path / "web.toml"
    cfg.write_text(f'index_dir = "{tmp_path / "idx"}"\n[model]\nname = "fake-hash"\n[reader]\nenabled = false\n'
                   "[fetch]\nallow_private_networks = true\nper_host_delay_s = 0\ntimeout_s = 120\n")
    http_server.route("/fast", storm())
    http_server.route("/slow", storm(rise="three metres"), delay=60)  # headers after a minute
    if command == "index":
        args = ["index", http_server.url("/fast"), http_server.url("/slow")]
    elif command == "index-dns":
        monkeypatch.setattr(sys.modules[__name__], "CHILD", SLOW_DNS + CHILD)
        http_server.route("/slow", storm(rise="three metres"))
        args = ["index", http_server.url("/fast").replace("127.0.0.1", "localhost")]
    else:
        # update-dns: the entry's page is on 'localhost', whose lookup hangs in the polling child only
        slow = http_server.url("/slow").replace("127.0.0.1", "localhost") if command == "update-dns" else None
        http_server.route("/feed.xml", rss("Coast", [{"title": "Slow", "link": slow or http_server.url("/slow"),
                                                      "guid": "s1"}]), content_type="application/rss+xml")
        follow = child(["follow", http_server.url("/feed.xml")], cfg)
        assert follow.wait(timeout=60) == 0, follow.communicate()
        if slow:
            monkeypatch.setattr(sys.modules[__name__], "CHILD", SLOW_DNS + CHILD)
        args = ["update", "--all"]
    proc = child(args, cfg)
    if command == "update-dns":
        ready = lambda: any(r.path == "/feed.xml" for r in http_server.requests)  # noqa: E731
    elif command == "index-dns":
        time.sleep(3)  # the lookup has started: nothing reaches the server
        assert http_server.requests == [] and proc.poll() is None
        ready = lambda: True  # noqa: E731
    else:
        ready = lambda: http_server.hits("/slow") > 0  # noqa: E731
    if command == "update-dns":
        time.sleep(2)  # the feed is read; the entry's lookup has started
        assert http_server.hits("/slow") == 0 and proc.poll() is None
    code, err, took = _interrupt_when(proc, ready, "the slow page")
    assert code == 130
    assert err.strip().splitlines()[-1] == INTERRUPTED, err
    assert "Traceback" not in err
    assert took < 5, took
