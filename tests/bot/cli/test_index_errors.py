"""`quotebot index` into a damaged index: one line naming the file and the commands that rebuild it."""

import shlex

import pytest


@pytest.mark.parametrize("damage", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_index_into_a_corrupted_file_says_so_in_one_line_with_the_rebuild_command(run, tmp_path, damage):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Volcano erupts\n\nThe volcano erupted on Tuesday.")
    folder = tmp_path / "idx"
    folder.mkdir()
    (folder / "quotebot.sqlite3").write_bytes(damage)
    code, _, err = run("index", str(docs), "--index", str(folder))
    assert code == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "is corrupted" in err and "quotebot.sqlite3" in err
    rebuild = f"mv {folder} {folder}.corrupted && quotebot index --index {folder} {docs}"
    assert err.strip().endswith(rebuild)
    assert (folder / "quotebot.sqlite3").read_bytes() == damage  # nothing touched: the user decides

    # The command works as given.
    for step in rebuild.split(" && "):
        argv = shlex.split(step)
        if argv[0] == "mv":
            folder.rename(argv[2])
        else:
            assert run(*argv[1:])[0] == 0
    code, out, _ = run("ask", "when did the volcano erupt?", "--index", str(folder))
    assert code == 0 and "Tuesday" in out
