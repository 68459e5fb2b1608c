import json
from dataclasses import replace

import pytest

from index.ingest.chunking import chunk_text
from index.config import IngestSettings, load_settings
from index.engine import Engine
from index.errors import ConfigError
from index.ingest.articles import Failure, find_files, read_bytes, read_file
from index.types import Article

HTML = b"""<html><head><title>Big news - The Paper</title>
<meta property="og:site_name" content="The Paper"><meta name="date" content="2017-09-05">
<link rel="canonical" href="https://example.com/big-news"></head>
<body><nav>Home | World | Sport</nav><article><h1>Big news</h1>
<p>Russia said it backed the offensive with cruise missiles fired from a frigate in the sea.</p>
<p>The second paragraph says more about the event and the people who were there that day.</p>
</article><footer>Exit mobile version</footer></body></html>"""


def articles(items):
    return [i for i in items if isinstance(i, Article)]


def failures(items):
    return [i for i in items if isinstance(i, Failure)]


def test_text_file_title_is_first_line_and_furniture_dropped():
    (a,) = read_bytes("x.txt", "Headline here\n\nBody sentence one.\n\nExit mobile version\n".encode())
    assert a.title == "Headline here" and a.text == "Body sentence one." and a.id == "x.txt"


def test_markdown_heading_is_title():
    (a,) = read_bytes("x.md", b"# The Title\n\nSome body text.")
    assert a.title == "The Title" and a.text == "Some body text."


def test_html_main_text_and_metadata():
    (a,) = read_bytes("page.html", HTML)
    assert a.title == "Big news"
    assert a.source == "The Paper" and a.date == "2017-09-05" and a.url == "https://example.com/big-news"
    assert a.text.startswith("Russia said it backed")
    assert "Home | World" not in a.text and "Exit mobile" not in a.text


def test_jsonl_keeps_ids_and_names_the_bad_line():
    lines = [
        json.dumps({"id": "a1", "title": "T1", "text": "First text.", "source": "S", "url": "http://u",
                    "date": "2020-01-01"}),
        "{not json",
        json.dumps({"id": 7, "text": "Second title\nSecond body."}),
        json.dumps({"id": "a3", "title": "No text"}),
        json.dumps(["not", "an", "object"]),
    ]
    items = list(read_bytes("c.jsonl", "\n".join(lines).encode()))
    good = articles(items)
    assert [a.id for a in good] == ["a1", "7"]
    assert good[0] == Article("a1", "T1", "First text.", "S", "http://u", "2020-01-01")
    assert good[1].title == "Second title" and good[1].text == "Second body."
    bad = {f.where: f.reason for f in failures(items)}
    assert "malformed JSON" in bad["c.jsonl:2"]
    assert "missing 'text'" in bad["c.jsonl:4"]
    assert "expected a JSON object" in bad["c.jsonl:5"]


def test_json_list():
    data = json.dumps([{"id": "x", "text": "One."}, {"id": "y", "text": "Two."}]).encode()
    assert [a.id for a in articles(read_bytes("c.json", data))] == ["x", "y"]


def test_unusable_bytes_are_clear_failures():
    cases = {
        "empty.txt": b"  \n",
        "bin.txt": b"\x00\x01\x02abc",
        "latin.txt": "caf\u00e9".encode("latin-1"),
        "image.png": b"\x89PNG",
        "empty.html": b"",
    }
    reasons = {name: failures(read_bytes(name, data))[0].reason for name, data in cases.items()}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["bin.txt"] == "binary file, not text"
    assert "not valid UTF-8" in reasons["latin.txt"]
    assert "unsupported file type '.png'" in reasons["image.png"]
    assert reasons["empty.html"] == "empty file"


