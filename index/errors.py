"""Errors the engine raises on bad input or state; front ends print their message as one line."""


class QuotebotError(Exception):
    """Base class: the message is written for the user and needs no traceback."""


class ConfigError(QuotebotError):
    """The config file is unreadable, malformed, or has an unknown key or a wrong type."""


class IndexError_(QuotebotError):
    """The index folder is missing, unreadable, corrupted, or was built differently."""


class IndexBusyError(QuotebotError):
    """Another process is writing to the index."""


class InputError(QuotebotError):
    """A file, line or question cannot be used."""


class ModelError(QuotebotError):
    """The embedding model cannot be found or loaded."""
