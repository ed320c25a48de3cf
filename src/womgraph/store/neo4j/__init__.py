"""The Neo4j store: womgraph's storage protocol over Bolt, for teams.

::

    cypher.py        named statements from cypher/*.cypher (loaded by name, cached)
    model.py         labels, relationship types; Arrow rows <-> statement parameters
    idempotency.py   duplicates and conflicts, decided as the embedded store decides them
    driver.py        one driver per process and server, reference-counted
    errors.py        driver exceptions -> womgraph errors with messages that say what to do
    store.py         Neo4jStore: the protocol (batched managed writes, paged reads)
    results.py       write-back of analysis results; forgetting an account
    admin.py         schema (db init), status (db status)
    admin_import.py  CSV files for `neo4j-admin database import full`, from any store

The graph model, with a picture, is in ``docs/neo4j.md``.
"""

from .admin_import import ImportFiles, write_import_files
from .driver import POOL, DriverPool, shared_driver
from .errors import (
    Neo4jAuthFailed,
    Neo4jConnectionLost,
    Neo4jDatabaseMissing,
    Neo4jQueryFailed,
    Neo4jUnreachable,
)
from .store import DEFAULT_REJECTS_DIR, Neo4jStore

__all__ = [
    "Neo4jStore",
    "DEFAULT_REJECTS_DIR",
    "DriverPool",
    "POOL",
    "shared_driver",
    "Neo4jUnreachable",
    "Neo4jAuthFailed",
    "Neo4jDatabaseMissing",
    "Neo4jConnectionLost",
    "Neo4jQueryFailed",
    "ImportFiles",
    "write_import_files",
]
