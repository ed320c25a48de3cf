"""The quickest path for JSON Lines: Arrow's JSON reader parses a whole chunk in C++, on every
thread, into typed columns, and DuckDB then only normalises and checks the values.

It is taken only when the reader's answer is certainly the one the SQL fast path
(:mod:`.fast`) would give, and otherwise gives way to it for the whole chunk (:func:`parse_chunk`
returns None):

- every line starts with ``{`` (no blank lines, no white space before a record, no byte order
  mark), and the reader gives exactly one row per line. Each known field is a scalar and an
  unknown one may not be an object or a list (below), so no record can run over two lines, and
  every line holds at least one record; as many rows as lines means one record per line, in
  order;
- the reader accepted every line. It refuses what JSON refuses (trailing commas, comments,
  control characters in strings, bad escapes, lone surrogates) and duplicate keys, and it
  refuses a JSON type other than the one a known field is read as: a string for keys, labels,
  timestamps, enums and text, a number for ``number``, an integer for ``int``, ``true``/``false``
  for ``bool``. A number written as a string, or a fraction where an integer is due, sends the
  chunk to the SQL path, which takes them;
- it also takes ``NaN`` and ``Infinity``, which JSON does not: a chunk with a non-finite number
  anywhere (a known or an unknown field) gives way, as does one with an unknown field holding an
  object or a list (a NaN could hide in it);
- a chunk whose unknown fields do not keep one JSON type throughout gives way (the reader
  refuses it).

JSON ``null`` reads as an absent value, as it does on the other paths. Unknown fields are kept
by the same DuckDB expression as on the other paths (``json_merge_patch`` of the line), for the
lines that may have one (:meth:`ParsedChunk.fields_sql`): the reader names every unknown
field some line has, even one that is always ``null``, and a line has one only if its text holds
the quoted name or a key written with escapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ..read.lines import LineChunk
from .fast import unknown_fields_sql
from .rules import Rule, sql_str

__all__ = ["ParsedChunk", "parse_chunk", "arrow_schema"]

_TYPES = {"number": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}


def arrow_schema(rules: tuple[Rule, ...]) -> pa.Schema:
    """What the reader reads each known field as (strings unless the kind is a number or bool)."""
    return pa.schema([(r.name, _TYPES.get(r.kind, pa.string())) for r in rules])


@dataclass
class ParsedChunk:
    """The known fields of every line of a chunk, typed (``table``), and the names of the
    unknown fields some line has (``unknown``)."""

    table: pa.Table
    unknown: list[str]

    def fields_sql(self, rules: tuple[Rule, ...], source: str) -> str:
        """The relation :func:`.fast.fast_sql` reads, from ``source``: :attr:`table` with the
        columns ``line`` and ``txt`` (the line's text). Each value is given as text, as the SQL
        path has it (numbers and booleans as DuckDB writes them, which reads back the same)."""
        values = ", ".join(
            f'"{r.name}"' + ("" if self.table.schema.field(r.name).type == pa.string() else "::VARCHAR")
            + f' AS "{r.name}__v"'
            for r in rules
        )
        return f"""
            SELECT line, NULL::VARCHAR AS structural, {values}, false AS _odd,
                   CASE WHEN {self._maybe_extra_sql("txt")} THEN {unknown_fields_sql(rules, "txt")} END AS extra,
                   NULL::VARCHAR AS cell_problem
            FROM {source}
        """

    def _maybe_extra_sql(self, txt: str) -> str:
        """SQL, over the line text ``txt``, that is true for every line that may have an unknown
        field (and for some that do not): the quoted name of one, or a key written with escapes."""
        if not self.unknown:
            return "false"
        named = [f"contains({txt}, {sql_str(chr(34) + n + chr(34))})" for n in self.unknown]
        escaped = f"(contains({txt}, '\\') AND regexp_matches({txt}, {sql_str(_ESCAPED_KEY)}))"
        return "(" + " OR ".join(named + [escaped]) + ")"


#: A string with an escape in it, followed by a colon: a key written with escapes.
_ESCAPED_KEY = r'"(?:[^"\\]|\\.)*\\.(?:[^"\\]|\\.)*"\s*:'


def parse_chunk(chunk: LineChunk, schema: pa.Schema) -> ParsedChunk | None:
    """The lines of ``chunk`` parsed by Arrow, or None when the SQL path must read the chunk (see
    the module docstring)."""
    lines = chunk.lines
    n = len(lines)
    if n == 0:
        return None
    _, offsets_buf, data = lines.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64, count=n + 1, offset=lines.offset * 8)
    body = np.frombuffer(data, dtype=np.uint8)
    if not (body[offsets[:-1]] == 0x7B).all():  # every line starts with '{'
        return None
    start, end = int(offsets[0]), int(offsets[-1])
    try:
        table = pj.read_json(
            pa.BufferReader(data.slice(start, end - start)),
            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != n:
        return None
    known = set(schema.names)
    unknown = [name for name in table.column_names if name not in known]
    for name in schema.names:
        if pa.types.is_floating(schema.field(name).type) and not _finite(table.column(name)):
            return None
    for name in unknown:
        kind = table.column(name).type
        if pa.types.is_nested(kind) or any(ord(ch) < 32 for ch in name):
            return None
        if pa.types.is_floating(kind) and not _finite(table.column(name)):
            return None
    return ParsedChunk(table.select(schema.names), unknown)


def _finite(col: pa.ChunkedArray) -> bool:
    """No NaN or infinity among the values of a floating-point column."""
    valid = pc.drop_null(col)
    return len(valid) == 0 or bool(pc.all(pc.is_finite(valid)).as_py())
