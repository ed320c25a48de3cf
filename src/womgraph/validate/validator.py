"""Validate chunks of input records in DuckDB: good rows out as Arrow, bad rows out with reasons.

One :class:`Validator` per record kind (events or accounts) owns an in-memory DuckDB connection;
each chunk is one query, so no Python code runs per record.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from ..read.csv_reader import CsvChunk
from ..read.lines import LineChunk
from ..schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA
from .rules import ACCOUNT_RULES, EVENT_RULES, Rule, sql_str, validation_sql

__all__ = ["Validator", "Validated", "REJECTS_SCHEMA"]

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
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self._sql = validation_sql(self.rules, "staged", events=kind == "events")
        self._out_schema = self.schema.append(pa.field("record", pa.string()))

    def close(self) -> None:
        self.con.close()

    # -- JSON Lines -------------------------------------------------------------------------
    def jsonl(self, chunk: LineChunk, src: str) -> Validated:
        con = self.con
        n = len(chunk.lines)
        con.register(
            "chunk",
            pa.table(
                {
                    "line": pa.array(np.arange(chunk.first_line, chunk.first_line + n, dtype=np.int64)),
                    "raw": chunk.lines,
                }
            ),
        )
        names = [r.name for r in self.rules]
        paths = "[" + ", ".join(sql_str(f"$.{n}") for n in names) + "]"
        patch = sql_str("{" + ", ".join(f'"{n}": null' for n in names) + "}")
        fields = ", ".join(
            f'vs[{i}] AS "{n}__v", ts[{i}] AS "{n}__t"' for i, n in enumerate(names, start=1)
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE lines AS
            SELECT line, raw, txt,
                   CASE WHEN txt IS NULL THEN 'invalid_utf8'
                        WHEN NOT json_valid(txt) THEN 'malformed_json'
                        WHEN json_type(txt) <> 'OBJECT' THEN 'not_an_object' END AS structural
            FROM (SELECT line, raw, rtrim(try(decode(raw)), chr(13) || chr(10)) AS txt FROM chunk)
            WHERE txt IS NULL OR trim(txt, chr(13) || chr(10) || chr(9) || ' ') <> ''
            """
        )
        con.unregister("chunk")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW staged AS
            SELECT line, txt AS record, {sql_str(src)} AS src, {fields},
                   CASE WHEN ex::VARCHAR = '{{}}' THEN NULL ELSE ex::VARCHAR END AS extra
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
                   txt AS record, raw
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
        con = self.con
        con.register("chunk", chunk.table)
        known = {r.name for r in self.rules}
        header = [h for h in chunk.header if h]
        fields = []
        for rule in self.rules:
            if rule.name in header:
                col = f'"{rule.name}"'
                fields.append(
                    f'{col} AS "{rule.name}__v", '
                    f"CASE WHEN nullif(trim({col}), '') IS NULL THEN NULL ELSE 'VARCHAR' END "
                    f'AS "{rule.name}__t"'
                )
            else:
                fields.append(f'NULL::VARCHAR AS "{rule.name}__v", NULL::VARCHAR AS "{rule.name}__t"')
        unknown = [h for h in header if h not in known and h not in ("line", "record")]
        if unknown:
            pairs = ", ".join(f"{sql_str(h)}, nullif(\"{h.replace(chr(34), chr(34) * 2)}\", '')" for h in unknown)
            extra = f"json_merge_patch('{{}}', json_object({pairs}))"
            extra = f"CASE WHEN ({extra})::VARCHAR = '{{}}' THEN NULL ELSE ({extra})::VARCHAR END"
        else:
            extra = "NULL"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW staged AS
            SELECT line, record, {sql_str(src)} AS src, {", ".join(fields)}, {extra} AS extra
            FROM chunk
            """
        )
        result = self._finish(src)
        con.execute("DROP VIEW staged")
        con.unregister("chunk")
        rejects = result.rejects
        extra_rejects = list(chunk.rejects)
        missing = [r.name for r in self.rules if r.required and r.name not in header]
        if missing and chunk.header:
            # Every record of a file whose header lacks a required column is rejected by the
            # field rules already ("required field ... is missing"); say why once more clearly.
            msg = "the header has no column " + ", ".join(repr(m) for m in missing)
            rejects = rejects.set_column(
                3, "message", pa.array([msg] * rejects.num_rows, pa.string())
            ).set_column(2, "reason", pa.array(["csv_bad_header"] * rejects.num_rows, pa.string()))
        if extra_rejects:
            more = pa.Table.from_pylist(
                [{"file": src, **r} for r in extra_rejects], schema=REJECTS_SCHEMA
            )
            rejects = pa.concat_tables([rejects, more]).sort_by("line")
        read = chunk.table.num_rows + len(extra_rejects)
        return Validated(result.valid, rejects, read)

    # -- shared -----------------------------------------------------------------------------
    def _finish(self, src: str) -> Validated:
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS {self._sql}")
        cols = ", ".join(f'"{n}"' for n in self._out_schema.names)
        valid = con.execute(f"SELECT {cols} FROM checked WHERE reason IS NULL ORDER BY line").to_arrow_table()
        rejects = con.execute(
            f"SELECT {sql_str(src)} AS file, line, reason, message, record "
            "FROM checked WHERE reason IS NOT NULL ORDER BY line"
        ).to_arrow_table()
        con.execute("DROP TABLE checked")
        return Validated(valid.cast(self._out_schema), rejects.cast(REJECTS_SCHEMA), valid.num_rows)
