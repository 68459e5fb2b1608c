"""Publish dates as given by sources ("2022/09/19", ISO, RFC 2822, "19 September 2022") -> one stored form
(ISO 8601: a date, or a date-time with its UTC offset when the source gave one) -> a day or an instant to
show; pure functions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

_YMD = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\b|T)")
_YMD_TIME = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's
_WORDY = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d %b. %Y", "%b. %d, %Y")


@lru_cache(maxsize=65536)
def parse_date(text: str | None) -> date | None:
    """The calendar day of a date string, or None when it is missing or unreadable.

    The day is the one written in the string (its own time zone): a story dated 23:30 local time is of
    that day wherever it is read.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    m = _YMD.match(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    moment = _parse(text)
    return moment.date() if isinstance(moment, datetime) else moment


def _parse(text: str) -> date | datetime | None:
    """A date (no time given) or a datetime (aware when an offset was given) from any supported form."""
    text = " ".join(text.split())
    if not text:
        return None
    iso = re.sub(r"[zZ]$", "+00:00", text)
    try:
        return date.fromisoformat(iso) if len(iso) <= 10 else datetime.fromisoformat(iso)
    except ValueError:
        pass
    if m := _YMD_TIME.match(text):
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
            if m[4] is None:
                return day
            return datetime(day.year, day.month, day.day, int(m[4]), int(m[5]), int(m[6] or 0))
        except ValueError:
            return None
    try:
        moment = parsedate_to_datetime(text)  # RFC 2822; "-0000" (zone unknown) comes back naive
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is not None:
        return moment
    return _written(text)


def _written(text: str) -> date | None:
    """A date written out ("19 September 2022", "Sep 19, 2022"), in English whatever the locale."""
    for form in _WORDY:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def _stored(moment: date | datetime | None) -> str | None:
    """The stored form of a parsed date (ISO 8601, the offset kept where given); None outside years 1-9999."""
    if moment is None or not 1 <= moment.year <= 9999:
        return None
    if isinstance(moment, datetime) and moment.tzinfo is not None and moment.utcoffset() is None:
        moment = moment.replace(tzinfo=None)
    return moment.isoformat()


@lru_cache(maxsize=65536)
def normalise_date(text: str | None) -> str | None:
    """The stored form of a source's date: "2022-09-19", "2022-09-19T10:30:00+02:00" (offset kept where
    given), "2022-09-19T10:30:00" (none given); None when missing or unreadable, so nothing else is stored.

    One form means every reader (dates in answers, date windows, sorting) reads every source alike.
    """
    return _stored(_parse(text)) if text else None


def timestamp(text: str | None) -> datetime | None:
    """An aware instant for a stored date (normalised, or an older index's raw string), for a client that
    shows it in the reader's own zone (Discord's <t:...>); None when undated.

    A date without a time is noon UTC: the same calendar day from UTC-11 to UTC+11. A time without an
    offset is taken as UTC.
    """
    moment = _parse(text) if text else None
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, 12, tzinfo=timezone.utc)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def day_label(text: str | None) -> str:
    """A stored date as a reader sees it, "19 Sep 2022"; "undated" when there is none.

    An older index's date that no rule reads is shown as it was written rather than hidden.
    """
    if not text or not text.strip():
        return "undated"
    day = parse_date(text)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}" if day else text.strip()


_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
                      r"(?:(Z)|([+-])(\d{2}):?(\d{2}))?)?$", re.IGNORECASE)
_RFC822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+(\d{2}|\d{4})\s+\d{1,2}:\d{2}(?::\d{2})?"
                     r"(?:\s+(?:[A-Za-z]{1,5}|[+-]\d{4}))?$")
_MAX_OFFSET_MINUTES = 18 * 60  # the widest UTC offset ISO 8601 tools accept (±18:00)


@lru_cache(maxsize=65536)
def strict_date(text: str | None) -> str | None:
    """A feed's date in the stored form (as ``normalise_date``), read strictly: RFC 3339 / ISO 8601 in its
    extended form ("2024-05-01", "2024-05-01T10:00:00Z", a space for the T, seconds and offset optional),
    RFC 822 ("Wed, 01 May 2024 10:00:00 GMT") or a written date ("1 May 2024"); None for anything else or
    out of range (month 13, 31 February, year 0 or over 9999, an offset past ±18:00, ordinal and week dates),
    rather than a guess.
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    if m := _RFC3339.match(text):
        return _rfc3339(m)
    if m := _RFC822.match(text):
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if len(m[1]) == 4 and moment.year != int(m[1]):  # "0000" is not read as 2000
            return None
        return _stored(moment)
    return _stored(_written(text))


def _rfc3339(m: re.Match[str]) -> str | None:
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = m.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day)).isoformat()
        zone = None
        if zulu:
            zone = timezone.utc
        elif sign:
            if int(off_m) > 59 or int(off_h) * 60 + int(off_m) > _MAX_OFFSET_MINUTES:
                return None
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            zone = timezone(-offset if sign == "-" else offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro,
                        tzinfo=zone).isoformat()
    except ValueError:
        return None
