"""The example events of flags, brought up to date from kept ones (a refresh) equal those found
over every event."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from womgraph.analyse.authenticity.examples import Examples

DISCLOSURE = "(#ad|sponsored)"
ACTORS = [f"a{i}" for i in range(12)]
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _events(rng: random.Random, n: int, start: int) -> list[tuple]:
    rows = []
    for k in range(n):
        # Few distinct times, so that ties on ts are ordered by id.
        ts = T0 + timedelta(hours=start + rng.randrange(0, 6))
        rows.append((
            f"e{start:04d}{k:03d}{rng.randrange(1000):03d}", ts, rng.choice(["like", "post", "reply", "signup"]),
            rng.choice(ACTORS[:9]), rng.random() < 0.2, rng.choice(["loved it", "#ad nice", None]),
        ))
    return rows


def _connection(rows: list[tuple], new: list[tuple] | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    cols = "id VARCHAR, ts TIMESTAMPTZ, type VARCHAR, actor VARCHAR, paid BOOLEAN, text VARCHAR"
    con.execute(f"CREATE TABLE ev ({cols})")
    con.executemany("INSERT INTO ev VALUES (?, ?, ?, ?, ?, ?)", rows)
    if new is not None:
        con.execute(f"CREATE TABLE nev ({cols})")
        if new:
            con.executemany("INSERT INTO nev VALUES (?, ?, ?, ?, ?, ?)", new)
    return con


def _keep(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """``k``: the rows of an ``examples`` table left by an earlier lookup."""
    pair = "STRUCT(ts TIMESTAMPTZ, id VARCHAR)[]"
    con.execute(f"CREATE TABLE k (actor VARCHAR, likes {pair}, events {pair}, undisclosed {pair})")
    if rows:
        con.executemany("INSERT INTO k VALUES (?, ?, ?, ?)", rows)


def _count(filled: list) -> int:
    return sum(len(v) for x in filled for v in (x.values() if isinstance(x, dict) else [x]))


def _ask(ex: Examples, wanted: list[str]) -> list:
    """Requests of every shape the detectors make; the lists they get filled."""
    return [
        ex.first("likes", wanted, 5),
        ex.first("events", wanted[::2], 3),
        ex.first("undisclosed", wanted, 10),
        ex.first_of_group("likes", wanted[:4], 10),
        ex.first_of_group("events", wanted[1:], 7),
    ]


@pytest.mark.parametrize("seed", range(6))
def test_examples_from_kept_rows_and_new_events_equal_a_full_lookup(seed):
    rng = random.Random(seed)
    rows, batches = _events(rng, 60, 0), [_events(rng, rng.randrange(0, 40), 10 * (b + 1)) for b in range(3)]
    first_wanted = sorted(rng.sample(ACTORS, 6))

    # The full analysis of the first rows keeps its table.
    con = _connection(rows)
    ex = Examples()
    _ask(ex, first_wanted)
    ex.resolve(con, DISCLOSURE)
    kept = con.execute("SELECT * FROM examples").fetchall()
    assert {r[0] for r in kept} == set(first_wanted)  # accounts without events included

    seen = list(rows)
    for batch in batches:  # refreshes, each from the table the one before left
        wanted = sorted(rng.sample(ACTORS, rng.randrange(1, 9)))
        seen += batch
        full_con = _connection(seen)
        full = Examples()
        expected = _ask(full, wanted)
        full.resolve(full_con, DISCLOSURE)

        inc_con = _connection(seen, batch)
        _keep(inc_con, kept)
        inc = Examples()
        got = _ask(inc, wanted)
        inc.resolve(inc_con, DISCLOSURE, kept=("k", "nev"))
        assert got == expected
        assert _count(expected) > 0
        kept = inc_con.execute("SELECT * FROM examples").fetchall()
        # The kept rows cover every account asked for now or before.
        assert {r[0] for r in kept} >= set(wanted) | set(first_wanted)


def test_kept_rows_spare_the_scan_of_every_event():
    rng = random.Random(7)
    rows, new = _events(rng, 50, 0), _events(rng, 20, 10)
    con = _connection(rows)
    ex = Examples()
    _ask(ex, ACTORS[:5])
    ex.resolve(con, DISCLOSURE)
    kept = con.execute("SELECT * FROM examples").fetchall()

    # The events table holds only the new events: kept accounts must not be looked up in it.
    con = _connection(new, new)
    _keep(con, kept)
    inc = Examples()
    got = _ask(inc, ACTORS[:5])
    inc.resolve(con, DISCLOSURE, kept=("k", "nev"))

    full_con = _connection(rows + new)
    full = Examples()
    expected = _ask(full, ACTORS[:5])
    full.resolve(full_con, DISCLOSURE)
    assert got == expected
    assert _count(got) > 0
