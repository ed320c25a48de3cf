"""What can go wrong with a Neo4j store, as messages that say what to do next.

::

    StoreError (womgraph.errors)
    +-- Neo4jQueryFailed        the server refused a statement (privileges, a bug)
    +-- StoreUnavailable
        +-- Neo4jUnreachable        nothing answers at the URI
        +-- Neo4jAuthFailed         wrong user name or password
        +-- Neo4jDatabaseMissing    NEO4J_DATABASE names no database
        +-- Neo4jConnectionLost     the server went away after we reached it

Driver exceptions become these in :func:`translate`, and nowhere else. Messages name the URI
(without credentials), the user and the database, never the password. The driver has already
retried transient failures (``execute_write`` / ``execute_query``) before anything lands here.

>>> str(Neo4jUnreachable.for_uri("bolt://db:7687"))
'Cannot reach Neo4j at bolt://db:7687: check NEO4J_URI, or run without --store to use the local store.'
>>> safe_uri("bolt://user:secret@db:7687")
'bolt://db:7687'
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from ...errors import StoreError, StoreUnavailable

__all__ = [
    "Neo4jUnreachable",
    "Neo4jAuthFailed",
    "Neo4jDatabaseMissing",
    "Neo4jConnectionLost",
    "Neo4jQueryFailed",
    "Where",
    "translate",
    "safe_uri",
    "DATABASE_NOT_FOUND",
]

DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"


def safe_uri(uri: str) -> str:
    """The URI without user information, fit to print."""
    parts = urlsplit(uri)
    host = parts.netloc.rsplit("@", 1)[-1]
    if not host:
        return f"{parts.scheme}://{parts.path}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


class Neo4jUnreachable(StoreUnavailable):
    """Nothing answers at the URI (refused, unknown host, TLS failure, timeout)."""

    @classmethod
    def for_uri(cls, uri: str) -> "Neo4jUnreachable":
        return cls(
            f"Cannot reach Neo4j at {safe_uri(uri)}: check NEO4J_URI, "
            "or run without --store to use the local store."
        )


class Neo4jAuthFailed(StoreUnavailable):
    """The server refused the user name or password."""


class Neo4jDatabaseMissing(StoreUnavailable):
    """The database named by NEO4J_DATABASE does not exist."""


class Neo4jConnectionLost(StoreUnavailable):
    """The server went away after it had answered."""


class Neo4jQueryFailed(StoreError):
    """The server refused a statement."""


@dataclass
class Where:
    """What the store was doing, for the message."""

    uri: str
    user: str
    database: str
    #: e.g. "storing events"; None while opening the store.
    doing: str | None = None
    #: Set while storing ingested records: batches and records committed so far, batch size.
    batches: int | None = None
    records: int = 0
    batch_size: int = 0
    statement: str | None = None


_LOST = (ServiceUnavailable, SessionExpired, IncompleteCommit)


def translate(exc: BaseException, where: Where) -> StoreError | None:
    """The package error for a driver exception, or None when ``exc`` is not the driver's."""
    uri = safe_uri(where.uri)
    if isinstance(exc, AuthError):
        return Neo4jAuthFailed(
            f"Neo4j at {uri} refused the user name or password of user {where.user!r}: "
            "check NEO4J_USERNAME and NEO4J_PASSWORD."
        )
    if isinstance(exc, ClientError) and exc.code == DATABASE_NOT_FOUND:
        return Neo4jDatabaseMissing(
            f"Neo4j at {uri} has no database {where.database!r}: set NEO4J_DATABASE to an "
            "existing database (Neo4j Community has only 'neo4j'), or create it first."
        )
    if isinstance(exc, _LOST) or (isinstance(exc, TransientError) and where.doing):
        if where.doing is None:
            return Neo4jUnreachable.for_uri(where.uri)
        if where.batches is not None:
            return Neo4jConnectionLost(
                f"Lost the connection to Neo4j at {uri} while {where.doing}, after "
                f"{where.batches} batch(es) ({where.records} records, up to {where.batch_size} "
                "per batch) had been stored: re-run the same ingest to complete it; records "
                "already stored are skipped."
            )
        return Neo4jConnectionLost(
            f"Lost the connection to Neo4j at {uri} while {where.doing}: check that the "
            "server is running, then run the command again."
        )
    if isinstance(exc, Neo4jError):
        what = f"the statement {where.statement!r}" if where.statement else "a statement"
        return Neo4jQueryFailed(
            f"Neo4j at {uri} refused {what} while {where.doing or 'connecting'}: "
            f"{exc.message} ({exc.code})."
        )
    if isinstance(exc, DriverError):
        return Neo4jConnectionLost(
            f"The Neo4j driver failed while {where.doing or 'connecting'} to {uri}: {exc}."
        )
    return None
