"""When a question is asked, and what time it asks about: asking time + date phrases -> a TimeFrame.

News questions are about recent news, so by default an article counts for less the longer before the
asking time it was published, and never counts if published after it. Phrases move that: "today",
"this week", "in March", "in 2023", "on Monday" set the period the question is about (articles are then
measured by their distance from that period, so an older period turns the preference for recent articles
off); "since ..." is a hard lower bound. A stronger preference for "recently", "latest" was measured and
changed nothing on either validation fold (bench/folds.py), so there is none.
Pure functions over strings and dates, no model.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import MINYEAR, date, datetime, timezone

from index.text.dates import parse_date

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name and name != "May"}
DAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = "|".join(DAYS)


@dataclass(frozen=True)
class TimeFrame:
    """The dates a question may be answered from and the period it is about.

    Attributes:
        since: articles published before this day are never quoted (None: no bound).
        until: nor after this day (the asking day, or an earlier --until).
        period: (first, last) day the question is about; an article's distance from it is what the
            recency preference weighs. None: no dates known, no preference.
        named: whether the question names the period ("this week", "in 2023"), rather than its being the
            asking day by default.
    """

    since: date | None = None
    until: date | None = None
    period: tuple[date, date] | None = None
    named: bool = False

    def allows(self, day: date | None) -> bool:
        """Whether an article of this day may be quoted; undated articles always may."""
        if day is None:
            return True
        return not ((self.since and day < self.since) or (self.until and day > self.until))

    def distance(self, day: date) -> int:
        """Days between an article's day and the period (0 inside it)."""
        if self.period is None:
            return 0
        first, last = self.period
        return (first - day).days if day < first else (day - last).days if day > last else 0


def as_of(value: str | date | datetime | None) -> date | None:
    """The asking day from an ISO date/date-time string or a date; a bad string is a ValueError.

    None means "no asking time given"; an empty string is an error, not that: it is what an unset shell
    variable or an empty JSON field gives, and taking it for none would turn the asking-time cut-off off.
    """
    if value is None:
        return None
    if value == "":
        raise ValueError("empty date (use YYYY-MM-DD or an ISO date-time)")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    day = parse_date(value)
    if day is None:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO date-time)")
    return day


def today() -> date:
    return datetime.now(timezone.utc).astimezone().date()


def frame(question: str, asked: date | None, since: date | None = None, until: date | None = None) -> TimeFrame:
    """The TimeFrame of a question asked on ``asked`` (None: unknown), with optional explicit bounds."""
    until = min(d for d in (asked, until) if d) if (asked or until) else None
    anchor = until
    q = question.lower()
    period: tuple[date, date] | None = (anchor, anchor) if anchor else None
    said = _period(q, anchor) if anchor else None
    if said is not None:
        period = said
    phrase_since = _since(q, anchor)
    if phrase_since and (since is None or phrase_since > since):
        since = phrase_since
    return TimeFrame(since=since, until=until, period=period, named=said is not None)


def _period(q: str, anchor: date) -> tuple[date, date] | None:
    """The period a phrase names, relative to the anchor day.

    Never outside the calendar: a period partly before its first day (0001-01-01) starts there, and one
    wholly before it ("yesterday" asked on that day, "last year" in year 1) is none.
    """
    if re.search(r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b", q):
        return anchor, anchor
    if re.search(r"\byesterday\b|\blast night\b", q):
        return _days(_back(anchor, 1), _back(anchor, 1))
    if re.search(r"\bthis week(?:end)?\b|\bpast (?:few )?days\b", q):
        return _days(_back(anchor, 6), anchor)
    if re.search(r"\blast week\b|\bpast week\b", q):
        return _days(_back(anchor, 13), _back(anchor, 7))
    if re.search(r"\bthis month\b", q):
        return anchor.replace(day=1), anchor
    if re.search(r"\blast month\b|\bpast month\b", q):
        last = _back(anchor.replace(day=1), 1)
        return (last.replace(day=1), last) if last else None
    if re.search(r"\bthis year\b", q):
        return anchor.replace(month=1, day=1), anchor
    if re.search(r"\blast year\b", q):
        if anchor.year == MINYEAR:
            return None
        return date(anchor.year - 1, 1, 1), date(anchor.year - 1, 12, 31)
    m = re.search(rf"\b(?:on|last|this) ({_DAY})\b", q)
    if m:
        day = _back(anchor, (anchor.weekday() - DAYS[m[1]]) % 7)
        return _days(day, day)
    m = re.search(rf"\b(?:in|during|of|early|late|mid-?) ({_MONTH})\.?(?: (\d{{4}}))?\b", q)
    if m:
        return _month(MONTHS[m[1]], int(m[2]) if m[2] else None, anchor)
    m = re.search(r"\b(?:in|during|of) (\d{4})\b", q)
    if m and 1800 <= int(m[1]) <= anchor.year:
        year = int(m[1])
        return date(year, 1, 1), min(date(year, 12, 31), anchor)
    return None


def _back(day: date, days: int) -> date | None:
    """The day ``days`` before ``day``, or None when that is before the calendar's first day."""
    ordinal = day.toordinal() - days
    return date.fromordinal(ordinal) if ordinal >= 1 else None


def _days(first: date | None, last: date | None) -> tuple[date, date] | None:
    """(first, last), starting at the calendar's first day when ``first`` is before it; None when both are."""
    return None if last is None else (first or date.min, last)


def _month(month: int, year: int | None, anchor: date) -> tuple[date, date] | None:
    """A named month: of the given year, else the latest one not after the anchor; None before year 1."""
    if year is None:
        year = anchor.year if month <= anchor.month else anchor.year - 1
    if year < MINYEAR:
        return None
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return first, min(last, anchor) if first <= anchor else last


def _since(q: str, anchor: date | None) -> date | None:
    """"since March", "since 2021", "since June 3": a lower bound."""
    m = re.search(rf"\bsince ({_MONTH})\.?(?: (\d{{1,2}})(?:st|nd|rd|th)?)?(?:,? (\d{{4}}))?\b", q)
    month = _month(MONTHS[m[1]], int(m[3]) if m[3] else None, anchor) if m and anchor else None
    if m and month:
        first = month[0]
        if m[2]:
            try:
                return first.replace(day=int(m[2]))
            except ValueError:
                return first
        return first
    m = re.search(r"\bsince (\d{4})\b", q)
    if m and 1800 <= int(m[1]) <= (anchor.year if anchor else 9999):
        return date(int(m[1]), 1, 1)
    return None
