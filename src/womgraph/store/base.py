"""The storage protocol: what every store (embedded DuckDB, Neo4j over Bolt) must do.

Data flows one way: validated Arrow tables go in (:meth:`Store.add_events`,
:meth:`Store.add_accounts`); the analysis reads projections back (:meth:`Store.events`,
:meth:`Store.accounts`) and may write its results back for people who browse the store
(:meth:`Store.write_results`). Stores never validate; they receive rows in
:data:`womgraph.schema.EVENTS_SCHEMA` / :data:`womgraph.schema.ACCOUNTS_SCHEMA`.

Idempotency is the store's job: an event id already stored with the same ``digest`` is a no-op
(counted as a duplicate); with another digest it is a conflict, returned to the caller and never
written. Accounts are profile snapshots: a known account id with new content updates the profile
(non-null fields win), which is counted as ``updated``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol, Sequence, runtime_checkable

import pyarrow as pa

__all__ = ["AddResult", "Store", "CONFLICT_SCHEMA"]

#: What a store returns for rows it refused: the id, where the refused row came from, and where
#: the stored row came from.
CONFLICT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("src", pa.string()),
        ("line", pa.int64()),
        ("stored_src", pa.string()),
        ("stored_line", pa.int64()),
    ]
)


@dataclass
class AddResult:
    """Outcome of one :meth:`Store.add_events` / :meth:`Store.add_accounts` call."""

    inserted: int = 0
    duplicates: int = 0
    updated: int = 0
    conflicts: pa.Table = field(default_factory=lambda: CONFLICT_SCHEMA.empty_table())

    def __iadd__(self, other: "AddResult") -> "AddResult":
        self.inserted += other.inserted
        self.duplicates += other.duplicates
        self.updated += other.updated
        if other.conflicts.num_rows:
            self.conflicts = pa.concat_tables([self.conflicts, other.conflicts])
        return self


@runtime_checkable
class Store(Protocol):
    """A place that keeps events and accounts between commands."""

    #: Human-readable location (a folder, or a URI without credentials).
    location: str
    #: Folder where rejected input records are written for a person to see.
    rejects_dir: Path

    def add_events(self, events: pa.Table) -> AddResult:
        """Store new events atomically: all rows of the call land, or none do.

        Ids already stored with the same digest are skipped; ids stored with another digest,
        and later rows of the same call that repeat an id with another digest, are returned
        as conflicts and not written.
        """

    def find_conflicts(self, events: pa.Table) -> pa.Table:
        """The rows of ``events`` that would be conflicts, without writing anything."""

    def add_accounts(self, accounts: pa.Table) -> AddResult:
        """Insert new accounts and update known ones (non-null incoming fields win)."""

    def events(self, columns: Sequence[str] | None = None) -> pa.Table:
        """All stored events (the named columns, default all), ordered by ``ts`` then ``id``."""

    def accounts(self) -> pa.Table:
        """All stored accounts, ordered by ``id``."""

    def counts(self) -> dict[str, int]:
        """``{"events": n, "accounts": m}``, cheap to compute."""

    def write_results(self, tables: dict[str, pa.Table]) -> None:
        """Keep analysis results (classes, scores, flags, communities) beside the data."""

    def log_ingest(self, summary: dict) -> None:
        """Remember what an ingest did (the report shows the latest ones)."""

    def ingest_log(self, limit: int = 10) -> list[dict]:
        """The latest ingest summaries, newest first, each with an ``at`` timestamp."""

    def forget(self, account: str) -> dict[str, int]:
        """Delete an account and every event it acted in or was targeted by; returns counts."""

    def close(self) -> None:
        """Release the store (files, locks, connections)."""

    def __enter__(self) -> "Store": ...

    def __exit__(self, *exc) -> None: ...


def batches(table: pa.Table, size: int) -> Iterable[pa.Table]:
    """Slices of ``table`` of at most ``size`` rows.

    >>> [t.num_rows for t in batches(pa.table({"a": list(range(5))}), 2)]
    [2, 2, 1]
    """
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)
