"""The embedded store: one DuckDB file in a folder, no server, state kept between commands.

Layout of a store folder::

    <store>/womgraph.duckdb     events, accounts, analysis results
    <store>/rejects/            one JSON Lines file per ingest that rejected something

Each :meth:`EmbeddedStore.add_events` call is one DuckDB transaction, so a process killed in the
middle of an ingest leaves whole batches or nothing; re-running the ingest completes it (ids
already stored are skipped). DuckDB lets one process write a database file at a time: a second
womgraph process waits up to ``lock_timeout`` seconds for the first, then fails with
:class:`~womgraph.errors.StoreLockedError`.
"""

from __future__ import annotations

import json
import shutil
import os
import time
from pathlib import Path
from typing import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from ..duck import arrow, register, unregister
from ..errors import StoreError, StoreLockedError
from ..schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from .base import CONFLICT_SCHEMA, AddResult

__all__ = ["EmbeddedStore", "DB_FILE", "FORMAT_VERSION", "LAZY_CHECKPOINT_BYTES"]

DB_FILE = "womgraph.duckdb"
#: Rows per Arrow record batch handed to DuckDB for an insert: DuckDB's row group size, so that
#: each batch becomes one row group, compressed once by the thread that reads it (64k batches,
#: half a row group, had to be merged two by two: 1M events 1.9 s / 3.0 cpu-s instead of 1.2 / 2.1).
_BATCH_ROWS = 122_880
FORMAT_VERSION = "1"
#: A write session that leaves a write-ahead log smaller than this does not checkpoint when it
#: closes (see ``EmbeddedStore.close``): about 12,000 events. Opening the store replays the log,
#: ~0.012 s per MB, so no command pays more than ~0.03 s for it.
LAZY_CHECKPOINT_BYTES = 2 << 20

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.int8(): "TINYINT",
    pa.int64(): "BIGINT",
    pa.uint64(): "UBIGINT",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}


def _ddl(name: str, schema: pa.Schema) -> str:
    cols = ", ".join(f'"{f.name}" {_DUCK_TYPES[f.type]}' for f in schema)
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols})"


def _cols(schema: pa.Schema, alias: str | None = None) -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{f.name}"' for f in schema)


