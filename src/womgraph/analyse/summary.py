"""Counts that describe what is in a store: events per type, per channel, time span, people.

>>> import pyarrow as pa, datetime as dt
>>> t = pa.table({"type": ["like", "like", "post"], "channel": ["twitter", None, "twitter"],
...               "actor": ["a", "b", "a"],
...               "ts": pa.array([dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)] * 3)})
>>> s = event_summary(t)
>>> s["per_type"], s["per_channel"], s["actors"]
({'post': 1, 'like': 2}, {'(none)': 1, 'twitter': 2}, 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..duck import arrow, register
from ..schema import EVENT_TYPES

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["event_summary", "stored_event_summary", "counted_event_summary", "SUMMARY_COLUMNS"]

#: Event columns the summary needs from the store.
SUMMARY_COLUMNS = ("type", "channel", "actor", "ts")


def _ordered(got: dict[str, int], order: tuple[str, ...] = ()) -> dict[str, int]:
    first = [k for k in order if k in got]
    rest = sorted(k for k in got if k not in order)
    return {k: got[k] for k in first + rest}


def event_summary(events: pa.Table) -> dict:
    """Events per type (in format order) and per channel, the time span and distinct actors."""
    from ..duck import memory_connection

    con = memory_connection()
    try:
        register(con, "events", events)
        return stored_event_summary(con)
    finally:
        con.close()


def _summary(con, n: int, actors: int, first, last, counts_sql: str) -> dict:
    """The summary of ``n`` events; ``counts_sql`` gives (value, events) of column ``{col}``."""
    if not n:
        return {"events": n, "per_type": {}, "per_channel": {}, "actors": 0, "first": None, "last": None}

    def counts(col: str, order: tuple[str, ...] = ()) -> dict[str, int]:
        return _ordered(dict(con.execute(counts_sql.format(col=col)).fetchall()), order)

    return {"events": n, "per_type": counts("type", EVENT_TYPES), "per_channel": counts("channel"),
            "actors": actors, "first": first, "last": last}


def stored_event_summary(con) -> dict:
    """:func:`event_summary` of the ``events`` table on the DuckDB connection ``con``: for the
    embedded store, computed where the events are (nothing is copied out)."""
    one = arrow(con, "SELECT count(*) AS n, count(DISTINCT actor) AS actors, min(ts) AS first, max(ts) AS last "
        "FROM events").to_pylist()[0]
    return _summary(con, one["n"], one["actors"], one["first"], one["last"],
                    "SELECT coalesce({col}, '(none)'), count(*) FROM events GROUP BY 1")


def counted_event_summary(con, last) -> dict:
    """:func:`stored_event_summary` from an analysis' counts instead of the events: ``agg``
    (events per day, channel, reason and type: ``analyse.metrics``), ``actor_stats`` (one row
    per actor with their first event: ``analyse.tallies``) and ``last``, the time of the latest
    event (the analysis' end). No scan of the events (0.02 s at 10M)."""
    n = con.execute("SELECT coalesce(sum(n), 0)::BIGINT FROM agg").fetchone()[0]
    actors, first = con.execute("SELECT count(*), min(first_ts) FROM actor_stats").fetchone()
    return _summary(con, n, actors, first, last, "SELECT {col}, sum(n)::BIGINT FROM agg GROUP BY 1")
