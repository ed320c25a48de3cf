"""Validate chunks of input records in DuckDB: good rows out as Arrow, bad rows out with reasons.

One :class:`Validator` per record kind (events or accounts) owns an in-memory DuckDB connection.
Each chunk is read by one query (:mod:`.fast`) that accepts the clean records and marks the
others; only the marked ones go through the exact rules (:mod:`.rules`), which accept them or
say in words what is wrong. A JSON Lines chunk that Arrow's JSON reader can parse exactly as
that query would (:mod:`.parsed`) reaches it as typed columns instead of text. No Python code
runs per accepted record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..duck import arrow, memory_connection, register, unregister
from ..read.csv_reader import CsvChunk, column_name
from ..read.lines import LineChunk
from ..schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from .fast import fast_sql, json_fields_sql, unknown_fields_sql
from .parsed import ParsedChunk, arrow_schema, parse_chunk
from .rules import ACCOUNT_RULES, EVENT_RULES, Rule, screening_sql, sql_str, validation_sql
from .structure import MESSAGES, shape_sql

__all__ = ["Validator", "Validated", "REJECTS_SCHEMA"]

#: Rows per record batch handed to DuckDB (it reads the batches of a table in parallel). A row
#: group of the store: the valid rows then come back in batches the store inserts as they are
#: (with 64k batches they came back in 131,072-row ones, which the store had to copy).
_BATCH_ROWS = 122_880

#: Chunks of a file in a row that Arrow's reader may fail to take before the validator stops
#: asking it for that file (one with numbers written as strings, say, would cost a wasted
#: parse per chunk).
_ARROW_TRIES = 3

REJECTS_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("line", pa.int64()),
        ("reason", pa.string()),
        ("message", pa.string()),
        ("record", pa.string()),
    ]
)


@dataclass
class Validated:
    """Valid rows (the store schema plus ``record``) and rejected rows of one chunk."""

    valid: pa.Table
    rejects: pa.Table
    read: int


class Validator:
    """Checks records of one kind (``"events"`` or ``"accounts"``).

    >>> from womgraph.read.lines import iter_line_chunks
    >>> import io
    >>> data = b'{"id":"e1","ts":"2026-03-01T12:00:00Z","type":"post","actor":"a"}\\n{"id":"e2"}\\n'
    >>> v = Validator("events").jsonl(next(iter_line_chunks(io.BytesIO(data), "x")), "x")
    >>> v.valid.column("id").to_pylist(), v.rejects.column("reason").to_pylist()
    (['e1'], ['missing_field'])
    """

    def __init__(self, kind: str, *, fast: bool = True, arrow: bool = True):
        if kind == "events":
            self.rules: tuple[Rule, ...] = EVENT_RULES
            self.schema = EVENTS_SCHEMA
        elif kind == "accounts":
            self.rules = ACCOUNT_RULES
            self.schema = ACCOUNTS_SCHEMA
        else:  # pragma: no cover - programming error
            raise ValueError(kind)
        self.kind = kind
        self.fast = fast  # False: every record goes through the exact rules (for tests)
        self.last_slow = 0
        self.last_path = ""  # "arrow" or "sql": how the last JSON Lines chunk was read (tests)
        self._arrow_schema = arrow_schema(self.rules)
        self._arrow = arrow  # False: the SQL fast path only (tests)
        self._arrow_src: str | None = None
        self._arrow_failures = 0
        self.con = memory_connection()
        # DuckDB draws a progress bar on stdout for a query that runs longer than 2 s (a chunk on
        # a busy machine): stdout carries the ingest summary, so no bar.
        self.con.execute("SET enable_progress_bar = false")
        self._sql = validation_sql(self.rules, "staged_bad", events=kind == "events")
        self._screen = screening_sql(self.rules, "staged_slow", events=kind == "events")
        self._events = kind == "events"
        self._out_schema = self.schema.append(pa.field("record", pa.string()))

    def close(self) -> None:
        self.con.close()

    # -- JSON Lines -------------------------------------------------------------------------
    def jsonl(self, chunk: LineChunk, src: str) -> Validated:
        n = len(chunk.lines)
        line = pa.array(np.arange(chunk.first_line, chunk.first_line + n, dtype=np.int64))
        # UTF-8 is checked for the whole chunk at once by Arrow; only a chunk with a bad line
        # is decoded line by line in DuckDB (and keeps its bytes, to show a bad line as it was).
        # The record as written is the line without its line break; JSON allows that space.
        try:
            text = pc.utf8_rtrim(chunk.lines.cast(pa.large_string()), characters="\r\n")
            decoded = "raw"
        except (pa.ArrowInvalid, UnicodeDecodeError):
            text = None
            decoded = "rtrim(try(decode(raw)), chr(13) || chr(10))"
        if src != self._arrow_src:  # another file: Arrow may read it
            self._arrow_src, self._arrow_failures = src, 0
        parsed = None
        if text is not None and self.fast and self._arrow and self._arrow_failures < _ARROW_TRIES:
            parsed = parse_chunk(chunk, self._arrow_schema)
            self._arrow_failures = 0 if parsed is not None else self._arrow_failures + 1
        if parsed is not None:
            out = self._fast_parsed(parsed, line, text)
        else:
            out = self._fast_text(chunk, line, text, decoded)
        self.last_path = "arrow" if parsed is not None else "sql"
        if text is None:  # the text as DuckDB decoded it, NULL where it is not UTF-8
            text = self._decoded_text(chunk, decoded)
        return self._after_fast(chunk, src, line, text, out)

    def _fast_parsed(self, parsed: ParsedChunk, line: pa.Array, text: pa.Array) -> pa.Table:
        """The fast path over a chunk Arrow parsed (:mod:`.parsed`)."""
        self._register("parsed", parsed.table.append_column("line", line).append_column("txt", text))
        try:
            return self._fast(parsed.fields_sql(self.rules, "parsed"))
        finally:
            unregister(self.con, "parsed")

    def _decoded_text(self, chunk: LineChunk, decoded: str) -> pa.Array:
        self._register("chunk", pa.table({"raw": chunk.lines}))
        try:
            return arrow(self.con, f"SELECT {decoded} FROM chunk").column(0)
        finally:
            unregister(self.con, "chunk")

    def _fast_text(self, chunk: LineChunk, line: pa.Array, text: pa.Array | None, decoded: str) -> pa.Table:
        """The SQL fast path (:mod:`.fast`) over the text of a chunk."""
        raw = text if text is not None else chunk.lines
        self._register("chunk", pa.table({"line": line, "raw": raw}))
        try:
            source = (
                f"(SELECT line, txt, {shape_sql('txt')} AS shape "
                f"FROM (SELECT line, {decoded} AS txt FROM chunk))"
            )
            fields = json_fields_sql(self.rules, source)
            return self._fast(f"SELECT *, NULL::VARCHAR AS cell_problem FROM ({fields})")
        finally:
            unregister(self.con, "chunk")

    def _after_fast(self, chunk: LineChunk, src: str, line: pa.Array, text: pa.Array, out: pa.Table) -> Validated:
        """The exact rules over what the fast path set aside, and the rejects of lines that are
        not JSON objects."""
        n = len(chunk.lines)
        text = text.cast(pa.string()) if text.type != pa.string() else text
        structural = out.column("structural")
        is_object = pc.is_null(structural)
        unreadable = pc.and_(pc.invert(is_object), pc.not_equal(structural, "blank"))
        exact = self._exact_jsonl(src, line, text, pc.and_(is_object, out.column("_slow")))
        result = self._finish(src, out, is_object, text, exact)
        read = n - (pc.sum(pc.equal(structural, "blank")).as_py() or 0)
        if pc.any(unreadable).as_py():
            rows = pc.filter(pa.table({"line": line, "reason": structural, "record": text}), unreadable)
            records = [
                rec if rec is not None else raw.decode("utf-8", "backslashreplace").rstrip("\r\n")
                for rec, raw in zip(
                    rows.column("record").to_pylist(),
                    pc.filter(chunk.lines, unreadable).to_pylist(),
                )
            ]
            reasons = rows.column("reason").to_pylist()
            structural_rejects = pa.table(
                {
                    "file": pa.array([src] * rows.num_rows, pa.string()),
                    "line": rows.column("line"),
                    "reason": rows.column("reason"),
                    "message": pa.array([MESSAGES[r] for r in reasons], pa.string()),
                    "record": pa.array(records, pa.string()),
                },
                schema=REJECTS_SCHEMA,
            )
            rejects = pa.concat_tables([structural_rejects, result.rejects]).sort_by("line")
        else:
            rejects = result.rejects
        return Validated(result.valid, rejects, read)

    def _exact_jsonl(self, src: str, line: pa.Array, text: pa.Array, slow: pa.Array) -> Validated | None:
        """The exact rules over the records ``slow`` marks (None when there are none)."""
        if not pc.any(slow).as_py():
            return None
        names = [r.name for r in self.rules]
        paths = "[" + ", ".join(sql_str(f"$.{n}") for n in names) + "]"
        fields = ", ".join(
            f'vs[{i}] AS "{n}__v", ts[{i}] AS "{n}__t"' for i, n in enumerate(names, start=1)
        )
        self._register("slow_lines", pc.filter(pa.table({"line": line, "txt": text}), slow))
        try:
            return self._judge(
                src,
                f"""
                SELECT line, txt AS record, {sql_str(src)} AS src, {fields},
                       {unknown_fields_sql(self.rules, 'txt')} AS extra,
                       NULL::VARCHAR AS cell_problem
                FROM (SELECT line, txt, json_extract_string(txt, {paths}) AS vs,
                             json_type(txt, {paths}) AS ts
                      FROM slow_lines)
                """,
            )
        finally:
            unregister(self.con, "slow_lines")

    # -- CSV --------------------------------------------------------------------------------
    def csv(self, chunk: CsvChunk, src: str) -> Validated:
        header = chunk.header
        reader_rejects = pa.Table.from_pylist(
            [{"file": src, **r} for r in chunk.rejects], schema=REJECTS_SCHEMA
        )
        read = chunk.table.num_rows + len(chunk.rejects)
        problem = _header_problem(header, self.rules)
        if problem is not None:
            # Nothing in the file can be read safely: every record is rejected with that reason.
            n = chunk.table.num_rows
            rejects = pa.table(
                {
                    "file": pa.array([src] * n, pa.string()),
                    "line": chunk.table.column("line"),
                    "reason": pa.array(["csv_bad_header"] * n, pa.string()),
                    "message": pa.array([problem] * n, pa.string()),
                    "record": chunk.table.column("record"),
                },
                schema=REJECTS_SCHEMA,
            )
            rejects = pa.concat_tables([rejects, reader_rejects]).sort_by("line")
            return Validated(self._out_schema.empty_table(), rejects, read)

        con = self.con
        register(con, "chunk", chunk.table)
        known = {r.name for r in self.rules}
        position = {}
        for i, name in enumerate(header):
            if name:
                position.setdefault(name, i)
        fields = []
        for rule in self.rules:
            if rule.name in position:
                col = f'"{column_name(position[rule.name])}"'
                fields.append(
                    f'{col} AS "{rule.name}__v", '
                    f"CASE WHEN {col} = '' THEN NULL ELSE 'VARCHAR' END "
                    f'AS "{rule.name}__t"'
                )
            else:
                fields.append(f'NULL::VARCHAR AS "{rule.name}__v", NULL::VARCHAR AS "{rule.name}__t"')
        unknown = [(name, i) for name, i in position.items() if name not in known]
        if unknown:
            pairs = ", ".join(f"{sql_str(name)}, nullif(\"{column_name(i)}\", '')" for name, i in unknown)
            extra = f"json_merge_patch('{{}}', json_object({pairs}))"
            extra = f"CASE WHEN ({extra})::VARCHAR = '{{}}' THEN NULL ELSE ({extra})::VARCHAR END"
        else:
            extra = "NULL"
        # A column without a name may be empty (a trailing comma on every line); a value in it
        # cannot be kept under any name, so the record is rejected rather than cut short.
        unnamed = [i for i, name in enumerate(header) if not name]
        if unnamed:
            cell_problem = "CASE " + " ".join(
                f"WHEN nullif(trim(\"{column_name(i)}\"), '') IS NOT NULL THEN "
                f"{sql_str(f'column {i + 1} has a value but no name in the header')}"
                for i in unnamed
            ) + " END"
        else:
            cell_problem = "NULL::VARCHAR"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW staged AS
            SELECT line, record, {sql_str(src)} AS src, {", ".join(fields)}, {extra} AS extra,
                   {cell_problem} AS cell_problem
            FROM chunk
            """
        )
        try:
            out = self._fast("SELECT *, NULL::VARCHAR AS structural, false AS _odd FROM staged")
            slow = out.column("_slow")
            exact = None
            if pc.any(slow).as_py():
                self._register("slow_lines", pa.table({"line": pc.filter(out.column("line"), slow)}))
                exact = self._judge(src, "SELECT * FROM staged WHERE line IN (SELECT line FROM slow_lines)")
                unregister(con, "slow_lines")
        finally:
            con.execute("DROP VIEW staged")
            unregister(con, "chunk")
        everything = pa.array(np.ones(chunk.table.num_rows, dtype=bool))
        result = self._finish(src, out, everything, chunk.table.column("record"), exact)
        rejects = result.rejects
        if reader_rejects.num_rows:
            rejects = pa.concat_tables([rejects, reader_rejects]).sort_by("line")
        return Validated(result.valid, rejects, read)

    # -- shared -----------------------------------------------------------------------------
    def _register(self, name: str, table: pa.Table) -> None:
        """Hand ``table`` to DuckDB in several record batches, so that it reads them in parallel."""
        batches = table.to_batches(max_chunksize=_BATCH_ROWS)
        register(self.con, name, pa.Table.from_batches(batches, table.schema))

    def _fast(self, staged: str) -> pa.Table:
        """The fast path over every row of ``staged``, in its order."""
        if not self.fast:
            staged = f"SELECT * REPLACE (true AS _odd) FROM ({staged})"
        # A relation (``arrow``, not execute()) so that DuckDB runs the query on all its threads.
        out = arrow(self.con, fast_sql(self.rules, f"({staged})", events=self._events))
        readable_slow = pc.and_(pc.is_null(out.column("structural")), out.column("_slow"))
        self.last_slow = pc.sum(readable_slow).as_py() or 0  # records the exact rules judged
        line = out.column("line").to_numpy()
        if len(line) > 1 and not (np.diff(line) > 0).all():  # pragma: no cover - DuckDB keeps order
            out = out.sort_by("line")
        return out

    def _finish(
        self, src: str, out: pa.Table, readable: pa.Array, records: pa.Array, exact: Validated | None
    ) -> Validated:
        """Valid rows: those the fast path accepted (``out`` row for row with ``records``, among
        the ``readable`` rows) and those the exact rules accepted; rejects from the exact rules."""
        accepted = pc.and_(readable, pc.invert(out.column("_slow")))
        fields = [n for n in self.schema.names if n not in ("src", "line")]
        same = pa.DictionaryArray.from_arrays(pa.array(np.zeros(out.num_rows, dtype=np.int32)), pa.array([src]))
        table = (
            out.select(fields)
            .append_column("src", same.cast(pa.string()))
            .append_column("line", out.column("line"))
            .append_column("record", records)
        )
        valid = table if pc.all(accepted).as_py() else table.filter(accepted)
        valid = valid.cast(self._out_schema)
        if exact is None:
            return Validated(valid, REJECTS_SCHEMA.empty_table(), valid.num_rows)
        if exact.valid.num_rows:
            valid = pa.concat_tables([valid, exact.valid]).sort_by("line")
        return Validated(valid, exact.rejects, valid.num_rows)

    def _judge(self, src: str, staged: str) -> Validated:
        """The exact rules over the relation ``staged`` (a query): valid rows, and rejected rows
        with a reason code and every problem in words."""
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP VIEW staged_slow AS {staged}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE screened AS {self._screen}")
        cols = ", ".join(f'"{n}"' for n in self._out_schema.names)
        valid = arrow(con, f"SELECT {cols} FROM screened WHERE NOT _bad ORDER BY line")
        con.execute(
            "CREATE OR REPLACE TEMP VIEW staged_bad AS SELECT * FROM staged_slow "
            "WHERE line IN (SELECT line FROM screened WHERE _bad)"
        )
        # A bad record always gets a reason; should the two queries ever disagree, the record
        # is still rejected (never lost) with a generic reason.
        rejects = arrow(con, f"""
            WITH why AS ({self._sql})
            SELECT {sql_str(src)} AS file, c.line,
                   coalesce(w.reason, 'invalid') AS reason,
                   coalesce(w.message, 'the record does not pass validation') AS message,
                   rtrim(c.record, chr(13) || chr(10)) AS record
            FROM screened c LEFT JOIN why w USING (line)
            WHERE c._bad ORDER BY c.line
            """)
        con.execute("DROP VIEW staged_bad")
        con.execute("DROP VIEW staged_slow")
        con.execute("DROP TABLE screened")
        return Validated(valid.cast(self._out_schema), rejects.cast(REJECTS_SCHEMA), valid.num_rows)


def _header_problem(header: list[str], rules: tuple[Rule, ...]) -> str | None:
    """Why no record under this CSV header can be trusted, or None.

    >>> _header_problem(["id", "type", "actor", "actor"], EVENT_RULES)
    "the header has no column 'ts'; the header names column 'actor' 2 times"
    """
    problems = []
    missing = [r.name for r in rules if r.required and r.name not in header]
    if missing:
        problems.append("the header has no column " + ", ".join(repr(m) for m in missing))
    seen: dict[str, int] = {}
    for name in header:
        if name:
            seen[name] = seen.get(name, 0) + 1
    for name, times in seen.items():
        if times > 1:
            problems.append(f"the header names column {name!r} {times} times")
    return "; ".join(problems) or None
