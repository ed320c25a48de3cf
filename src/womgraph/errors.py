"""The one exception tree of womgraph; the CLI turns it into messages and exit codes in one place.

::

    WomgraphError                 exit 1, base of everything the package raises on purpose
    +-- InputError                a file cannot be read at all (missing, not a supported format)
    +-- StoreError                the store cannot be opened, read or written
    |   +-- StoreLockedError      another womgraph process holds the embedded store
    |   +-- StoreUnavailable      a server store cannot be reached or refused us
    +-- ConfigError               a setting is invalid (exit 2, like a usage error)
    +-- AnalysisError             an analysis was asked something it cannot answer

Messages are complete sentences that say what to do next; tests pin their exact text.

>>> issubclass(StoreLockedError, WomgraphError)
True
>>> ConfigError("x").exit_code
2
"""

from __future__ import annotations

__all__ = [
    "WomgraphError",
    "InputError",
    "StoreError",
    "StoreLockedError",
    "StoreUnavailable",
    "ConfigError",
    "AnalysisError",
    "EXIT_OK",
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "EXIT_REJECTS",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REJECTS = 3


class WomgraphError(Exception):
    """Base class: a failure with a message meant for a person."""

    exit_code = EXIT_FAILURE


class InputError(WomgraphError):
    """An input file cannot be read at all."""


class StoreError(WomgraphError):
    """The store cannot be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the embedded store."""


class StoreUnavailable(StoreError):
    """A server store cannot be reached, or refused the credentials."""


class ConfigError(WomgraphError):
    """An invalid setting; reported like a usage error."""

    exit_code = EXIT_USAGE


class AnalysisError(WomgraphError):
    """An analysis cannot answer what it was asked."""
