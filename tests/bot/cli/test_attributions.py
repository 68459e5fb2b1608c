"""quotebot attributions: one line per article in the scorer's shape; bad input is one line and exit 1."""

import json

import pytest

TEXT = ("Russia said it backed the Syrian army's offensive. SANA quoted the ministry as saying the operation began.\n\n"
        "The weather was fine.")


@pytest.fixture
def articles(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps({"id": "a1", "text": TEXT}) + "\n\n"
                    + json.dumps({"id": 2, "text": "The river rose after a week of rain."}) + "\n")
    return path


def test_json_lines_in_the_scorers_shape(run, articles):
    code, out, err = run("attributions", str(articles), "--json", fake=False)
    assert code == 0 and err == ""
    first, second = (json.loads(line) for line in out.splitlines())
    assert second == {"id": 2, "attributions": []}
    assert first["id"] == "a1" and len(first["attributions"]) == 2
    said, quoted = first["attributions"]
    span = lambda pieces: " ".join(TEXT[s:e] for s, e in pieces)  # noqa: E731
    assert (span(said["source"]), span(said["cue"])) == ("Russia", "said")
    assert span(said["content"]) == "it backed the Syrian army's offensive"
    assert span(quoted["source"]) == "the ministry" and span(quoted["via"]) == "SANA"


def test_text_output_names_source_cue_and_via(run, articles):
    code, out, _ = run("attributions", str(articles), fake=False)
    assert code == 0
    assert "a1: 2 attribution(s)" in out and "— Russia · said · it backed" in out
    assert "— the ministry, via SANA ·" in out and "2: 0 attribution(s)" in out


@pytest.mark.parametrize("line, message", [
    ("{oops", ":2: malformed JSON"),
    ('{"id": "x"}', ':2: expected {"id": ..., "text": "..."}'),
    ('{"text": "Russia said so."}', ':2: expected {"id": ..., "text": "..."}'),
    ('{"id": ["x"], "text": "Russia said so."}', ":2: id must be a string or an integer"),
    ('["id", "text"]', ':2: expected {"id": ..., "text": "..."}'),
])
def test_bad_line_is_one_line_naming_file_and_line(run, tmp_path, line, message):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "ok", "text": "Russia said so."}) + "\n" + line + "\n")
    code, out, err = run("attributions", str(path), "--json", fake=False)
    assert code == 1 and err.startswith(f"error: {path}{message}") and err.count("\n") == 1
    assert "Traceback" not in out + err


def test_missing_file_is_one_line(run, tmp_path):
    code, _, err = run("attributions", str(tmp_path / "gone.jsonl"), fake=False)
    assert code == 1 and err == f"error: cannot read {tmp_path}/gone.jsonl: No such file or directory\n"
