"""The store on disk: token totals of its own, and read-only indexes that answer and are never called broken."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from index.errors import IndexError_
from index.storage import local_store
from index.storage.local import LocalWriter
from index.storage.local_files import DB_NAME, explain
from index.storage.local_store import LocalStore as Store
from tests.conftest import ROOT
from tests.helpers import CHILD, make_corpus

QUESTION = "which report mentions the harbour?"


# -- token totals (BM25's mean document length) --------------------------------------------------------
def fts5_mean_tokens(store: Store) -> float:
    """FTS5's own count of every token in the keyword index, per row."""
    conn = sqlite3.connect(store.db_path)
    conn.execute("CREATE VIRTUAL TABLE temp.i USING fts5vocab(main, chunk_fts, 'instance')")
    tokens = conn.execute("SELECT count(*) FROM temp.i").fetchone()[0]
    rows = conn.execute("SELECT count(*) FROM chunk_fts").fetchone()[0]
    conn.close()
    return tokens / rows


def test_mean_tokens_follows_adds_updates_and_deletes(tmp_path, fake_engine):
    docs = make_corpus(tmp_path / "docs", n=6)
    (docs / "odd.txt").write_text("Snake_case ﬁnal\n\nx² readings: snake_case, ﬁnal, 数字 and Zürich’s 1,234.5.")
    fake_engine.ingest([docs])
    store = fake_engine.store
    assert store.mean_tokens() == pytest.approx(fts5_mean_tokens(store))
    (docs / "doc000.txt").write_text("Changed\n\n" + "A much longer story about the harbour. " * 40)
    fake_engine.ingest([docs])
    assert store.mean_tokens() == pytest.approx(fts5_mean_tokens(store))
    writer = LocalWriter(store)
    writer.delete(["doc000.txt", "odd.txt"] + [a.id for a in store.articles() if a.title == "Changed"])
    writer.commit()
    writer.close()
    assert store.mean_tokens() == pytest.approx(fts5_mean_tokens(store))


def make_version_1(folder: Path) -> None:
    """What quotebot wrote before chunks had token counts."""
    conn = sqlite3.connect(folder / DB_NAME)
    conn.execute("ALTER TABLE chunks DROP COLUMN tokens")
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


def test_a_version_1_index_gains_token_counts_when_opened(tmp_path, fake_engine):
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=5)])
    expected = fts5_mean_tokens(fake_engine.store)
    fake_engine.store.close()
    make_version_1(fake_engine.folder)
    store = Store(fake_engine.folder)
    assert store.meta["schema_version"] == "2"
    assert store.conn.execute("SELECT count(*) FROM chunks WHERE tokens IS NULL").fetchone()[0] == 0
    assert store.mean_tokens() == pytest.approx(expected)


def test_a_newer_schema_is_refused_with_a_way_forward(tmp_path, fake_engine):
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=1)])
    fake_engine.store.conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with pytest.raises(IndexError_, match="schema version 3, this quotebot reads 1 and 2: export it"):
        Store(fake_engine.folder)


