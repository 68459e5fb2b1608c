"""Publish dates: every source's form stored as one ISO 8601 form, shown as a day, given to Discord as an instant."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from bot.render_text import byline
from index.text.dates import day_label, normalise_date, parse_date, timestamp
from index.engine import Engine
from index.types import Passage


@pytest.mark.parametrize(("raw", "stored"), [
    ("2022/09/19", "2022-09-19"),
    ("2022-9-1", "2022-09-01"),
    ("2022.09.19", "2022-09-19"),
    (" 2022-09-19 ", "2022-09-19"),
    ("20220919", "2022-09-19"),
    ("2022-09-19T10:30:00Z", "2022-09-19T10:30:00+00:00"),
    ("2022-09-19T10:30:00+02:00", "2022-09-19T10:30:00+02:00"),
    ("2022-09-19 10:30", "2022-09-19T10:30:00"),  # no offset given: none invented
    ("2022/09/19 08:05", "2022-09-19T08:05:00"),
    ("Mon, 19 Sep 2022 10:30:00 +0200", "2022-09-19T10:30:00+02:00"),  # RFC 2822 (RSS)
    ("Mon, 19 Sep 2022 10:30:00 GMT", "2022-09-19T10:30:00+00:00"),
    ("Mon, 19 Sep 2022 10:30:00 -0000", "2022-09-19T10:30:00"),  # RFC 2822's "zone unknown"
    ("19 September 2022", "2022-09-19"),
    ("September 19, 2022", "2022-09-19"),
    ("19 Sep 2022", "2022-09-19"),
    ("", None), (None, None), ("soon", None), ("2022-13-01", None), ("2022/02/30", None),
])
def test_normalise_date(raw: str | None, stored: str | None) -> None:
    assert normalise_date(raw) == stored


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.none() | st.timezones()))
def test_a_normalised_date_is_a_fixed_point_and_keeps_the_day(moment: datetime) -> None:
    stored = normalise_date(moment.isoformat())
    assert stored is not None and normalise_date(stored) == stored
    assert parse_date(stored) == moment.date()


@given(st.text(max_size=40))
def test_any_text_gives_a_date_or_none(text: str) -> None:
    stored = normalise_date(text)
    assert stored is None or parse_date(stored) is not None


def test_timestamp_is_an_aware_instant() -> None:
    assert timestamp("2022-09-19") == datetime(2022, 9, 19, 12, tzinfo=timezone.utc)  # same day UTC-11..+11
    assert timestamp("2022-09-19T10:30:00+02:00") == datetime(2022, 9, 19, 8, 30, tzinfo=timezone.utc)
    assert timestamp("2022-09-19T10:30:00") == datetime(2022, 9, 19, 10, 30, tzinfo=timezone.utc)
    assert timestamp("Mon, 19 Sep 2022 10:30:00 +0200") == datetime(2022, 9, 19, 8, 30, tzinfo=timezone.utc)  # old raw
    assert timestamp(None) is None and timestamp("soon") is None


def test_day_label_and_the_cli_byline() -> None:
    assert day_label("2022-09-19T23:30:00-05:00") == "19 Sep 2022"  # the day as written where it happened
    assert day_label("2022/09/19") == "19 Sep 2022"  # an older index's raw form
    assert day_label(None) == "undated" and day_label(" ") == "undated"
    assert day_label("Spring 2021") == "Spring 2021"  # unreadable, from an older index: shown, not hidden
    p = Passage("a", "T", "Gazette", None, "2024-05-01", "Text.", 0, 5, (0, 5), 0.1)
    assert byline(p) == "Gazette · 1 May 2024"
    assert byline(Passage("a", "T", None, None, None, "Text.", 0, 5, (0, 5), 0.1)) == "unknown source · undated"


def test_dates_are_stored_normalised_from_every_format(fake_engine: Engine, tmp_path) -> None:
    records = [{"id": "rss", "text": "Ferry sails.", "date": "Mon, 19 Sep 2022 10:30:00 +0200"},
               {"id": "slash", "text": "Bridge opens.", "date": "2022/09/19"},
               {"id": "iso", "text": "Storm hits.", "date": "2022-09-19T06:10:00Z"},
               {"id": "bad", "text": "Tide turns.", "date": "last Tuesday"},
               {"id": "none", "text": "Fog lifts."}]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    (tmp_path / "b.html").write_text('<html><head><meta name="date" content="2022/09/19"></head><body><article>'
                                     "<p>The regatta on the loch was cancelled because of the strong wind.</p>"
                                     "</article></body></html>")
    fake_engine.ingest([tmp_path])
    dates = {a.id: a.date for a in fake_engine.store.articles()}
    assert dates == {"rss": "2022-09-19T10:30:00+02:00", "slash": "2022-09-19", "iso": "2022-09-19T06:10:00+00:00",
                     "bad": None, "none": None, str((tmp_path / "b.html").resolve()): "2022-09-19"}