def test_find_files_recurses_and_reports_missing(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("A\nbody.")
    (tmp_path / "b.md").write_text("B\nbody.")
    (tmp_path / "skip.png").write_bytes(b"x")
    (tmp_path / ".hidden.txt").write_text("h")
    found = list(find_files([tmp_path, tmp_path / "missing.txt"]))
    assert [p.name for p in found if not isinstance(p, Failure)] == ["b.md", "a.txt"]
    assert failures(found)[0].reason == "no such file or folder"


def test_read_file_size_limit_and_file_url(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Title\n\n" + "word " * 100)
    assert "over the" in failures(read_file(p, max_bytes=10))[0].reason
    (a,) = read_file(p, max_bytes=10_000)
    assert a.id == str(p.resolve()) and a.url == p.resolve().as_uri()


def test_an_article_over_the_limit_is_refused_up_front_with_the_key_to_change(tmp_path):
    p = tmp_path / "book.txt"
    p.write_text("A book\n\n" + "One more sentence of the book. " * 2000, encoding="utf-8")
    (f,) = read_file(p, max_bytes=10**9, max_article_bytes=10_000)
    assert f.reason.startswith("article text is 0.1 MB, over the 0.01 MB limit for one article "
                               "([ingest] max_article_mb): embedding it would take about 0 minutes")
    assert "split it into articles or raise the limit" in f.reason and "\n" not in f.reason
    (a,) = read_file(p, max_bytes=10**9, max_article_bytes=100_000)
    assert a.title == "A book"


def test_a_record_over_the_limit_is_one_failed_line_the_others_are_read():
    lines = [json.dumps({"id": "big", "text": "é" * 6000}), json.dumps({"id": "small", "text": "Fine text."})]
    items = list(read_bytes("c.jsonl", "\n".join(lines).encode(), max_article_bytes=10_000))
    assert [a.id for a in articles(items)] == ["small"]
    (f,) = failures(items)
    assert f.where == "c.jsonl:1" and "0.012 MB" not in f.reason and "max_article_mb" in f.reason  # UTF-8 bytes


def test_fifty_megabytes_in_one_article_is_refused_by_default(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_bytes(b"Huge\n\n" + b"Gen. Lee met Mr. Smith in the U.S. on Jan. 5. " * 1_080_000)  # under max_file_mb
    (f,) = read_file(p, max_bytes=int(IngestSettings().max_file_mb * 1e6))
    assert "article text is 49.7 MB, over the 20 MB limit for one article ([ingest] max_article_mb)" in f.reason


def test_max_article_mb_is_a_checked_setting_the_engine_obeys(tmp_path, fake_settings):
    cfg = tmp_path / "q.toml"
    cfg.write_text("[ingest]\nmax_article_mb = 0\n")
    with pytest.raises(ConfigError, match="max_article_mb"):
        load_settings(cfg)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Title\n\n" + "A sentence of the article. " * 100)
    engine = Engine(replace(fake_settings, ingest=IngestSettings(max_article_mb=0.001)))
    report = engine.ingest([docs])
    assert report.added == 0 and "([ingest] max_article_mb)" in report.failed[0].reason


def test_mid_article_furniture_stays_in_the_text_and_out_of_every_chunk():
    given = ("The summer blockbuster isn’t what it used to be.\n\n"
             "What is a summer movie, anyway? It’s more about setting a mood.\n\n"
             "Need a break? Play the USA TODAY Daily Crossword Puzzle.\n\n"
             "The greatest of all time is without question “Jaws,” the first true summer blockbuster.")
    record = {"id": "m", "title": "Summer movies", "text": f"Skip to content\n{given}\n\nShare this\nBack to top"}
    (a,) = read_bytes("c.jsonl", json.dumps(record).encode())
    assert a.text == given  # the text as given, less only its edges
    chunks = chunk_text(a.id, a.text, max_chars=120, overlap_sentences=1)
    promo = a.text.index("Need a break?")
    assert all(c.text == a.text[c.start : c.end] for c in chunks)
    assert not any("Crossword" in c.text for c in chunks)
    assert all(c.end <= promo or c.start > promo for c in chunks)
    head = [c for c in chunks if c.end <= promo]
    tail = [c for c in chunks if c.start > promo]
    assert head[-1].text.endswith("It’s more about setting a mood.") and head[-1].end == promo - 2
    assert tail[0].text.startswith("The greatest of all time") and tail[-1].end == len(a.text)


def test_wrong_types_in_a_record_are_failures_naming_the_field():
    lines = [
        json.dumps({"id": "ok", "title": "Fine", "text": "Kept text."}),
        json.dumps({"id": "t", "title": 42, "text": "Body."}),
        json.dumps({"id": ["a"], "text": "Body."}),
        json.dumps({"id": "d", "date": {"y": 2020}, "text": "Body."}),
        json.dumps({"id": "s", "source": True, "text": "Body."}),
    ]
    items = list(read_bytes("c.jsonl", "\n".join(lines).encode()))
    assert [a.id for a in items if not isinstance(a, Failure)] == ["ok"]
    reasons = [(f.where, f.reason) for f in items if isinstance(f, Failure)]
    assert reasons == [("c.jsonl:2", "'title' must be a string, got int"),
                       ("c.jsonl:3", "'id' must be a string, got a list"),
                       ("c.jsonl:4", "'date' must be a string, got an object"),
                       ("c.jsonl:5", "'source' must be a string, got a boolean")]


def test_broken_json_files_and_lines_are_failures_naming_where():
    (f,) = failures(list(read_bytes("c.json", b'[{"id": "x",\n "text": }]')))
    assert (f.where, f.reason.split(" (")[0]) == ("c.json:2", "malformed JSON")
    deep = b"[" * 100_000 + b"]" * 100_000
    assert [(f.where, f.reason) for f in failures(list(read_bytes("c.json", deep)))] == [
        ("c.json", "JSON nested too deeply")]
    lines = b'{"id": "a", "text": "A."}\n' + deep
    assert [(f.where, f.reason) for f in failures(list(read_bytes("c.jsonl", lines)))] == [
        ("c.jsonl:2", "JSON nested too deeply")]
