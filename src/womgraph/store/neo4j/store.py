"""The Neo4j store: the storage protocol over Bolt, with the embedded store's semantics.

Writes are managed transactions (``Session.execute_write``, which the driver retries on
transient failures), one transaction per batch of ``WOMGRAPH_BATCH_SIZE`` rows sent with
``UNWIND $rows``: a failure never leaves half a batch, and re-running an ingest skips what is
stored. Unlike the embedded store, a call larger than one batch is therefore not atomic as a
whole. Reads are ``execute_query(..., routing_=READ)`` calls that page through the data in id
order (keyset pagination), so no result is one giant response.

Every statement is a named file in ``cypher/`` (:mod:`.cypher`); values travel only as
parameters.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pyarrow as pa
from neo4j import READ_ACCESS, RoutingControl

from ...errors import StoreError
from ...schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from ...settings import Settings, load_settings
from ..base import AddResult, batches
from . import model
from .cypher import CypherQuery, load
from .driver import POOL, DriverPool
from .errors import Where, safe_uri, translate
from .idempotency import Outcome, account_changes, fold_accounts, plan_events, settle

__all__ = ["Neo4jStore", "DEFAULT_REJECTS_DIR"]

#: Where rejected input records go for a Neo4j store (a local folder), unless WOMGRAPH_REJECTS.
DEFAULT_REJECTS_DIR = "womgraph-rejects"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _values(result) -> list[list]:
    """Result transformer: every record as a list of values."""
    return result.values()


def _run(tx, query: CypherQuery, **params) -> list[list]:
    """Run one named statement inside a transaction function; all its rows."""
    return tx.run(query.text, query.params(**params)).values()


def _write_events(tx, rows: list[dict]) -> list[list]:
    """One batch of new events and their relationships (a transaction function: no side effects
    outside the transaction, so the driver may safely run it again)."""
    records = _run(tx, load("event_merge"), rows=rows)
    created = {r[0] for r in records if r[1]}
    if created:
        links = model.link_rows(r for r in rows if r["id"] in created)
        for name, link in links.items():
            if link:
                _run(tx, load(name), rows=link)
    return records


def _write_accounts(tx, snapshots: list[dict]) -> tuple[int, int]:
    """One batch of account snapshots: read what is stored, write what changes (a transaction
    function: the decision is made again if the driver retries it)."""
    found = _run(
        tx, load("account_lookup"), ids=[a["id"] for a in snapshots], keys=list(model.ACCOUNT_KEYS)
    )
    stored = {row[0]: model.account_record(row) for row in found}
    writes = []
    inserted = updated = 0
    for snap in snapshots:
        old = stored.get(snap["id"])
        props = account_changes(snap, old)
        if props is None:
            continue
        inserted += old is None
        updated += old is not None
        writes.append(model.account_param(props))
    if writes:
        _run(tx, load("account_upsert"), rows=writes)
    return inserted, updated


class Neo4jStore:
    """Events and accounts in a Neo4j 5 (or Aura) database.

    Parameters
    ----------
    uri : str
        ``bolt://``, ``neo4j://`` or ``neo4j+s://`` URI of the server.
    settings : Settings, optional
        User, password, database and batch size (``NEO4J_*``, ``WOMGRAPH_BATCH_SIZE``).
    driver : neo4j.Driver, optional
        A driver to use instead of the process's shared one (not closed by the store).
    pool : DriverPool, optional
        Where the shared driver comes from (tests pass their own).
    rejects_dir : path, optional
        Folder for rejected records (default ``WOMGRAPH_REJECTS``, else ``./womgraph-rejects``).
    verify : bool
        Check at once that the server answers, accepts the credentials and has the database.
    """

    def __init__(
        self,
        uri: str,
        *,
        settings: Settings | None = None,
        driver: Any = None,
        pool: DriverPool | None = None,
        batch_size: int | None = None,
        rejects_dir: str | Path | None = None,
        verify: bool = True,
    ):
        settings = settings or load_settings()
        self.uri = uri
        self.location = safe_uri(uri)
        self.user = settings.neo4j_username
        self.database = settings.neo4j_database
        self.batch_size = batch_size or settings.batch_size
        self.page_size = self.batch_size
        self.rejects_dir = Path(
            rejects_dir or os.environ.get("WOMGRAPH_REJECTS") or DEFAULT_REJECTS_DIR
        ).absolute()
        #: Batches (and their rows) committed by this store's add_events/add_accounts calls.
        self.batches_stored = 0
        self.records_stored = 0
        self.server: dict | None = None
        self._schema_ready = False
        self._pool = pool if pool is not None else POOL
        self._key = None
        if driver is None:
            self._key, driver = self._pool.acquire(
                uri, self.user, settings.neo4j_password, self.database
            )
        self._driver = driver
        if verify:
            try:
                self.server = self.ping()
            except BaseException:
                self.close()
                raise

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> "Neo4jStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._key is not None:
            self._pool.release(self._key)
            self._key = None
        self._driver = None

    def __repr__(self) -> str:
        return f"Neo4jStore({self.location!r}, database={self.database!r})"

    # -- plumbing -----------------------------------------------------------------------------
    def _where(
        self, doing: str | None, ingest: bool = False, statement: str | None = None
    ) -> Where:
        return Where(
            uri=self.uri,
            user=self.user,
            database=self.database,
            doing=doing,
            batches=self.batches_stored if ingest else None,
            records=self.records_stored,
            batch_size=self.batch_size,
            statement=statement,
        )

    @contextmanager
    def _guard(
        self, doing: str | None, ingest: bool = False, statement: str | None = None
    ) -> Iterator[None]:
        """Turn driver exceptions into womgraph's, with what we were doing."""
        if self._driver is None:
            raise StoreError(f"The Neo4j store at {self.location} is closed.")
        try:
            yield
        except StoreError:
            raise
        except Exception as exc:
            err = translate(exc, self._where(doing, ingest, statement))
            if err is None:
                raise
            raise err from exc

    def _session(self):
        return self._driver.session(
            database=self.database, bookmark_manager=self._driver.execute_query_bookmark_manager
        )

    def read(self, name: str, doing: str, **params) -> list[list]:
        """Run the named read statement (routed to a reader); all its rows as lists."""
        q = load(name)
        with self._guard(doing, statement=name):
            return self._driver.execute_query(
                q.text,
                q.params(**params),
                routing_=RoutingControl.READ,
                database_=self.database,
                result_transformer_=_values,
            )

    def write(self, name: str, doing: str, **params) -> list[list]:
        """Run the named statement in a managed write transaction of its own; its rows."""
        q = load(name)
        with self._guard(doing, statement=name), self._session() as session:
            return session.execute_write(_run, q, **params)

    def _drain(self, name: str, doing: str) -> int:
        """Run a ``LIMIT $limit`` clean-up statement until it finds nothing; total count."""
        total = 0
        while True:
            n = self.write(name, doing, limit=self.batch_size)[0][0]
            total += n
            if n < self.batch_size:
                return total

    def ensure_schema(self) -> list[dict]:
        """Create missing constraints and indexes (once per store); what was there and what not."""
        from .admin import apply_schema

        if self._schema_ready:
            return []
        rows = apply_schema(self)
        self._schema_ready = True
        return rows

    # -- the protocol: writes -----------------------------------------------------------------
    def add_events(self, events: pa.Table) -> AddResult:
        """Store new events; one transaction per batch (see the module docstring)."""
        if events.num_rows == 0:
            return AddResult()
        plan = plan_events(events)
        self.ensure_schema()
        outcome: dict[str, Outcome] = {}
        with (
            self._guard("storing events", ingest=True, statement="event_merge"),
            self._session() as session,
        ):
            for batch in batches(plan.firsts, self.batch_size):
                rows = model.event_rows(batch)
                records = session.execute_write(_write_events, rows)
                self.batches_stored += 1
                self.records_stored += len(rows)
                for eid, created, digest, src, line in records:
                    outcome[eid] = Outcome(bool(created), digest, src, line)
        return settle(plan, outcome)

    def find_conflicts(self, events: pa.Table) -> pa.Table:
        plan = plan_events(events)
        outcome: dict[str, Outcome] = {}
        ids = plan.firsts.column("id").to_pylist()
        for start in range(0, len(ids), self.batch_size):
            rows = self.read(
                "event_lookup", "looking for conflicts", ids=ids[start : start + self.batch_size]
            )
            for eid, digest, src, line in rows:
                outcome[eid] = Outcome(False, digest, src, line)
        return settle(plan, outcome).conflicts

    def add_accounts(self, accounts: pa.Table) -> AddResult:
        """Insert new profiles, update changed ones (see :func:`.idempotency.account_changes`)."""
        if accounts.num_rows == 0:
            return AddResult()
        snapshots = list(fold_accounts(model.account_records(accounts)).values())
        self.ensure_schema()
        inserted = updated = 0
        with (
            self._guard("storing accounts", ingest=True, statement="account_upsert"),
            self._session() as session,
        ):
            for start in range(0, len(snapshots), self.batch_size):
                batch = snapshots[start : start + self.batch_size]
                ins, upd = session.execute_write(_write_accounts, batch)
                self.batches_stored += 1
                self.records_stored += len(batch)
                inserted += ins
                updated += upd
        return AddResult(
            inserted=inserted, updated=updated, duplicates=accounts.num_rows - inserted - updated
        )

    def write_results(self, tables: dict[str, pa.Table]) -> None:
        from .results import write_results

        self.ensure_schema()
        write_results(self, tables)

    def log_ingest(self, summary: dict) -> None:
        self.ensure_schema()
        self.write("ingest_log_add", "logging the ingest", summary=json.dumps(summary, default=str))

    def forget(self, account: str) -> dict[str, int]:
        from .results import forget

        return forget(self, account)

    # -- the protocol: reads ------------------------------------------------------------------
    def _pages(
        self, name: str, doing: str, keys: list[str], schema: pa.Schema, ts: str
    ) -> list[pa.RecordBatch]:
        out = []
        after = ""
        while True:
            rows = self.read(name, doing, after=after, limit=self.page_size, keys=keys)
            if rows:
                out.append(model.page_batch(rows, keys, schema, ts))
            if len(rows) < self.page_size:
                return out
            after = rows[-1][0]

    def events(self, columns: Sequence[str] | None = None) -> pa.Table:
        """All events (the named columns, default all), ordered by ``ts`` then ``id``."""
        names = list(columns) if columns else EVENTS_SCHEMA.names
        unknown = set(names) - set(EVENTS_SCHEMA.names)
        if unknown:
            raise StoreError(f"Unknown event columns: {', '.join(sorted(unknown))}.")
        keys = [n for n in EVENTS_SCHEMA.names if n in names and n not in ("id", model.EVENT_TS)]
        pages = self._pages("event_page", "reading events", keys, EVENTS_SCHEMA, model.EVENT_TS)
        return model.assemble(
            pages, keys, names, EVENTS_SCHEMA, model.EVENT_TS, sort=(model.EVENT_TS, "id")
        )

    def accounts(self) -> pa.Table:
        """All account profiles, ordered by ``id``."""
        keys = [n for n in ACCOUNTS_SCHEMA.names if n not in ("id", model.ACCOUNT_TS)]
        pages = self._pages(
            "account_page", "reading accounts", keys, ACCOUNTS_SCHEMA, model.ACCOUNT_TS
        )
        return model.assemble(
            pages, keys, ACCOUNTS_SCHEMA.names, ACCOUNTS_SCHEMA, model.ACCOUNT_TS, sort=("id",)
        )

    def counts(self) -> dict[str, int]:
        return {
            "events": self.read("count_events", "counting events")[0][0],
            "accounts": self.read("count_accounts", "counting accounts")[0][0],
        }

    def ingest_log(self, limit: int = 10) -> list[dict]:
        rows = self.read("ingest_log_latest", "reading the ingest log", limit=limit)
        return [
            {"at": _EPOCH + timedelta(microseconds=us), **json.loads(summary)}
            for us, summary in rows
        ]

    # -- administration -----------------------------------------------------------------------
    def ping(self) -> dict:
        """Who answers: server name, version, edition, and the round trip in milliseconds."""
        q = load("server_components")
        started = time.perf_counter()
        # An auto-commit query: the driver does not retry it, so an unreachable server is
        # reported at once instead of after max_transaction_retry_time.
        with (
            self._guard(None, statement=q.name),
            self._driver.session(
                database=self.database, default_access_mode=READ_ACCESS
            ) as session,
        ):
            rows = session.run(q.text, q.params()).values()
        ms = (time.perf_counter() - started) * 1000
        name, version, edition = rows[0] if rows else (None, None, None)
        return {
            "uri": self.location,
            "database": self.database,
            "user": self.user,
            "server": name,
            "version": version,
            "edition": edition,
            "round_trip_ms": round(ms, 1),
        }

    def transaction(self, fn: Callable, *args, doing: str = "writing") -> Any:
        """Run ``fn(tx, *args)`` as one managed write transaction (retried on transient errors)."""
        with self._guard(doing), self._session() as session:
            return session.execute_write(fn, *args)
