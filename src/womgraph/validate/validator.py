"""Validate chunks of input records in DuckDB: good rows out as Arrow, bad rows out with reasons.

One :class:`Validator` per record kind (events or accounts) owns an in-memory DuckDB connection;
each chunk is one query, so no Python code runs per record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..duck import memory_connection
from ..read.csv_reader import CsvChunk, column_name
from ..read.lines import LineChunk
from ..schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from .rules import ACCOUNT_RULES, EVENT_RULES, Rule, screening_sql, sql_str, validation_sql

__all__ = ["Validator", "Validated", "REJECTS_SCHEMA"]

# DuckDB's JSON parser also takes trailing commas and NaN / Infinity literals, which are not JSON
# and which other tools reading the same file (or the stored ``extra``) would choke on. A cheap
# pattern picks the few lines that might hold them; those are checked again with their strings
# blanked out, so a text that merely says "nan" or ", ]" is not refused.
_NOT_JSON = r"[:\[,]\s*[-+]?(?i:nan|inf)|,\s*[\]}]"
#: A cheap first pass for _NOT_JSON: a value that starts with a letter, or a comma before a close.
_NOT_JSON_CHEAP = r"[:\[,]\s*[-+]?[nNiI]|,\s*[\]}]"
_STRING = r'"(?:[^"\\]|\\.)*"'

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

    def __init__(self, kind: str):
        if kind == "events":
            self.rules: tuple[Rule, ...] = EVENT_RULES
            self.schema = EVENTS_SCHEMA
        elif kind == "accounts":
            self.rules = ACCOUNT_RULES
            self.schema = ACCOUNTS_SCHEMA
        else:  # pragma: no cover - programming error
            raise ValueError(kind)
        self.kind = kind
        self.con = memory_connection()
        self._sql = validation_sql(self.rules, "staged_bad", events=kind == "events")
        self._screen = screening_sql(self.rules, "staged", events=kind == "events")
        self._out_schema = self.schema.append(pa.field("record", pa.string()))

    def close(self) -> None:
        self.con.close()

    # -- JSON Lines -------------------------------------------------------------------------
    def jsonl(self, chunk: LineChunk, src: str) -> Validated:
        con = self.con
        n = len(chunk.lines)
        # UTF-8 is checked for the whole chunk at once by Arrow; only a chunk with a bad line
        # is decoded line by line. Lines keep their newline: JSON allows trailing white space.
        try:
            text = chunk.lines.cast(pa.large_string())
            decoded = "raw"
        except (pa.ArrowInvalid, UnicodeDecodeError):
            text = chunk.lines
            decoded = "try(decode(raw))"
        con.register(
            "chunk",
            pa.table(
                {
                    "line": pa.array(np.arange(chunk.first_line, chunk.first_line + n, dtype=np.int64)),
                    "raw": text,
                }
            ),
        )
        names = [r.name for r in self.rules]
        paths = "[" + ", ".join(sql_str(f"$.{n}") for n in names) + "]"
        patch = sql_str("{" + ", ".join(f'"{n}": null' for n in names) + "}")
        fields = ", ".join(
            f'vs[{i}] AS "{n}__v", ts[{i}] AS "{n}__t"' for i, n in enumerate(names, start=1)
        )
        blank = "trim(txt, chr(13) || chr(10) || chr(9) || ' ') = ''"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE lines AS
            SELECT * FROM (
                SELECT line, raw, txt,
                       CASE WHEN txt IS NULL THEN 'invalid_utf8'
                            WHEN NOT json_valid(txt) THEN CASE WHEN {blank} THEN 'blank' ELSE 'malformed_json' END
                            WHEN regexp_matches(txt, {sql_str(_NOT_JSON_CHEAP)})
                                 AND regexp_matches(txt, {sql_str(_NOT_JSON)})
                                 AND regexp_matches(regexp_replace(txt, {sql_str(_STRING)}, '""', 'g'),
                                                    {sql_str(_NOT_JSON)}) THEN 'malformed_json'
                            WHEN json_type(txt) <> 'OBJECT' THEN 'not_an_object' END AS structural
                FROM (SELECT line, raw, {decoded} AS txt FROM chunk)
            ) WHERE structural IS DISTINCT FROM 'blank'
            """
        )
        con.unregister("chunk")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW staged AS
            SELECT line, rtrim(txt, chr(13) || chr(10)) AS record, {sql_str(src)} AS src, {fields},
                   CASE WHEN ex::VARCHAR = '{{}}' THEN NULL ELSE ex::VARCHAR END AS extra,
                   NULL::VARCHAR AS cell_problem
            FROM (SELECT line, txt, json_extract_string(txt, {paths}) AS vs,
                         json_type(txt, {paths}) AS ts, json_merge_patch(txt, {patch}) AS ex
                  FROM lines WHERE structural IS NULL)
            """
        )
        result = self._finish(src)
        structural = con.execute(
            f"""
            SELECT {sql_str(src)} AS file, line, structural AS reason,
                   CASE structural WHEN 'invalid_utf8' THEN 'the line is not valid UTF-8 text'
                        WHEN 'malformed_json' THEN 'the line is not valid JSON'
                        ELSE 'the line is JSON but not an object' END AS message,
                   rtrim(txt, chr(13) || chr(10)) AS record, raw
            FROM lines WHERE structural IS NOT NULL
            """
        ).to_arrow_table()
        read = con.execute("SELECT count(*) FROM lines").fetchone()[0]
        con.execute("DROP VIEW staged")
        con.execute("DROP TABLE lines")
        if structural.num_rows:
            records = [
                rec if rec is not None else raw.decode("utf-8", "backslashreplace").rstrip("\r\n")
                for rec, raw in zip(
                    structural.column("record").to_pylist(), structural.column("raw").to_pylist()
                )
            ]
            structural = structural.drop_columns(["raw"]).set_column(
                4, "record", pa.array(records, pa.string())
            )
            rejects = pa.concat_tables([structural.cast(REJECTS_SCHEMA), result.rejects])
            rejects = rejects.sort_by("line")
        else:
            rejects = result.rejects
        return Validated(result.valid, rejects, read)

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
        con.register("chunk", chunk.table)
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
        result = self._finish(src)
        con.execute("DROP VIEW staged")
        con.unregister("chunk")
        rejects = result.rejects
        if reader_rejects.num_rows:
            rejects = pa.concat_tables([rejects, reader_rejects]).sort_by("line")
        return Validated(result.valid, rejects, read)

    # -- shared -----------------------------------------------------------------------------
    def _finish(self, src: str) -> Validated:
        """Screen every record fast; say in words what is wrong only with the bad ones."""
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS {self._screen}")
        cols = ", ".join(f'"{n}"' for n in self._out_schema.names)
        valid = con.execute(f"SELECT {cols} FROM checked WHERE NOT _bad ORDER BY line").to_arrow_table()
        con.execute(
            "CREATE OR REPLACE TEMP VIEW staged_bad AS SELECT * FROM staged "
            "WHERE line IN (SELECT line FROM checked WHERE _bad)"
        )
        # A bad record always gets a reason; should the two queries ever disagree, the record
        # is still rejected (never lost) with a generic reason.
        rejects = con.execute(
            f"""
            WITH why AS ({self._sql})
            SELECT {sql_str(src)} AS file, c.line,
                   coalesce(w.reason, 'invalid') AS reason,
                   coalesce(w.message, 'the record does not pass validation') AS message,
                   rtrim(c.record, chr(13) || chr(10)) AS record
            FROM checked c LEFT JOIN why w USING (line)
            WHERE c._bad ORDER BY c.line
            """
        ).to_arrow_table()
        con.execute("DROP VIEW staged_bad")
        con.execute("DROP TABLE checked")
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
