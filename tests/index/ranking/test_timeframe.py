"""Asking time and date phrases -> TimeFrame: pure, no model."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, strategies as st

from index.text.dates import parse_date
from index.ranking.timeframe import TimeFrame, as_of, frame

FRIDAY = date(2023, 12, 22)


@pytest.mark.parametrize("text, day", [
    ("2022/09/19", date(2022, 9, 19)),
    ("2022-09-19", date(2022, 9, 19)),
    ("2022-09-19T23:30:00-05:00", date(2022, 9, 19)),  # the day as written, in its own zone
    ("2022-09-19T10:00:00Z", date(2022, 9, 19)),
    ("Mon, 19 Sep 2022 08:00:00 +0000", date(2022, 9, 19)),
    ("2022.09.19", date(2022, 9, 19)),
    ("", None), (None, None), ("yesterday-ish", None), ("2022/13/45", None),
])
def test_parse_date(text, day):
    assert parse_date(text) == day


def test_as_of_accepts_dates_and_refuses_junk():
    assert as_of("2023-12-22") == FRIDAY
    assert as_of(datetime(2023, 12, 22, 23, 0, tzinfo=timezone.utc)) == FRIDAY
    assert as_of(None) is None
    with pytest.raises(ValueError, match="not a date"):
        as_of("next tuesday")


def test_plain_question_prefers_recent_and_bounds_at_asking_day():
    f = frame("who won the election?", FRIDAY)
    assert f.until == FRIDAY and f.since is None
    assert f.period == (FRIDAY, FRIDAY)
    assert f.allows(FRIDAY) and not f.allows(date(2023, 12, 23))
    assert f.allows(None)  # undated articles stay answerable
    assert f.distance(date(2023, 12, 12)) == 10


def test_unknown_asking_time_has_no_preference():
    f = frame("who won the election?", None)
    assert f == TimeFrame()
    assert f.allows(date(2030, 1, 1)) and f.distance(date(1990, 1, 1)) == 0


@pytest.mark.parametrize("question, period", [
    ("what happened today?", (FRIDAY, FRIDAY)),
    ("who resigned yesterday?", (date(2023, 12, 21), date(2023, 12, 21))),
    ("which company announced layoffs this week?", (date(2023, 12, 16), FRIDAY)),
    ("who won last week", (date(2023, 12, 9), date(2023, 12, 15))),
    ("what did the Fed do last month?", (date(2023, 11, 1), date(2023, 11, 30))),
    ("who spoke on Monday?", (date(2023, 12, 18), date(2023, 12, 18))),
    ("what passed in March?", (date(2023, 3, 1), date(2023, 3, 31))),
    ("who won in 2016?", (date(2016, 1, 1), date(2016, 12, 31))),
    ("what happened in December?", (date(2023, 12, 1), FRIDAY)),
])
def test_phrases_set_the_period(question, period):
    assert frame(question, FRIDAY).period == period


def test_an_older_period_turns_the_recency_preference_off():
    f = frame("who won the election in 2016?", FRIDAY)
    assert f.distance(date(2016, 11, 9)) == 0  # inside the period: no penalty
    assert f.distance(date(2023, 12, 20)) > f.distance(date(2017, 1, 5))  # recent is now the far one


def test_since_is_a_hard_lower_bound():
    f = frame("how many storms since March?", FRIDAY)
    assert f.since == date(2023, 3, 1)
    assert not f.allows(date(2023, 2, 28)) and f.allows(date(2023, 3, 1))
    assert frame("who has led since 2019?", FRIDAY).since == date(2019, 1, 1)
    assert frame("what changed since June 3?", FRIDAY).since == date(2023, 6, 3)


def test_explicit_bounds_combine_with_the_asking_day():
    f = frame("who won?", FRIDAY, since=date(2023, 1, 1), until=date(2023, 6, 30))
    assert f.since == date(2023, 1, 1) and f.until == date(2023, 6, 30)
    assert f.period == (date(2023, 6, 30), date(2023, 6, 30))  # recent relative to the window's end
    assert frame("who won?", None, until=date(2023, 6, 30)).until == date(2023, 6, 30)


@given(st.text(max_size=200), st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_any_question_gets_a_frame_that_allows_the_asking_day(question, day):
    f = frame(question, day)
    assert f.until == day
    if f.since is None or f.since <= day:
        assert f.allows(day)
    assert f.period is not None and f.period[0] <= f.period[1]


_MONTH_NAMES = ["January", "Feb", "march", "Sept", "December"]
PHRASES = st.one_of(
    st.sampled_from(["today", "tonight", "this morning", "yesterday", "last night", "this week", "this weekend",
                     "past few days", "last week", "past week", "this month", "last month", "past month",
                     "this year", "last year"]),
    st.builds("{} {}".format, st.sampled_from(["on", "last", "this"]),
              st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])),
    st.builds("{} {}{}".format, st.sampled_from(["in", "during", "of", "early", "late", "mid-", "since"]),
              st.sampled_from(_MONTH_NAMES),
              st.one_of(st.just(""), st.integers(0, 9999).map(" {:04d}".format),
                        st.integers(0, 40).map(" {}".format), st.integers(0, 40).map(" {}th, 0000".format))),
    st.builds("{} {:04d}".format, st.sampled_from(["in", "during", "of", "since"]), st.integers(0, 9999)),
)


@given(PHRASES, st.dates(min_value=date.min, max_value=date.max))
@example("yesterday", date.min)
@example("last year", date.min)
@example("in December", date.min)
@example("this week", date.min)
@example("last week", date.min + timedelta(days=9))
@example("on Sunday", date.min)
@example("last month", date(1, 1, 31))
@example("in March 0000", FRIDAY)
@example("since June 0000", FRIDAY)
def test_no_asking_day_and_phrase_ever_raises(phrase, day):
    """Near year 1 "yesterday", "last year", "in December" named days before the calendar (an OverflowError, a
    ValueError for year 0); a period is kept inside the calendar or dropped."""
    f = frame(f"what happened {phrase}?", day)
    assert f.until == day
    assert f.period is not None and date.min <= f.period[0] <= f.period[1] <= date.max
    assert f.allows(day) or (f.since is not None and f.since > day)


def test_periods_before_the_first_day_are_clamped_or_dropped():
    first = date.min
    assert frame("what happened yesterday?", first).period == (first, first)  # dropped: the asking day
    assert frame("what happened last year?", first).period == (first, first)
    assert frame("what happened in December?", first).period == (first, first)
    assert frame("what happened this week?", first + timedelta(days=2)).period == (first, first + timedelta(days=2))
    assert frame("what happened last week?", first + timedelta(days=9)).period == (first, first + timedelta(days=2))


def test_an_empty_asking_date_is_an_error_not_no_cut_off():
    """``as_of("")`` was None ("no asking time"): an empty shell variable turned the cut-off off."""
    with pytest.raises(ValueError, match="^empty date"):
        as_of("")
