"""Tests of index.feeds; ``LONG`` is an article's worth of text, enough for a feed to carry the whole article."""

LONG = ("The harbour authority approved the new ferry terminal on Monday after a year of hearings. " * 15).strip()
