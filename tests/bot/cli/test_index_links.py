"""`quotebot index` with links mixed among files, against a local 127.0.0.1 server; quotes show their day."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from tests.conftest import cli_runner
from tests.feeds_fixtures import storm
from tests.http_server import LocalServer


@pytest.fixture
def run(capsys, tmp_path):
    return cli_runner(capsys, tmp_path / "links.toml", '[model]\nname = "fake-hash"\n[reader]\nenabled = false\n'
                      "[fetch]\nallow_private_networks = true\nper_host_delay_s = 0\n")


def test_index_mixes_links_files_and_folders_and_each_failure_is_one_line(run, http_server: LocalServer,
                                                                          tmp_path) -> None:
    http_server.route("/news/storm", storm())
    http_server.route("/report.pdf", b"%PDF-1.7", content_type="application/pdf")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bridge.txt").write_text("Bridge reopens\n\nThe old bridge at Kelso reopened to traffic on Friday.")
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"id": "m1", "title": "Tide", "text": "High tide at Kelso is at noon.",
                                "date": "Mon, 19 Sep 2022 10:30:00 +0200"}) + "\n")
    code, out, err = run("index", http_server.url("/news/storm"), str(docs), str(more), http_server.url("/report.pdf"),
                         http_server.url("/missing"))
    assert code == 1
    assert "3 added, 0 updated, 0 unchanged, 2 failed" in out
    failures = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert failures == [  # in the order given
        f"failed: {http_server.url('/report.pdf')}: not an article: the server sent application/pdf (only HTML and "
        "plain text pages are indexed)",
        f"failed: {http_server.url('/missing')}: 404 Not Found"]

    code, out, _ = run("ask", "who is the harbour master at Port Ellen?")
    assert code == 0 and "Ines Calloway" in out and "Coast Daily · 19 Sep 2022" in out
    code, out, _ = run("ask", "when did the bridge at Kelso reopen?")
    assert "unknown source · undated" in out
    code, out, _ = run("ask", "when is high tide at Kelso?", "--json")
    assert json.loads(out)["passages"][0]["date"] == "2022-09-19T10:30:00+02:00"


def test_index_refuses_a_private_address_by_default(capsys, http_server: LocalServer, tmp_path) -> None:
    config = tmp_path / "plain.toml"
    config.write_text('[model]\nname = "fake-hash"\n')
    http_server.route("/a", storm())
    try:
        code = main(["index", http_server.url("/a"), "--config", str(config)])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 1 and (f"failed: {http_server.url('/a')}: refused: 127.0.0.1 is a loopback address "
                          "([fetch] allow_private_networks = false)") in err
    assert http_server.requests == []
