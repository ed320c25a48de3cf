"""CSV files for ``neo4j-admin database import full``: the fast first load of a large history.

Reads any store's :meth:`~womgraph.store.base.Store.events` and
:meth:`~womgraph.store.base.Store.accounts` (typically the embedded store after
``womgraph ingest``) and writes the same graph the Neo4j store builds over Bolt (see
``docs/neo4j.md``), one file per label and relationship type, each with its header line::

    accounts.csv   id:ID(Account),:LABEL,role,created:datetime,...   Account or Account;Profiled
    events.csv     id:ID(Event),:LABEL,ts:datetime,type,actor,...
    content.csv    id:ID(Content),:LABEL
    acted.csv      :START_ID(Account),:END_ID(Event),:TYPE
    targets.csv    :START_ID(Event),:END_ID(Account),:TYPE
    creates.csv    :START_ID(Event),:END_ID(Content),:TYPE
    reacts_to.csv  :START_ID(Event),:END_ID(Content),:TYPE
    referred.csv   :START_ID(Account),:END_ID(Account),:TYPE,event,ts:datetime,type
    mentioned.csv  :START_ID(Account),:END_ID(Account),:TYPE,event,ts:datetime,post

Strings are quoted, nulls are empty fields (no property), timestamps are ISO 8601 in UTC, and
``digest`` is the signed 64-bit integer the Bolt store keeps. Text may span lines, hence
``--multiline-fields=true`` in :meth:`ImportFiles.command`. After the import, start the
database and run ``womgraph db init`` for the constraints and indexes.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ...errors import StoreError
from ...schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA, INVITE_TYPES
from ..base import Store, batches

__all__ = ["ImportFile", "ImportFiles", "write_import_files", "node_header"]

_ADMIN_TYPES = {
    pa.string(): "",
    pa.float64(): ":double",
    pa.bool_(): ":boolean",
    pa.int8(): ":int",
    pa.int64(): ":long",
    pa.uint64(): ":long",
    pa.timestamp("us", tz="UTC"): ":datetime",
}
_ROWS_PER_WRITE = 100_000


@dataclass
class ImportFile:
    """One CSV file: nodes of a label or relationships of a type."""

    path: Path
    kind: str  # "nodes" or "relationships"
    name: str  # label or relationship type
    rows: int = 0


@dataclass
class ImportFiles:
    """What :func:`write_import_files` wrote, and how to import it."""

    folder: Path
    database: str
    files: list[ImportFile] = field(default_factory=list)

    def command(self) -> str:
        """The ``neo4j-admin`` command line that imports these files (the database stopped)."""
        parts = ["neo4j-admin", "database", "import", "full", shlex.quote(self.database)]
        parts += ["--overwrite-destination=true", "--multiline-fields=true"]
        for f in self.files:
            parts.append(f"--{f.kind}={shlex.quote(str(f.path))}")
        return " ".join(parts)

    def rows(self) -> list[dict]:
        return [
            {"file": f.path.name, "kind": f.kind, "name": f.name, "rows": f.rows}
            for f in self.files
        ]


def node_header(id_space: str, schema: pa.Schema) -> list[str]:
    """Header fields for a node file whose first column is the id.

    >>> node_header("Content", pa.schema([("id", pa.string()), ("n", pa.int64())]))
    ['id:ID(Content)', ':LABEL', 'n:long']
    """
    return [f"id:ID({id_space})", ":LABEL"] + [f"{f.name}{_ADMIN_TYPES[f.type]}" for f in schema][
        1:
    ]


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps as ISO text, digests as signed integers; everything else as it is."""
    cols = []
    for col in table.columns:
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format="%Y-%m-%dT%H:%M:%SZ")
        elif col.type == pa.uint64():
            col = pa.chunked_array([c.view(pa.int64()) for c in col.chunks], pa.int64())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


class _Writer:
    def __init__(self, file: ImportFile, header: list[str]):
        self.file = file
        self._fh = open(file.path, "wb")
        self._fh.write((",".join(header) + "\n").encode("utf-8"))
        self._opts = pacsv.WriteOptions(include_header=False, quoting_style="needed")

    def write(self, table: pa.Table) -> None:
        for part in batches(table, _ROWS_PER_WRITE):
            if part.num_rows:
                pacsv.write_csv(_csv_ready(part), self._fh, self._opts)
                self.file.rows += part.num_rows

    def close(self) -> None:
        self._fh.close()


