"""The fast path of validation: accept the clean records in one pass, set the others aside.

:func:`fast_sql` reads a relation with, for every known field ``f``, its value as text
(``"f__v"``: a JSON string unescaped, a JSON number or ``true``/``false`` as written, a CSV cell;
NULL when absent) and a flag ``_odd`` set on records whose JSON types the fast path does not
judge (an object, a list, a number in a key field, ...). It returns the normalised fields plus
``_slow``: true for every record that is not certainly valid. The fast path never rejects a
record itself: the ``_slow`` ones go through the exact rules of :mod:`.rules`, which accept them
or say in words what is wrong. So the fast path only has to be right about what it accepts, and
it is: for the types it lets through, each value below is the value :func:`.rules.validation_sql`
computes, and a record is accepted only when none of that function's checks could fire.

:func:`json_fields_sql` builds such a relation from JSON text with one parse per record
(``json_transform`` into JSON fragments), where the exact path parses each record three times.
"""

from __future__ import annotations

from ..schema import TARGET_OR_PARENT, TARGET_REQUIRED
from .rules import _TS_RE, Rule, digest_sql, sql_str
from .structure import not_json_sql

__all__ = ["fast_sql", "json_fields_sql", "unknown_fields_sql", "STRING_ONLY"]

#: Kinds whose fast path takes only JSON strings (a number in a key needs its exact JSON type).
STRING_ONLY = ("key", "label", "timestamp", "enum")
_TS_LOW = "TIMESTAMPTZ '0001-01-01 00:00:00+00'"
_TS_HIGH = "TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'"


def _odd(rule: Rule, frag: str) -> str:
    """SQL that is true when the JSON fragment ``frag`` (not NULL) has a type this fast path
    leaves to the exact rules."""
    if rule.kind in STRING_ONLY:
        return f"NOT starts_with({frag}, '\"')"
    if rule.kind == "bool":
        return f"left({frag}, 1) NOT IN ('\"', 't', 'f')"
    # text, number, int: strings and numbers (a JSON number starts with '-' or a digit)
    return f"left({frag}, 1) IN ('{{', '[', 't', 'f')"


def _plain(rule: Rule, frag: str) -> str | None:
    """SQL that is true when the JSON fragment ``frag`` (not NULL), of a record whose ``_odd``
    is false, is a string, or a number written with digits, or ``true``/``false``: a value in
    which no NaN, Infinity or trailing comma can hide. None when ``_odd`` already says so."""
    if rule.kind in STRING_ONLY:
        return None  # a string, or the record is odd
    c = f"ascii({frag})"
    return (
        f"({c} = 34 OR {c} BETWEEN 48 AND 57 OR {c} = 116 OR {c} = 102 "
        f"OR ({c} = 45 AND ascii({frag}[2:2]) BETWEEN 48 AND 57))"
    )


def unknown_fields_sql(rules: tuple[Rule, ...], txt: str) -> str:
    """SQL for the fields of the JSON object text ``txt`` that no rule knows, as a JSON object's
    text (NULL when there are none): what every path keeps as ``extra``."""
    patch = sql_str("{" + ", ".join(f'"{r.name}": null' for r in rules) + "}")
    return f"nullif(json_merge_patch({txt}, {patch})::VARCHAR, '{{}}')"


def json_fields_sql(rules: tuple[Rule, ...], source: str) -> str:
    """SELECT ``line``, ``structural``, every ``"f__v"``, ``_odd`` and ``extra`` from ``source``
    (columns ``line``, ``txt`` and ``shape``, the :func:`.structure.shape_sql` of the text: the
    text is parsed only where ``shape`` is NULL, an object).

    ``structural`` is what :func:`.structure.structural_sql` gives, computed with one parse: the
    regular expressions of :func:`.structure.not_json_sql` run only on records where they could
    match, which are those not *plain*. A plain record has only known fields, each once, each a
    string or (where its kind takes one) a number written with digits or ``true``/``false``, and
    ends with such a value and ``}``. Outside its strings a plain record is made of ``{``,
    ``}``, ``:``, ``,``, white space, keys and those values, so no NaN or Infinity literal
    follows a ``:``, ``[`` or ``,``, and the one comma that could come before a ``}`` is not
    there. Fields of records that are not objects are not used: ``extra`` is NULL for them, and
    the validator takes only records whose ``structural`` is NULL.

    ``extra`` (unknown fields) is worked out only for records with more keys than known fields
    with a value; it is the same expression the exact path uses.
    """
    names = [r.name for r in rules]
    struct = sql_str("{" + ", ".join(f'"{n}": "JSON"' for n in names) + "}")
    frag = {n: f'"{n}__j"' for n in names}
    values = []
    for n in names:
        f = frag[n]
        values.append(
            f"CASE WHEN NOT starts_with({f}, '\"') THEN {f} "
            f"WHEN contains({f}, '\\') THEN json_extract_string({f}, '$') "
            f"ELSE {f}[2:-2] END AS \"{n}__v\""
        )
    odd = " OR ".join(f"coalesce({_odd(r, frag[r.name])}, false)" for r in rules)
    known = " + ".join(f"({frag[n]} IS NOT NULL)::INTEGER" for n in names)
    unpack = ", ".join(f'j."{n}"::VARCHAR AS {frag[n]}' for n in names)
    raw = ", ".join(f'"{n}__v"' for n in names)
    # The last value ends with '"', a digit or the 'e' of true/false, right before the '}'.
    tail = " OR ".join(f"ends_with(txt, '{c}}}')" for c in '"e0123456789')
    plain = " AND ".join(
        ["NOT _odd", "nk = kn", f"({tail})"]
        + [f"coalesce({p}, true)" for p in (_plain(r, frag[r.name]) for r in rules) if p]
    )
    return f"""
        SELECT line, structural, {raw}, _odd,
               CASE WHEN structural IS NULL AND nk > kn
                    THEN {unknown_fields_sql(rules, 'txt')} END AS extra
        FROM (SELECT line, txt, nk, kn, {raw}, _odd,
                     CASE WHEN shape IS NULL AND {plain} THEN NULL
                          WHEN (shape IS NULL OR shape = 'not_an_object') AND {not_json_sql('txt')}
                          THEN 'malformed_json'
                          ELSE shape END AS structural
              FROM (SELECT line, shape, txt, nk, {", ".join(values)}, {odd} AS _odd, {known} AS kn,
                           {", ".join(frag[r.name] for r in rules if _plain(r, frag[r.name]))}
                    FROM (SELECT line, shape, txt, nk, {unpack}
                          FROM (SELECT line, shape, txt,
                                       CASE WHEN shape IS NULL THEN json_transform(txt, {struct}) END AS j,
                                       CASE WHEN shape IS NULL THEN len(json_keys(txt)) END AS nk
                                FROM {source}))))
    """


