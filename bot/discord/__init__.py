"""Quotebot's Discord front end: slash command and mentions in, the engine's Answer out as embeds.

The layer is thin on purpose: every answer comes from ``Engine.ask`` (the same call the CLI makes) and
is turned into messages by the pure ``render`` module; nothing here searches, ranks or rewrites text.
"""
