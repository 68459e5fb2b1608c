import json

from index.ingest import Failure, find_files, read_bytes, read_file
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
        json.dumps({"id": "a1", "title": "T1", "text": "First text.", "source": "S", "url": "http://u", "date": "2020-01-01"}),
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
