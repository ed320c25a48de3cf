"""What the analysis found (:class:`Analysis`), apart from the code that computes it.

Kept in its own module so that loading a cached analysis (``analyse.cache``) imports only
pyarrow, not the analysis steps and their dependencies (networkx, scipy, igraph).
"""

from __future__ import annotations

import operator
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..duck import arrow, register
from .frame import Options

__all__ = ["Analysis", "chain_rows", "table_columns", "table_rows", "top_chains"]


@dataclass
class Analysis:
    """Everything the analysis found, as Arrow tables and plain dicts.

    ``exposures`` holds the peer exposures (who told whom: the word-of-mouth network); brand
    and incentivized exposures serve the attribution only."""

    classes: pa.Table
    attribution: pa.Table
    exposures: pa.Table
    cascades: pa.Table
    cascade_edges: pa.Table
    advocates: pa.Table
    communities: pa.Table
    community_health: pa.Table
    flags: list[dict]
    metrics: dict
    weekly: list[dict]
    monthly: list[dict]
    channels: list[dict]
    options: Options = field(default_factory=Options)

    def chains(self, *, min_size: int = 2, top: int | None = None) -> list[dict]:
        """Cascades, largest first, each with its edges and per-generation figures."""
        return chain_rows(self.cascades, self.cascade_edges, min_size=min_size, top=top)

    def write_back_tables(self) -> dict[str, pa.Table]:
        """The results a store keeps for people exploring it (see ``Store.write_results``)."""
        from .authenticity import flags_table

        return {
            "classes": self.classes.select(["id", "class", "reason"]),
            "advocates": self.advocates.select(["account", "rank", "score"]),
            "communities": self.communities,
            "flags": flags_table(self.flags),
            "chains": self.cascade_edges.select(["root", "parent", "child"]).rename_columns(
                ["cascade", "parent", "child"]
            ),
        }


def chain_rows(cascades: pa.Table, edges: pa.Table, *, min_size: int = 2, top: int | None = None) -> list[dict]:
    """Cascades, largest first, each with its edges (see :meth:`Analysis.chains`)."""
    from ..duck import memory_connection

    con = memory_connection()
    try:
        register(con, "c", cascades)
        register(con, "e", edges)
        return _chains(con, "c", "e", min_size=min_size, top=top)
    finally:
        con.close()


def chain_rows_from_files(cascades: Path, edges: Path, *, min_size: int = 2, top: int | None = None) -> list[dict]:
    """:func:`chain_rows` of the two tables saved as Parquet files, read by DuckDB itself.

    Handing Arrow tables to DuckDB makes it import ``pyarrow.dataset`` and pandas (a fifth of
    a second); reading the files does not.
    """
    from ..duck import memory_connection

    con = memory_connection()
    try:
        return _chains(con, _parquet(cascades), _parquet(edges), min_size=min_size, top=top)
    finally:
        con.close()


def top_chains(cascades: pa.Table, keys: tuple[str, ...], n: int, *, min_size: int = 2) -> list[dict]:
    """The first ``n`` cascades of at least ``min_size`` people by ``keys`` (each largest
    first), ties by root: rows of :func:`chain_rows` without ``edges`` and ``hop_hours``
    (rounded as there, by :func:`_rounded`).

    The report shows three chains by depth and three by conversions: sorting the candidates
    here costs less than a DuckDB connection, let alone every chain with its edges (0.13 s
    at 10M events).

    >>> c = pa.table({"root": ["a", "b", "c", "d"], "size": [5, 3, 3, 1], "depth": [1, 2, 2, 0],
    ...               "structural_virality": [1.6, 1.0000005, 1.0, None], "median_hop_hours": [2.5, 0.0, 1.0, None]})
    >>> [(r["root"], r["structural_virality"]) for r in top_chains(c, ("depth", "size"), 2)]
    [('b', 1.000001), ('c', 1.0)]
    """
    size = cascades.column("size").to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(size >= min_size)
    if n <= 0 or not len(rows):
        return []
    cols = [cascades.column(k).to_numpy(zero_copy_only=False)[rows] for k in keys]
    order = np.lexsort(tuple(-c for c in reversed(cols)))  # the first key decides first
    if len(order) > n:  # the first n and whatever ties with the last of them
        last = order[n - 1]
        ties = np.logical_and.reduce([c == c[last] for c in cols])
        order = np.union1d(order[:n], np.flatnonzero(ties))
    roots = cascades.column("root")
    picked = sorted(order.tolist(), key=lambda i: (*(-c[i] for c in cols), roots[int(rows[i])].as_py()))[:n]
    return [_rounded(table_rows(cascades.slice(int(rows[i]), 1))[0]) for i in picked]


