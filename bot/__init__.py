"""Quotebot's front ends over the one engine: the command line (``cli``) and the Discord bot (``discord``)."""
