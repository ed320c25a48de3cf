"""Is a line of JSON Lines one JSON object? The check that comes before any field rule.

:func:`structural_sql` gives, for a line's text (its line break already cut), NULL when the line
holds a JSON object, else the reason: ``blank`` (skipped, never rejected), ``invalid_utf8``
(the text is NULL because its bytes are not UTF-8), ``malformed_json`` or ``not_an_object``;
:data:`MESSAGES` says each reason in words.

>>> import duckdb
>>> con = duckdb.connect()
>>> [con.execute(f"SELECT {structural_sql('t')} FROM (SELECT ? AS t)", [t]).fetchone()[0]
...  for t in ['{"a": 1}', '  ', '{"a": NaN}', '{"a": "NaN"}', '[1]', '{"a": [1,]}']]
[None, 'blank', 'malformed_json', None, 'not_an_object', 'malformed_json']
"""

from __future__ import annotations

from .rules import sql_str

__all__ = ["structural_sql", "shape_sql", "not_json_sql", "MESSAGES"]

MESSAGES = {
    "invalid_utf8": "the line is not valid UTF-8 text",
    "malformed_json": "the line is not valid JSON",
    "not_an_object": "the line is JSON but not an object",
}

# DuckDB's JSON parser also takes trailing commas and NaN / Infinity literals, which are not JSON
# and which other tools reading the same file (or the stored ``extra``) would choke on. A cheap
# pattern picks the few lines that might hold them; those are checked again with their strings
# blanked out, so a text that merely says "nan" or ", ]" is not refused.
_NOT_JSON = r"[:\[,]\s*[-+]?(?i:nan|inf)|,\s*[\]}]"
#: A cheap first pass for _NOT_JSON: a value that starts with a letter, or a comma before a close.
_NOT_JSON_CHEAP = r"[:\[,]\s*[-+]?[nNiI]|,\s*[\]}]"
_STRING = r'"(?:[^"\\]|\\.)*"'
_SPACE = "chr(13) || chr(10) || chr(9) || ' '"


def shape_sql(txt: str) -> str:
    """SQL for what the parser alone says about the line text ``txt``: NULL for an object, else
    ``invalid_utf8``, ``blank``, ``malformed_json`` or ``not_an_object``.

    NULL and ``not_an_object`` are final only once :func:`not_json_sql` is false (the text may
    hold what DuckDB's parser takes but JSON does not); :func:`structural_sql` combines the two.
    """
    return f"""CASE WHEN {txt} IS NULL THEN 'invalid_utf8'
        WHEN NOT json_valid({txt}) THEN
             CASE WHEN trim({txt}, {_SPACE}) = '' THEN 'blank' ELSE 'malformed_json' END
        WHEN NOT starts_with(ltrim({txt}, {_SPACE}), '{{') THEN 'not_an_object' END"""


def not_json_sql(txt: str) -> str:
    """SQL that is true when the text ``txt``, which DuckDB's parser takes, holds a NaN or
    Infinity literal or a trailing comma (outside its strings)."""
    return f"""(regexp_matches({txt}, {sql_str(_NOT_JSON_CHEAP)})
             AND regexp_matches({txt}, {sql_str(_NOT_JSON)})
             AND regexp_matches(regexp_replace({txt}, {sql_str(_STRING)}, '""', 'g'), {sql_str(_NOT_JSON)}))"""


def structural_sql(txt: str) -> str:
    """SQL for the structural problem of the line text ``txt`` (an SQL expression), or NULL.

    A valid JSON text that starts with ``{`` is an object, so the parser runs once per line.
    (The validator computes the same with :func:`shape_sql` and :func:`not_json_sql`, skipping
    the latter where the parsed fields show it cannot be true; see ``fast.json_fields_sql``.)
    """
    shape = shape_sql(txt)
    return f"""CASE WHEN ({shape}) IN ('invalid_utf8', 'blank', 'malformed_json') THEN ({shape})
        WHEN {not_json_sql(txt)} THEN 'malformed_json'
        ELSE ({shape}) END"""