def _labelled(table: pa.Table, label: str) -> pa.Table:
    return table.add_column(1, ":LABEL", pa.array([label] * table.num_rows, pa.string()))


def _rel(
    start: pa.Array, end: pa.Array, rel_type: str, extra: dict[str, pa.Array] | None = None
) -> pa.Table:
    cols = {
        ":START_ID": start,
        ":END_ID": end,
        ":TYPE": pa.array([rel_type] * len(start), pa.string()),
    }
    cols.update(extra or {})
    return pa.table(cols)


def _unique(table: pa.Table, *columns: str) -> pa.Array:
    """The distinct non-null values of some string columns."""
    chunks = [c for name in columns for c in table[name].chunks]
    values = pc.unique(pa.concat_arrays(chunks)) if chunks else pa.array([], pa.string())
    return values.filter(pc.is_valid(values))


def write_import_files(
    store: Store, folder: str | Path, *, database: str = "neo4j", redact=None
) -> ImportFiles:
    """Write the node and relationship CSV files of ``store``'s data into ``folder``.

    ``redact``, a :class:`womgraph.render.redact.Redactor`, replaces account ids, handles and
    names with pseudonyms and leaves out texts, unknown fields and digests.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"{folder} is not a folder: give a folder to write the import files into.")
    folder.mkdir(parents=True, exist_ok=True)
    out = ImportFiles(folder=folder.absolute(), database=database)
    events = store.events().cast(EVENTS_SCHEMA)
    profiles = store.accounts().cast(ACCOUNTS_SCHEMA)
    if redact is not None:
        events, profiles = redact.events(events), redact.accounts(profiles)

    def open_file(name: str, kind: str, what: str, header: list[str]) -> _Writer:
        f = ImportFile(out.folder / name, kind, what)
        out.files.append(f)
        return _Writer(f, header)

    # Nodes: profiled accounts, then accounts only named by events.
    w = open_file("accounts.csv", "nodes", "Account", node_header("Account", ACCOUNTS_SCHEMA))
    w.write(_labelled(profiles, "Account;Profiled"))
    named = _unique(events, "actor", "target")
    named = named.filter(pc.invert(pc.is_in(named, profiles["id"].combine_chunks())))
    bare = pa.table(
        {n: pa.nulls(len(named), ACCOUNTS_SCHEMA.field(n).type) for n in ACCOUNTS_SCHEMA.names}
    )
    w.write(_labelled(bare.set_column(0, "id", named), "Account"))
    w.close()

    w = open_file("events.csv", "nodes", "Event", node_header("Event", EVENTS_SCHEMA))
    w.write(_labelled(events, "Event"))
    w.close()

    content = _unique(events, "post", "parent")
    w = open_file("content.csv", "nodes", "Content", ["id:ID(Content)", ":LABEL"])
    w.write(_labelled(pa.table({"id": content}), "Content"))
    w.close()

    # Relationships, made from the same fields as over Bolt.
    def rels(name: str, rel_type: str, ends: tuple[str, str], mask, start: str, end: str, props=()):
        part = events.filter(mask) if mask is not None else events
        header = [f":START_ID({ends[0]})", f":END_ID({ends[1]})", ":TYPE"]
        header += [f"{p}{_ADMIN_TYPES[events.schema.field(col).type]}" for p, col in props]
        w = open_file(name, "relationships", rel_type, header)
        w.write(_rel(part[start], part[end], rel_type, {p: part[col] for p, col in props}))
        w.close()

    def has(column: str):
        return pc.is_valid(events[column])

    rels("acted.csv", "ACTED", ("Account", "Event"), None, "actor", "id")
    rels("targets.csv", "TARGETS", ("Event", "Account"), has("target"), "id", "target")
    rels("creates.csv", "CREATES", ("Event", "Content"), has("post"), "id", "post")
    rels("reacts_to.csv", "REACTS_TO", ("Event", "Content"), has("parent"), "id", "parent")
    invite = pc.and_(has("target"), pc.is_in(events["type"], pa.array(list(INVITE_TYPES))))
    rels(
        "referred.csv",
        "REFERRED",
        ("Account", "Account"),
        invite,
        "actor",
        "target",
        (("event", "id"), ("ts", "ts"), ("type", "type")),
    )
    mention = pc.and_(has("target"), pc.equal(events["type"], "mention"))
    rels(
        "mentioned.csv",
        "MENTIONED",
        ("Account", "Account"),
        mention,
        "actor",
        "target",
        (("event", "id"), ("ts", "ts"), ("post", "post")),
    )
    return out
