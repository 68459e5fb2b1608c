"""index, info, check, export through the entry point, in-process with the fake model."""

import json


def test_index_ask_json_info(run, docs):
    code, out, err = run("index", str(docs))
    assert code == 0 and "2 added, 0 updated, 0 unchanged, 0 failed" in out
    code, out, _ = run("ask", "what is the mayor called?", "--json")
    assert code == 0
    answer = json.loads(out)
    assert set(answer) == {"id", "question", "found", "answer", "passages"} and answer["found"]
    if answer["answer"] is not None:  # the one-line answer is verbatim words of the first quote
        a = answer["answer"]
        assert answer["passages"][a["passage"]]["text"][a["start"]:a["end"]] == a["text"]
    p = answer["passages"][0]
    assert set(p) == {"article_id", "title", "source", "url", "date", "text", "start", "end", "highlight", "score",
                      "attribution"}
    assert (p["article_id"], p["source"], p["date"]) == ("b1", "Gazette", "2024-05-01")
    assert p["text"][p["highlight"][0] : p["highlight"][1]] == "The mayor is called Ada Brook."
    code, out, _ = run("info", "--json")
    info = json.loads(out)
    assert (info["articles"], info["model"], info["dimension"]) == (2, "fake-hash", 64) and info["chunks"] >= 2


def test_bad_files_fail_clearly_and_lose_nothing(run, docs, tmp_path):
    run("index", str(docs))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "latin.txt").write_bytes("caf\u00e9 au lait".encode("latin-1"))
    (bad / "bin.md").write_bytes(b"\x00\x01\x02")
    code, out, err = run("index", str(bad), str(tmp_path / "missing"))
    assert code == 1 and "0 added" in out and "4 failed" in out
    for expected in ("empty.txt: empty file", "latin.txt: not valid UTF-8", "bin.md: binary file",
                     "missing: no such file"):
        assert expected in err
    code, out, _ = run("info", "--json")
    assert json.loads(out)["articles"] == 2


def test_check_says_how_to_rebuild_and_that_advice_works(run, docs, tmp_path):
    import sqlite3

    run("index", str(docs))
    folder = tmp_path / "index"  # the autouse fixture's QUOTEBOT_INDEX
    with sqlite3.connect(folder / "quotebot.sqlite3") as db:
        db.execute("DELETE FROM chunks WHERE id = (SELECT min(id) FROM chunks)")
    code, _, err = run("check")
    assert code == 1 and "problem: " in err
    advice = err.splitlines()[-1]
    assert advice.endswith(f"rebuild it into a new folder: quotebot export --index {folder} -o articles.jsonl && "
                           "quotebot index articles.jsonl --index NEW_FOLDER")
    export = tmp_path / "articles.jsonl"
    assert run("export", "--index", str(folder), "-o", str(export))[0] == 0
    assert run("index", str(export), "--index", str(tmp_path / "new"))[0] == 0
    code, out, _ = run("check", "--index", str(tmp_path / "new"))
    assert code == 0 and out.startswith("ok: 2 articles")
