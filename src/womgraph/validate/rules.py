"""Field rules of the interchange format, compiled to one DuckDB query per record kind.

A reader stages records as a relation with, for every known field ``f``, the raw value as text
(``f__v``) and its JSON type (``f__t``: ``VARCHAR``, ``BIGINT``, ``UBIGINT``, ``DOUBLE``,
``BOOLEAN``, ``ARRAY``, ``OBJECT``, or NULL when absent or empty; CSV cells are ``VARCHAR``),
plus ``line``, ``record`` (the original text), ``src``, ``extra`` (unknown fields as a JSON
object) and ``cell_problem`` (a problem the reader found in the record, or NULL).
:func:`validation_sql` turns that into normalised columns plus ``reason`` (a code) and
``message`` (every problem of the record, in plain words); a record is valid when ``reason`` is
NULL.

Rules (also in ``docs/format.md``):

- ``key`` fields (ids, accounts, codes) are strings or whole numbers; surrounding white space is
  trimmed; an empty string counts as absent.
- ``label`` fields (``channel``) are keys stored lower-case.
- ``timestamp``: RFC 3339 with an offset (``Z`` or ``+hh:mm``; ``T``/``Z`` in either case, or a
  space instead of ``T``), stored as a UTC instant to the microsecond.
- ``enum``: one of the listed values, case-insensitive, stored lower-case.
- ``number``: a finite JSON number or numeric string.
- ``bool``: ``true``/``false``, or the strings ``true``/``false``/``yes``/``no``/``1``/``0``
  (any case), or the numbers 1 and 0.
- ``int``: a whole number within the field's range (``4.0`` and ``"4"`` are 4).
- ``text``: any string (or number), kept verbatim; only the empty string counts as absent.

The ``digest`` is a hash of the normalised record: the same instant written with another offset,
``"4"`` for ``4``, or unknown fields in another order or written as text (as CSV must) give the
same digest, so a re-ingest in another format is recognised as the same record.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import ACCOUNT_ROLES, EVENT_TYPES, TARGET_OR_PARENT, TARGET_REQUIRED

__all__ = [
    "Rule", "EVENT_RULES", "ACCOUNT_RULES", "validation_sql", "screening_sql", "canonical_extra", "digest_sql",
    "sql_str",
]


def sql_str(value: str) -> str:
    """A SQL string literal for a constant defined in this package (never for user data).

    >>> sql_str("it's")
    "'it''s'"
    """
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Rule:
    """How one field is checked and normalised."""

    name: str
    kind: str  # key | text | timestamp | enum | number | bool | int
    required: bool = False
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    sql_type: str = "VARCHAR"


EVENT_RULES: tuple[Rule, ...] = (
    Rule("id", "key", required=True),
    Rule("ts", "timestamp", required=True, sql_type="TIMESTAMPTZ"),
    Rule("type", "enum", required=True, choices=EVENT_TYPES),
    Rule("actor", "key", required=True),
    Rule("target", "key"),
    Rule("post", "key"),
    Rule("parent", "key"),
    Rule("channel", "label"),
    Rule("text", "text"),
    Rule("value", "number", sql_type="DOUBLE"),
    Rule("via", "key"),
    Rule("paid", "bool", sql_type="BOOLEAN"),
    Rule("campaign", "key"),
    Rule("rating", "int", low=1, high=5, sql_type="TINYINT"),
)

ACCOUNT_RULES: tuple[Rule, ...] = (
    Rule("id", "key", required=True),
    Rule("role", "enum", choices=ACCOUNT_ROLES),
    Rule("created", "timestamp", sql_type="TIMESTAMPTZ"),
    Rule("handle", "text"),
    Rule("name", "text"),
    Rule("followers", "int", low=0, high=None, sql_type="BIGINT"),
    Rule("following", "int", low=0, high=None, sql_type="BIGINT"),
    Rule("email_hash", "key"),
    Rule("device_hash", "key"),
    Rule("payment_hash", "key"),
    Rule("ip_hash", "key"),
    Rule("nps", "int", low=0, high=10, sql_type="TINYINT"),
)

_SCALAR = "('VARCHAR', 'BIGINT', 'UBIGINT')"
_NUMERIC = "('BIGINT', 'UBIGINT', 'DOUBLE')"
_TS_RE = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
_TYPE_WORDS = (
    "CASE {t} WHEN 'OBJECT' THEN 'an object' WHEN 'ARRAY' THEN 'a list' "
    "WHEN 'BOOLEAN' THEN 'true/false' WHEN 'DOUBLE' THEN 'a decimal number' "
    "ELSE 'a number' END"
)


def _clean(v: str) -> str:
    return f"nullif(trim({v}), '')"


def _expr(rule: Rule) -> tuple[str, str, str]:
    """(normalised value, error message or NULL, error code) for one field."""
    f = rule.name
    v, t = f'"{f}__v"', f'"{f}__t"'
    shown = f"'''' || left(trim({v}), 80) || ''''"
    present = f"({t} IS NOT NULL AND {t} <> 'NULL' AND {_clean(v)} IS NOT NULL)"
    wrong_type = (
        f"'field ' || {sql_str(repr(f))} || ' must be {{want}}, not ' || "
        + _TYPE_WORDS.format(t=t)
    )
    if rule.kind in ("key", "label"):
        value = _clean(v) if rule.kind == "key" else f"lower({_clean(v)})"
        value = f"CASE WHEN {t} IN {_SCALAR} THEN {value} END"
        err = f"CASE WHEN {present} AND {t} NOT IN {_SCALAR} THEN {wrong_type.format(want='a string')} END"
        code = "bad_type"
    elif rule.kind == "text":
        value = f"CASE WHEN {t} IN {_SCALAR} OR {t} = 'DOUBLE' THEN nullif({v}, '') END"
        err = f"CASE WHEN {present} AND {t} IN ('OBJECT', 'ARRAY', 'BOOLEAN') THEN {wrong_type.format(want='text')} END"
        code = "bad_type"
    elif rule.kind == "timestamp":
        cast = f"try_cast(upper(trim({v})) AS TIMESTAMPTZ)"
        # The UTC instant must have a four-digit year too, or it could not be written back out.
        ok = (
            f"(regexp_matches(trim({v}), {sql_str(_TS_RE)}) AND {cast} IS NOT NULL "
            f"AND {cast} BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00' "
            "AND TIMESTAMPTZ '9999-12-31 23:59:59.999999+00')"
        )
        value = f"CASE WHEN {t} = 'VARCHAR' AND {ok} THEN {cast} END"
        err = (
            f"CASE WHEN {present} AND NOT ({t} = 'VARCHAR' AND {ok}) THEN "
            f"'field ' || {sql_str(repr(f))} || ' value ' || {shown} || "
            "' is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z)' END"
        )
        code = "bad_timestamp"
    elif rule.kind == "enum":
        choices = "(" + ", ".join(sql_str(c) for c in rule.choices) + ")"
        value = f"CASE WHEN lower(trim({v})) IN {choices} THEN lower(trim({v})) END"
        err = (
            f"CASE WHEN {present} AND lower(trim({v})) NOT IN {choices} THEN "
            f"'field ' || {sql_str(repr(f))} || ' value ' || {shown} || "
            f"' is not one of {', '.join(rule.choices)}' END"
        )
        code = "unknown_type" if f == "type" else "bad_value"
    elif rule.kind == "number":
        num = f"try_cast(trim({v}) AS DOUBLE)"
        ok = f"({t} IN {_NUMERIC} OR {t} = 'VARCHAR') AND isfinite({num})"
        value = f"CASE WHEN {ok} THEN {num} END"
        err = (
            f"CASE WHEN {present} AND NOT coalesce({ok}, false) THEN "
            f"'field ' || {sql_str(repr(f))} || ' value ' || {shown} || ' is not a number' END"
        )
        code = "bad_value"
    elif rule.kind == "bool":
        low = f"lower(trim({v}))"
        value = (
            f"CASE WHEN {low} IN ('true', 'yes', '1') THEN true "
            f"WHEN {low} IN ('false', 'no', '0') THEN false END"
        )
        err = (
            f"CASE WHEN {present} AND ({t} NOT IN ('BOOLEAN', 'VARCHAR', 'BIGINT', 'UBIGINT') "
            f"OR {value} IS NULL) THEN 'field ' || {sql_str(repr(f))} || ' value ' || {shown} || "
            "' is not true or false' END"
        )
        code = "bad_value"
    elif rule.kind == "int":
        num = f"try_cast(trim({v}) AS DOUBLE)"
        # Exact for integer text; through DOUBLE for 4.0 and 1e2. try_cast: a value out of the
        # type's range is rejected, never an error that stops the whole chunk.
        whole = f"coalesce(try_cast(trim({v}) AS {rule.sql_type}), try_cast({num} AS {rule.sql_type}))"
        bounds = []
        if rule.low is not None:
            bounds.append(f"{num} >= {rule.low}")
        if rule.high is not None:
            bounds.append(f"{num} <= {rule.high}")
        ok = " AND ".join(
            [f"({t} IN {_NUMERIC} OR {t} = 'VARCHAR')", f"isfinite({num})", f"{num} = floor({num})"]
            + bounds
            + [f"{whole} IS NOT NULL"]
        )
        value = f"CASE WHEN {ok} THEN {whole} END"
        if rule.high is not None:
            want = f"a whole number from {rule.low} to {rule.high}"
        else:
            want = f"a whole number of at least {rule.low}"
        err = (
            f"CASE WHEN {present} AND NOT coalesce({ok}, false) THEN "
            f"'field ' || {sql_str(repr(f))} || ' value ' || {shown} || ' is not {want}' END"
        )
        code = "bad_value"
    else:  # pragma: no cover - a programming error
        raise ValueError(rule.kind)
    if rule.required:
        err = (
            f"CASE WHEN NOT {present} THEN 'required field ' || {sql_str(repr(f))} || "
            f"' is missing or empty' ELSE {err} END"
        )
        code = f"CASE WHEN NOT {present} THEN 'missing_field' ELSE {sql_str(code)} END"
    else:
        code = sql_str(code)
    return value, err, code


def _cross_event_checks() -> list[tuple[str, str]]:
    """Checks that look at several event fields: (message expression, code)."""
    typ = "lower(trim(\"type__v\"))"
    need = "(" + ", ".join(sql_str(t) for t in TARGET_REQUIRED) + ")"
    either = "(" + ", ".join(sql_str(t) for t in TARGET_OR_PARENT) + ")"
    has = "nullif(trim(\"{f}__v\"), '') IS NOT NULL"
    return [
        (
            f"CASE WHEN {typ} IN {need} AND NOT {has.format(f='target')} THEN "
            f"'a ' || {typ} || ' needs a ''target'' (the account it is addressed to)' END",
            "'missing_target'",
        ),
        (
            f"CASE WHEN {typ} IN {either} AND NOT {has.format(f='target')} "
            f"AND NOT {has.format(f='parent')} THEN "
            f"'a ' || {typ} || ' needs a ''target'' or a ''parent''' END",
            "'missing_target'",
        ),
    ]


def canonical_extra(extra: str) -> str:
    """SQL for a canonical text of the JSON object ``extra`` (an SQL expression), for digests.

    Keys are sorted; each value is written as text (a string without quotes, anything else as
    JSON), so ``{"b": 1, "a": "x"}`` and ``{"a": "x", "b": "1"}`` (what CSV gives) are the same;
    null and empty values count as absent, as an empty CSV cell does.
    """
    # Each value as ``->> '$'`` gives it (a string unescaped, anything else as JSON text). Not a
    # cast of the JSON to MAP(VARCHAR, VARCHAR): that writes 1e300 as "1e+300" and would change
    # the digests of stored records (tests/test_validate_fast.py pins this).
    entries = f"map_entries(CAST(CAST({extra} AS JSON) AS MAP(VARCHAR, JSON)))"
    values = f"list_transform({entries}, lambda x: {{'key': x.key, 'value': json_extract_string(x.value, '$')}})"
    kept = f"list_filter({values}, lambda x: coalesce(x.value, '') <> '')"
    pairs = f"list_sort(list_transform({kept}, lambda x: x.key || chr(29) || x.value))"
    # The pairs joined with chr(28), NULL when there are none: string_agg over the list gives
    # exactly what nullif(array_to_string(...), '') gave (no pair is empty), with the lists
    # built once (nullif repeats its argument, and DuckDB cannot share an expression that
    # holds a lambda: the digest of 1M events spent 0.18 s building them twice).
    return f"list_aggregate({pairs}, 'string_agg', chr(28))"


def digest_sql(rules: tuple[Rule, ...], alias: str = "") -> str:
    """SQL for the ``digest`` of a record from its normalised fields and ``extra``.

    Stored digests are compared with new ones, so this expression must never change.
    """
    prefix = f"{alias}." if alias else ""
    parts = []
    for rule in rules:
        col = f'{prefix}"{rule.name}"'
        if rule.sql_type == "TIMESTAMPTZ":
            col = f"CAST(epoch_us({col}) AS VARCHAR)"
        else:
            col = f"CAST({col} AS VARCHAR)"
        parts.append(f"coalesce({col}, chr(30))")
    extra = f"{prefix}extra"
    # Most records have no unknown fields: skip the JSON work for them.
    parts.append(f"coalesce(CASE WHEN {extra} IS NOT NULL THEN {canonical_extra(extra)} END, chr(30))")
    # The upper half of ``md5_number`` is ``md5_number_lower`` (what digests have always been),
    # at half the cost in DuckDB 1.5.
    return "(md5_number(concat_ws(chr(31), " + ", ".join(parts) + ")) >> 64)::UBIGINT"


def validation_sql(rules: tuple[Rule, ...], staged: str, *, events: bool) -> str:
    """SELECT normalised fields, ``extra``, ``digest``, ``src``, ``line``, ``record``, ``reason``,
    ``message`` from the relation named ``staged``.

    Each check is computed once, as a column of its own, and then combined: the query stays
    small for the planner, and no check is evaluated twice per record.
    """
    values, checks = [], [("cell_problem", "'csv_bad_header'")]
    for rule in rules:
        value, err, code = _expr(rule)
        values.append(f"{value} AS \"{rule.name}\"")
        checks.append((err, code))
    if events:
        checks += _cross_event_checks()
    errs = [f"{e} AS _e{i}" for i, (e, _) in enumerate(checks)]
    codes = [
        f"{c} AS _c{i}" if not c.startswith("'") else f"NULL AS _c{i}" for i, (_, c) in enumerate(checks)
    ]
    message = "nullif(concat_ws('; ', " + ", ".join(f"_e{i}" for i in range(len(checks))) + "), '')"
    reason = "coalesce(" + ", ".join(
        f"CASE WHEN _e{i} IS NOT NULL THEN {c if c.startswith(chr(39)) else f'_c{i}'} END"
        for i, (_, c) in enumerate(checks)
    ) + ")"
    names = [r.name for r in rules]
    digest = digest_sql(rules, "n")
    cols = ", ".join(f'n."{n}"' for n in names)
    return f"""
        WITH c AS MATERIALIZED (
            SELECT {", ".join(values)}, {", ".join(errs)}, {", ".join(codes)},
                   extra, src, line, record
            FROM {staged}
        ), n AS (
            SELECT *, {reason} AS reason, {message} AS message FROM c
        )
        SELECT {cols}, n.extra, {digest} AS digest, n.src, n.line, n.record, n.reason, n.message
        FROM n
    """


def _presence(rule: Rule) -> str:
    v, t = f'"{rule.name}__v"', f'"{rule.name}__t"'
    return f"({t} IS NOT NULL AND {t} <> 'NULL' AND {_clean(v)} IS NOT NULL)"


def screening_sql(rules: tuple[Rule, ...], staged: str, *, events: bool) -> str:
    """The fast path of validation: normalised values, ``digest`` and a ``_bad`` flag per record.

    Every value is computed once. A record is bad when a required field is absent, or a present
    field's value does not normalise (for every rule of :func:`_expr`, "present and the value is
    NULL" is exactly its error condition), or a cross-field check or reader problem applies. Only
    bad records go through :func:`validation_sql`, which says in words what is wrong.
    """
    pre, values, bad = [], [], ["cell_problem IS NOT NULL"]
    for rule in rules:
        value, _, _ = _expr(rule)
        if rule.kind == "timestamp":
            # Cast once; the range check and the value reuse the cast.
            v, t, f = f'"{rule.name}__v"', f'"{rule.name}__t"', rule.name
            pre.append(
                f"CASE WHEN {t} = 'VARCHAR' AND regexp_matches(trim({v}), {sql_str(_TS_RE)}) "
                f"THEN try_cast(upper(trim({v})) AS TIMESTAMPTZ) END AS \"{f}__cast\""
            )
            value = (
                f"CASE WHEN \"{f}__cast\" BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00' "
                f"AND TIMESTAMPTZ '9999-12-31 23:59:59.999999+00' THEN \"{f}__cast\" END"
            )
        values.append(f"{value} AS \"{rule.name}\"")
        present = _presence(rule)
        if rule.required:
            bad.append(f"(NOT {present} OR \"{rule.name}\" IS NULL)")
        else:
            bad.append(f"({present} AND \"{rule.name}\" IS NULL)")
    if events:
        bad += [f"({e}) IS NOT NULL" for e, _ in _cross_event_checks()]
    names = [r.name for r in rules]
    digest = digest_sql(rules)
    raw = ", ".join(f'"{n}__v", "{n}__t"' for n in names)
    return f"""
        WITH p AS (
            SELECT *, {", ".join(pre) if pre else "NULL AS _none"} FROM {staged}
        ), c AS (
            SELECT {", ".join(values)}, extra, src, line, record, cell_problem, {raw} FROM p
        ), b AS (
            SELECT *, {" OR ".join(bad)} AS _bad FROM c
        )
        SELECT {", ".join(f'"{n}"' for n in names)}, extra,
               CASE WHEN NOT _bad THEN {digest} END AS digest, src, line, record, _bad
        FROM b
    """