# -- read-only indexes ---------------------------------------------------------------------------------
def tree_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _without_file_permission_override() -> None:
    """In the child, before exec: root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH obeys mode bits, as
    any other user does (tests here run as root, which would otherwise write a 0555 folder)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def cli(args: list[str], config: Path, how: str, folder: Path) -> subprocess.CompletedProcess:
    """The real CLI (fake model) in a child that cannot write ``folder``: by permissions or by a read-only mount."""
    command = [sys.executable, "-c", CHILD.format(root=str(ROOT)), *args, "--config", str(config)]
    if how == "permissions":
        preexec = _without_file_permission_override if os.geteuid() == 0 else None
        return subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=preexec)
    if (os.geteuid() != 0 or shutil.which("unshare") is None
            or subprocess.run(["unshare", "--mount", "true"]).returncode):
        pytest.skip("a read-only mount needs root, unshare(1) and mount namespaces")
    mount = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
    return subprocess.run(["unshare", "--mount", "sh", "-c", mount, str(folder), *command],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def read_only_index(tmp_path, fake_engine, fake_settings, request):
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=5)])
    if request.param == "closed":
        fake_engine.store.close()  # the last connection: SQLite folds the WAL back in and removes it
        assert not list(fake_engine.folder.glob("*-wal"))
    folder = fake_settings.index_path
    modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
    for p in modes:
        p.chmod(stat.S_IMODE(modes[p]) & ~0o222)
    config = tmp_path / "fake.toml"
    config.write_text(f'index_dir = "{folder}"\n[model]\nname = "fake-hash"\n')
    yield folder, config
    for p, mode in modes.items():
        if p.exists():
            p.chmod(stat.S_IMODE(mode))


@pytest.mark.parametrize("read_only_index", ["closed", "open"], indirect=True)
@pytest.mark.parametrize("how", ["permissions", "mount"])
def test_a_read_only_index_answers_and_only_index_refuses(read_only_index, tmp_path, how):
    folder, config = read_only_index
    before = tree_digest(folder)
    asked = cli(["ask", QUESTION], config, how, folder)
    assert asked.returncode == 0, asked.stderr
    assert "harbour" in asked.stdout
    info = cli(["info", "--json"], config, how, folder)
    assert info.returncode == 0 and '"articles": 5' in info.stdout, info.stderr
    checked = cli(["check"], config, how, folder)
    assert checked.returncode == 0 and checked.stdout.startswith("ok: 5 articles"), checked.stderr
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "new.txt").write_text("News\n\nA new story about the lighthouse.")
    indexed = cli(["index", str(tmp_path / "more")], config, how, folder)
    assert indexed.returncode == 1 and "Traceback" not in indexed.stderr
    why = "is on a read-only file system" if how == "mount" else "is not writable by this user (permission denied)"
    assert indexed.stderr.strip() == (f"error: cannot write the index at {folder}: it {why}; the index is intact "
                                      "and can still be asked. Make it writable, or index into another folder "
                                      "(--index)")
    assert tree_digest(folder) == before


def test_sqlite_read_only_errors_are_never_called_damage(tmp_path, fake_engine):
    """The classification, with the exceptions SQLite really raises."""
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=1)])
    db = fake_engine.folder / DB_NAME
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO meta VALUES ('x', 'y')")
    message = str(explain(caught.value, fake_engine.folder, writing=True))
    assert "the index is intact" in message and "corrupt" not in message and "mv " not in message
    (tmp_path / "broken.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        sqlite3.connect(tmp_path / "broken.sqlite3").execute("SELECT * FROM meta")
    message = str(explain(caught.value, fake_engine.folder))
    assert "is corrupted (file is not a database: quotebot.sqlite3)" in message and "quotebot index --index" in message
    assert explain(sqlite3.IntegrityError("UNIQUE constraint failed"), fake_engine.folder) is None


def test_a_folder_that_cannot_be_created_claims_no_index(tmp_path):
    message = str(explain(PermissionError(13, "Permission denied"), tmp_path / "no" / "index", writing=True))
    assert message.startswith(f"cannot write the index at {tmp_path / 'no' / 'index'}: it ") and "intact" not in message


def test_a_version_1_index_opened_read_only_counts_tokens_without_writing(tmp_path, fake_engine, monkeypatch):
    fake_engine.ingest([make_corpus(tmp_path / "docs", n=5)])
    expected = fts5_mean_tokens(fake_engine.store)
    fake_engine.store.close()
    make_version_1(fake_engine.folder)
    before = tree_digest(fake_engine.folder)
    monkeypatch.setattr(local_store, "writable", lambda folder: False)  # what os.access says on a read-only mount
    store = Store(fake_engine.folder)
    assert store.read_only and store.meta["schema_version"] == "1"
    assert store.mean_tokens() == pytest.approx(expected)
    store.close()
    after = tree_digest(fake_engine.folder)
    assert {k: v for k, v in after.items() if not k.endswith(("-shm", "-wal"))} == before  # SQLite's own scratch


def test_a_damaged_vector_file_says_how_to_rebuild(tmp_path, fake_engine):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Volcano\n\nThe volcano erupted on Tuesday.", encoding="utf-8")
    fake_engine.ingest([docs])
    folder = fake_engine.store.folder
    for f in folder.glob("vectors-*.faiss"):
        f.write_bytes(b"not faiss")
    with pytest.raises(IndexError_) as err:
        Store(folder).vectors()
    assert "vector file missing or corrupted" in str(err.value)
    assert f"quotebot index --index {folder}" in str(err.value)