def _rounded(chain: dict) -> dict:
    """A chain's figures rounded for people (virality to 6 places, hours to 3), by Python's
    ``round`` (exact, half to even) for every path to them: DuckDB's ``round`` of a DOUBLE
    changed between 2.0.0 and 2.0.1 (0.9365 to 3 places: 0.937, then 0.936)."""
    for name, digits in (("structural_virality", 6), ("median_hop_hours", 3)):
        if chain.get(name) is not None:
            chain[name] = round(chain[name], digits)
    if chain.get("hop_hours") is not None:
        chain["hop_hours"] = [None if h is None else round(h, 3) for h in chain["hop_hours"]]
    return chain


def _parquet(path: Path) -> str:
    return "read_parquet('" + str(path).replace("'", "''") + "')"


def _number(x) -> str:
    """A number as SQL text (a bound parameter would make DuckDB import pandas)."""
    try:
        return str(operator.index(x))
    except TypeError:
        return repr(float(x))


def _chains(con, c: str, e: str, *, min_size, top) -> list[dict]:
    limit = f"LIMIT {int(top)}" if top else ""
    rows = arrow(con, f"""
        WITH ed AS (
            SELECT root, list([parent, child] ORDER BY generation, child_ts, child) AS edges,
                   list(hop_hours ORDER BY generation, child_ts, child) AS hop_hours
            FROM {e} GROUP BY root
        )
        SELECT c.root, c.size, c.depth, c.max_breadth, c.structural_virality,
               c.conversions, c.root_adopted, c.conversions_per_generation, c.people_per_generation,
               c.median_hop_hours, c.first_ts, c.last_ts, ed.edges, ed.hop_hours
        FROM {c} AS c JOIN ed USING (root)
        WHERE c.size >= {_number(min_size)}
        ORDER BY c.size DESC, c.depth DESC, c.root
        {limit}
        """)
    return [_rounded(row) for row in table_rows(rows)]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UNIT_MICROSECONDS = {"s": 1_000_000, "ms": 1_000, "us": 1}


def table_rows(table: pa.Table) -> list[dict]:
    """``table.to_pylist()``, without the import of pandas it costs for zoned timestamps.

    pyarrow imports pandas (when installed) to convert each timestamp with a time zone, a fifth
    of a second that a command answered from the cache need not pay. Top-level timestamp
    columns with a zone are converted here the way pyarrow converts them (for seconds, milli-
    and microseconds); anything else as ``to_pylist`` converts it.

    >>> import datetime as dt
    >>> t = pa.table({"n": [1, None], "at": pa.array([dt.datetime(1960, 5, 1, 12, 30, 1, 7), None],
    ...                                               pa.timestamp("us", tz="UTC"))})
    >>> table_rows(t) == t.to_pylist()
    True
    """
    columns = table_columns(table)
    if columns is None:
        return table.to_pylist()
    names = list(columns)
    return [dict(zip(names, values)) for values in zip(*columns.values())]


def table_columns(table: pa.Table) -> dict[str, list] | None:
    """The columns of ``table`` as Python lists, converted as :func:`table_rows` converts them.

    None when its column names repeat (use ``to_pylist``, which keeps the last).
    """
    names = table.column_names
    if len(set(names)) != len(names):
        return None
    return {name: _column_values(table.column(i)) for i, name in enumerate(names)}


def _column_values(column: pa.ChunkedArray) -> list:
    t = column.type
    if "pandas" in sys.modules or not pa.types.is_timestamp(t) or t.tz is None or t.unit not in _UNIT_MICROSECONDS:
        return column.to_pylist()
    # The instants as integers (a view, not a cast, which would import pyarrow.compute), then
    # each one as pyarrow makes it: UTC epoch plus the offset, in the column's zone.
    per, tz = _UNIT_MICROSECONDS[t.unit], pa.lib.string_to_tzinfo(t.tz)
    ints = pa.chunked_array([c.view(pa.int64()) for c in column.chunks], pa.int64())
    return [None if v is None else (_EPOCH + timedelta(microseconds=v * per)).astimezone(tz)
            for v in ints.to_pylist()]