def _one_of(expr: str, choices: tuple[str, ...]) -> str:
    """``expr IN (choices)``, written so that DuckDB does not turn it into a join (which would
    cost a hash table and the order of the rows)."""
    return "list_contains([" + ", ".join(sql_str(c) for c in choices) + f"], {expr})"


def _present(v: str) -> str:
    return f"(nullif(trim({v}), '') IS NOT NULL)"


def _pre(rule: Rule) -> str | None:
    """A cast computed once, in a projection of its own, before the value that uses it twice."""
    v = f'"{rule.name}__v"'
    if rule.kind == "timestamp":
        return (
            f"CASE WHEN regexp_matches(trim({v}), {sql_str(_TS_RE)}) "
            f"THEN try_cast(upper(trim({v})) AS TIMESTAMPTZ) END AS \"{rule.name}__c\""
        )
    return None


def _value(rule: Rule) -> tuple[str, str]:
    """(normalised value, SQL true when the record is certainly bad or not judged here)."""
    v = f'"{rule.name}__v"'
    out = f'"{rule.name}"'
    if rule.kind in ("key", "label"):
        value = f"nullif(trim({v}), '')"
        if rule.kind == "label":
            value = f"lower({value})"
        # A string is present exactly when its trimmed value is not empty.
        return value, (f"{out} IS NULL" if rule.required else "false")
    if rule.kind == "text":
        value = f"nullif({v}, '')"
        bad = f"NOT {_present(v)}" if rule.required else "false"
        return value, bad
    if rule.kind == "timestamp":
        cast = f'"{rule.name}__c"'  # see _pre
        value = f"CASE WHEN {cast} BETWEEN {_TS_LOW} AND {_TS_HIGH} THEN {cast} END"
    elif rule.kind == "enum":
        low = f"lower(trim({v}))"
        value = f"CASE WHEN {_one_of(low, rule.choices)} THEN {low} END"
    elif rule.kind == "number":
        num = f"try_cast(trim({v}) AS DOUBLE)"
        value = f"CASE WHEN isfinite({num}) THEN {num} END"
    elif rule.kind == "bool":
        low = f"lower(trim({v}))"
        value = (
            f"CASE WHEN {_one_of(low, ('true', 'yes', '1'))} THEN true "
            f"WHEN {_one_of(low, ('false', 'no', '0'))} THEN false END"
        )
    elif rule.kind == "int":
        num = f"try_cast(trim({v}) AS DOUBLE)"
        whole = f"coalesce(try_cast(trim({v}) AS {rule.sql_type}), try_cast({num} AS {rule.sql_type}))"
        ok = [f"isfinite({num})", f"{num} = floor({num})"]
        if rule.low is not None:
            ok.append(f"{num} >= {rule.low}")
        if rule.high is not None:
            ok.append(f"{num} <= {rule.high}")
        value = f"CASE WHEN {' AND '.join(ok)} THEN {whole} END"
    else:  # pragma: no cover - a programming error
        raise ValueError(rule.kind)
    if rule.required:
        return value, f"{out} IS NULL"
    return value, f"({out} IS NULL AND {_present(v)})"


def fast_sql(rules: tuple[Rule, ...], staged: str, *, events: bool) -> str:
    """SELECT normalised fields, ``extra``, ``digest`` (of the accepted records), ``line``,
    ``structural`` and ``_slow`` from ``staged`` (see the module docstring), row for row.

    No filter: a filter on a computed column would have DuckDB compute it twice.
    """
    values, bad = [], ["_odd", "cell_problem IS NOT NULL"]
    for rule in rules:
        value, b = _value(rule)
        values.append(f'{value} AS "{rule.name}"')
        if b != "false":
            bad.append(f"({b})")
    if events:
        bad.append(f"({_one_of('type', TARGET_REQUIRED)} AND target IS NULL)")
        bad.append(f"({_one_of('type', TARGET_OR_PARENT)} AND target IS NULL AND parent IS NULL)")
    names = ", ".join(f'"{r.name}"' for r in rules)
    raw = ", ".join(f'"{r.name}__v"' for r in rules)
    pre = [p for p in map(_pre, rules) if p]
    return f"""
        SELECT {names}, extra, CASE WHEN NOT _slow THEN {digest_sql(rules)} END AS digest,
               line, structural, _slow
        FROM (
            SELECT *, coalesce({" OR ".join(bad)}, true) AS _slow
            FROM (SELECT {", ".join(values)}, extra, line, structural, _odd, cell_problem, {raw}
                  FROM (SELECT *, {", ".join(pre) or "NULL AS _none"} FROM {staged})))
    """
