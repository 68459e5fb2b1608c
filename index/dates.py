"""Publish dates as given by sources ("2022/09/19", ISO, RFC 2822) -> ``datetime.date``; pure functions."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache

_YMD = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\b|T)")


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
        return None