class EmbeddedStore:
    """Events and accounts in a DuckDB file inside ``path``.

    Parameters
    ----------
    path : str or Path
        The store folder; created on first write.
    read_only : bool
        Open without taking the write lock (several readers may share a store).
    lock_timeout : float
        Seconds to wait for another process that holds the store.

    Examples
    --------
    >>> import tempfile
    >>> with EmbeddedStore(tempfile.mkdtemp()) as s:
    ...     s.counts()
    {'events': 0, 'accounts': 0}
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.location = str(self.path)
        self.rejects_dir = self.path / "rejects"
        self.cache_dir = self.path / "cache"
        db = self.path / DB_FILE
        if read_only and not db.exists():
            raise StoreError(
                f"No womgraph store at {self.path}: run `womgraph ingest FILE` or "
                "`womgraph demo` first, or point --store / WOMGRAPH_STORE at an existing store."
            )
        if not read_only:
            self.path.mkdir(parents=True, exist_ok=True)
        self._lock_timeout = lock_timeout
        self._read_only = read_only
        self._con = self._connect(db, read_only, lock_timeout)
        self._con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self._create_schema()

    # -- connection -------------------------------------------------------------------------
    def _connect(self, db: Path, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + lock_timeout
        while True:
            try:
                return duckdb.connect(str(db), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise StoreError(f"Cannot open the store at {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise StoreLockedError(
                        f"The store at {self.path} is in use by another womgraph process. "
                        "Wait for it to finish, or use another --store."
                    ) from exc
                time.sleep(0.1)
            except duckdb.Error as exc:
                raise StoreError(
                    f"Cannot open the store at {self.path}: {exc}. If the file is damaged, "
                    "move the folder aside and ingest again."
                ) from exc

    def _create_schema(self) -> None:
        con = self._con
        con.execute(_ddl("events", EVENTS_SCHEMA))
        con.execute(_ddl("accounts", ACCOUNTS_SCHEMA))
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("CREATE TABLE IF NOT EXISTS ingest_log (logged_at TIMESTAMPTZ, summary JSON)")
        con.execute(
            "INSERT INTO meta VALUES ('format_version', ?) ON CONFLICT DO NOTHING", [FORMAT_VERSION]
        )

    def __enter__(self) -> "EmbeddedStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._con is None

    def close(self) -> None:
        if self._con is not None:
            if not self._read_only and self._wal_bytes() < LAZY_CHECKPOINT_BYTES:
                # Left in the write-ahead log (as durable) for a later write to fold in: the
                # first checkpoint after opening a large store rewrites its last row group,
                # 0.19 s at 10M events even for a few new rows. The log is replayed when the
                # store is opened (0.02 s for 10,000 events) and checkpointed once it passes
                # the limit.
                self._con.execute("PRAGMA disable_checkpoint_on_shutdown")
            self._con.close()
            self._con = None

    def _wal_bytes(self) -> int:
        try:
            return (self.path / (DB_FILE + ".wal")).stat().st_size
        except OSError:
            return 0

    # -- writes -----------------------------------------------------------------------------
    def _stage(self, table: pa.Table, schema: pa.Schema) -> int:
        """Register the incoming rows as ``incoming`` (with an ordinal) and, for ids that occur
        more than once in them, their first row as ``firsts``; return how many such ids there
        are. Nothing else is copied.

        Whether any id repeats is asked of Arrow first (a hash of the ids on one thread, a
        quarter of what grouping all rows by id costs in DuckDB); usually none does, and
        ``firsts`` is left empty without a query."""
        # No progress bar of DuckDB's on stdout (which carries the ingest summary) for an insert
        # that takes more than 2 s.
        self._con.execute("SET enable_progress_bar = false")
        table = table.select(schema.names).cast(schema)
        # The ordinal comes from Arrow: a scan need not keep row order.
        table = table.append_column("_ord", pa.array(np.arange(table.num_rows, dtype=np.int64)))
        # In batches of row-group size or less: DuckDB then inserts them on all its threads and
        # compresses them as it goes, where one large batch is inserted by one thread and left
        # for the checkpoint (at close) to compress, at about twice the cost.
        # (The rows come in batches of any size, 131,072 from DuckDB: cut at row-group
        # boundaries, they would leave a small batch after every full one.)
        sizes = [b.num_rows for b in table.to_batches()]
        if any(n != _BATCH_ROWS for n in sizes[:-1]) or (sizes and sizes[-1] > _BATCH_ROWS):
            table = table.combine_chunks()
        batches = table.to_batches(max_chunksize=_BATCH_ROWS)
        register(self._con, "incoming", pa.Table.from_batches(batches, table.schema))
        import pyarrow.compute as pc  # here, not for every command that opens the store

        if len(pc.unique(table.column("id"))) == table.num_rows:
            self._con.execute(
                "CREATE OR REPLACE TEMP TABLE firsts "
                "(id VARCHAR, digest UBIGINT, src VARCHAR, line BIGINT, _ord BIGINT)"
            )
            return 0
        self._con.execute(
            """
            CREATE OR REPLACE TEMP TABLE firsts AS
            SELECT id, arg_min(digest, _ord) AS digest, arg_min(src, _ord) AS src,
                   arg_min(line, _ord) AS line, min(_ord) AS _ord
            FROM incoming GROUP BY id HAVING count(*) > 1
            """
        )
        return self._con.execute("SELECT count(*) FROM firsts").fetchone()[0]

    def _unstage(self) -> None:
        unregister(self._con, "incoming")
        self._con.execute("DROP TABLE IF EXISTS firsts")
        self._con.execute("DROP TABLE IF EXISTS known")

    # Each incoming id is compared with one reference row: the stored row when there is one,
    # else the first incoming row with that id. A row whose digest differs is a conflict.
    # ``known`` holds the stored rows of the incoming ids (usually none), so neither this query
    # nor the insert joins the whole ``events`` table.
    _CONFLICTS_SQL = """
        SELECT i.id, i.src, i.line,
               CASE WHEN e.id IS NULL THEN f.src ELSE e.src END AS stored_src,
               CASE WHEN e.id IS NULL THEN f.line ELSE e.line END AS stored_line
        FROM incoming i
        LEFT JOIN known e ON e.id = i.id
        LEFT JOIN firsts f ON f.id = i.id
        WHERE (e.id IS NOT NULL AND i.digest <> e.digest)
           OR (e.id IS NULL AND f.id IS NOT NULL AND i.digest <> f.digest)
        ORDER BY i._ord
    """

    def _find_known(self) -> int:
        """Stage as ``known`` the stored events whose ids are incoming; return how many.

        An empty store (a first ingest) is not scanned at all.
        """
        con = self._con
        if con.execute("SELECT NOT EXISTS (SELECT 1 FROM events)").fetchone()[0]:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE known AS SELECT id, digest, src, line FROM events LIMIT 0"
            )
            return 0
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE known AS
            SELECT e.id, e.digest, e.src, e.line FROM events e SEMI JOIN incoming i ON e.id = i.id
            """
        )
        return con.execute("SELECT count(*) FROM known").fetchone()[0]

    def _conflicts(self, known: int, repeated: int) -> pa.Table:
        if not (known or repeated):
            return CONFLICT_SCHEMA.empty_table()
        return arrow(self._con, self._CONFLICTS_SQL).cast(CONFLICT_SCHEMA)

    def find_conflicts(self, events: pa.Table) -> pa.Table:
        repeated = self._stage(events, EVENTS_SCHEMA)
        try:
            return self._conflicts(self._find_known(), repeated)
        finally:
            self._unstage()

    def add_events(self, events: pa.Table) -> AddResult:
        if events.num_rows == 0:
            return AddResult()
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            repeated = self._stage(events, EVENTS_SCHEMA)
            known = self._find_known()
            conflicts = self._conflicts(known, repeated)
            # New ids only, each once (its first row): with nothing known and no id repeated
            # that is every row, and the insert is a plain copy.
            keep = []
            if known:
                keep.append("NOT EXISTS (SELECT 1 FROM known e WHERE e.id = i.id)")
            if repeated:
                keep.append("NOT EXISTS (SELECT 1 FROM firsts f WHERE f.id = i.id AND f._ord <> i._ord)")
            where = f"WHERE {' AND '.join(keep)}" if keep else ""
            inserted = con.execute(
                f"INSERT INTO events SELECT {_cols(EVENTS_SCHEMA, 'i')} FROM incoming i {where}"
            ).fetchone()[0]
            self._unstage()
            if inserted:
                self._bump()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            self._unstage()
            raise
        duplicates = events.num_rows - inserted - conflicts.num_rows
        return AddResult(inserted=inserted, duplicates=duplicates, conflicts=conflicts)

    def add_accounts(self, accounts: pa.Table) -> AddResult:
        if accounts.num_rows == 0:
            return AddResult()
        con = self._con
        fields = [n for n in ACCOUNTS_SCHEMA.names if n not in ("id", "extra", "digest", "src", "line")]
        # A profile file is a snapshot of the accounts at export time: for every field the
        # latest non-null value wins, whether it comes later in the same call or from this call
        # over what is stored. Unknown fields merge the same way, key by key.
        latest = ", ".join(
            f'arg_max("{n}", _ord) FILTER (WHERE "{n}" IS NOT NULL) AS "{n}"' for n in fields
        )
        merged = ", ".join(f'coalesce(l."{n}", a."{n}") AS "{n}"' for n in fields)
        changes = " OR ".join(
            [f'(l."{n}" IS NOT NULL AND l."{n}" IS DISTINCT FROM a."{n}")' for n in fields]
            + [
                "(l.extra IS NOT NULL AND (a.extra IS NULL "
                "OR json_merge_patch(a.extra, l.extra)::VARCHAR <> a.extra))"
            ]
        )
        con.execute("BEGIN TRANSACTION")
        try:
            # Each id once (the usual snapshot): its row holds its latest values, which is what
            # the grouping below gives, at a fraction of its cost (10M: 1.3 s on one thread).
            rel = f"(SELECT {_cols(ACCOUNTS_SCHEMA)} FROM incoming)"
            if self._stage(accounts, ACCOUNTS_SCHEMA):
                rel = "latest"
                con.execute(
                    f"""
                    CREATE OR REPLACE TEMP TABLE latest AS
                    SELECT id, {latest},
                           list_reduce(list(extra ORDER BY _ord) FILTER (WHERE extra IS NOT NULL),
                                       lambda x, y: json_merge_patch(x, y)::VARCHAR) AS extra,
                           arg_max(digest, _ord) AS digest, arg_max(src, _ord) AS src,
                           arg_max(line, _ord) AS line
                    FROM incoming GROUP BY id
                    """
                )
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE upd AS
                SELECT l.id, {merged},
                       CASE WHEN l.extra IS NULL THEN a.extra WHEN a.extra IS NULL THEN l.extra
                            ELSE json_merge_patch(a.extra, l.extra)::VARCHAR END AS extra,
                       l.digest, l.src, l.line
                FROM {rel} l JOIN accounts a USING (id)
                WHERE {changes}
                """
            )
            updated = con.execute("SELECT count(*) FROM upd").fetchone()[0]
            con.execute("DELETE FROM accounts WHERE id IN (SELECT id FROM upd)")
            con.execute(f"INSERT INTO accounts SELECT {_cols(ACCOUNTS_SCHEMA)} FROM upd")
            inserted = con.execute(
                f"""
                INSERT INTO accounts SELECT {_cols(ACCOUNTS_SCHEMA)} FROM {rel} l
                WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = l.id)
                """
            ).fetchone()[0]
            con.execute("DROP TABLE IF EXISTS latest")
            con.execute("DROP TABLE upd")
            self._unstage()
            if inserted or updated:
                self._bump()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            self._unstage()
            raise
        return AddResult(
            inserted=inserted, updated=updated, duplicates=accounts.num_rows - inserted - updated
        )

    def write_results(self, tables: dict[str, pa.Table]) -> None:
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            for name, table in tables.items():
                if not name.isidentifier():
                    raise StoreError(f"Result table name {name!r} is not an identifier.")
                register(con, "result_in", table)
                con.execute(f"CREATE OR REPLACE TABLE result_{name} AS SELECT * FROM result_in")
                unregister(con, "result_in")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _bump(self) -> None:
        """Count a change of the stored data (inside the caller's transaction)."""
        self._con.execute(
            "INSERT INTO meta VALUES ('data_version', '1') ON CONFLICT (key) DO UPDATE "
            "SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR)"
        )

    def data_version(self) -> int:
        """A number that changes whenever events or accounts change (for caches of results)."""
        row = self._con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        return int(row[0]) if row else 0

    def log_ingest(self, summary: dict) -> None:
        self._con.execute("INSERT INTO ingest_log VALUES (now(), ?)", [json.dumps(summary)])

    def ingest_log(self, limit: int = 10) -> list[dict]:
        # The limit is written into the text: binding any parameter makes DuckDB import pandas
        # (0.25 s on every report).
        rows = self._con.execute(
            "SELECT logged_at, summary FROM ingest_log ORDER BY logged_at DESC, rowid DESC "
            f"LIMIT {int(limit)}"
        ).fetchall()
        return [{"at": at, **json.loads(summary)} for at, summary in rows]

    def forget(self, account: str) -> dict[str, int]:
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            ev = con.execute(
                "DELETE FROM events WHERE actor = ? OR target = ?", [account, account]
            ).fetchone()[0]
            ac = con.execute("DELETE FROM accounts WHERE id = ?", [account]).fetchone()[0]
            tables = [
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'result_%'"
                ).fetchall()
            ]
            for t in tables if ev or ac else []:  # an unknown account leaves the results be
                con.execute(f"DROP TABLE {t}")
            if ev or ac:
                self._bump()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if ev or ac:
            shutil.rmtree(self.cache_dir, ignore_errors=True)  # cached results hold their data too
            self._compact()
        return {"events": ev, "accounts": ac}

    def _compact(self) -> None:
        """Rewrite the database file, so that deleted rows leave no trace in it.

        DuckDB keeps the bytes of deleted rows in free blocks of the file until they are reused,
        so after :meth:`forget` the data would still be on disk. The live tables are copied into
        a new file beside the old one, which replaces it in one rename while this process still
        holds the old file's lock: a process waiting for the store opens the new file.
        """
        con = self._con
        db = self.path / DB_FILE
        tmp = self.path / (DB_FILE + ".compact")
        for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
            stale.unlink(missing_ok=True)  # left by a compaction that was killed
        con.execute("CHECKPOINT")
        name = con.execute("SELECT current_database()").fetchone()[0]
        literal = "'" + str(tmp).replace("'", "''") + "'"
        con.execute(f"ATTACH {literal} AS womgraph_compact")
        try:
            con.execute(f'COPY FROM DATABASE "{name}" TO womgraph_compact')
        finally:
            con.execute("DETACH womgraph_compact")
        os.replace(tmp, db)
        con.close()
        self._con = self._connect(db, False, self._lock_timeout)
        self._con.execute("SET TimeZone = 'UTC'")

    # -- reads ------------------------------------------------------------------------------
    def events(self, columns: Sequence[str] | None = None) -> pa.Table:
        names = list(columns) if columns else EVENTS_SCHEMA.names
        unknown = set(names) - set(EVENTS_SCHEMA.names)
        if unknown:
            raise StoreError(f"Unknown event columns: {', '.join(sorted(unknown))}.")
        sel = ", ".join(f'"{n}"' for n in names)
        schema = pa.schema([EVENTS_SCHEMA.field(n) for n in names])
        return (
            arrow(self._con, f"SELECT {sel} FROM events ORDER BY ts, id").cast(schema)
        )

    def accounts(self) -> pa.Table:
        return (
            arrow(self._con, f"SELECT {_cols(ACCOUNTS_SCHEMA)} FROM accounts ORDER BY id")
            .cast(ACCOUNTS_SCHEMA)
        )

    def counts(self) -> dict[str, int]:
        ev = self._con.execute("SELECT count(*) FROM events").fetchone()[0]
        ac = self._con.execute("SELECT count(*) FROM accounts").fetchone()[0]
        return {"events": ev, "accounts": ac}

    def sql(self, query: str, params: Sequence | None = None) -> pa.Table:
        """Run a read query against the store's tables (for reports and debugging)."""
        return arrow(self._con, query, params)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A private connection to this store's database, for running the analysis where the
        data is (its temporary tables are its own; close it when done)."""
        return self._con.cursor()
