"""Stores: the embedded DuckDB store (default) and the Neo4j store, behind one protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import AddResult, Store, batches
from .embedded import EmbeddedStore

if TYPE_CHECKING:
    from ..settings import Settings

__all__ = ["Store", "AddResult", "EmbeddedStore", "open_store", "is_server_uri", "batches"]

_SERVER_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_server_uri(location: str) -> bool:
    """True for a Neo4j URI, False for a folder path.

    >>> is_server_uri("neo4j+s://x.databases.neo4j.io"), is_server_uri("./.womgraph")
    (True, False)
    """
    return location.lower().startswith(_SERVER_SCHEMES)


def open_store(
    location: str | None = None, *, settings: Settings | None = None, read_only: bool = False
) -> Store:
    """Open the store at ``location`` (else ``WOMGRAPH_STORE``, else ``NEO4J_URI``, else ``.womgraph``)."""
    if settings is None:
        from ..settings import load_settings  # pydantic: imported only when settings are read

        settings = load_settings()
    where = settings.store_location(location)
    if is_server_uri(where):
        from .neo4j import Neo4jStore  # imported late: only teams with a server need the driver

        return Neo4jStore(where, settings=settings)
    return EmbeddedStore(where, read_only=read_only)
