"""The report's "longest" and "most valuable" chains come from the cascades alone
(``result.top_chains``), not from every chain with its edges: they must be exactly the first
rows of the sorted chains, ties and rounding included."""

from __future__ import annotations

import math
import random

import duckdb
import pyarrow as pa
import pytest

from womgraph.analyse.pipeline import analyse_store
from womgraph.analyse.result import _duck_round, top_chains
from womgraph.generate import generate_community
from womgraph.ingest import ingest
from womgraph.store import EmbeddedStore

ORDERS = {
    ("depth", "size"): lambda c: (-c["depth"], -c["size"], c["root"]),
    ("conversions", "depth"): lambda c: (-c["conversions"], -c["depth"], c["root"]),
}


def _without_edges(chains: list[dict]) -> list[dict]:
    return [{k: v for k, v in c.items() if k not in ("edges", "hop_hours")} for c in chains]


@pytest.mark.parametrize("seed", [1, 4])
def test_the_first_chains_of_a_generated_community(tmp_path, seed):
    gen = tmp_path / "gen"
    generate_community(gen, people=500, seed=seed)
    with EmbeddedStore(tmp_path / "store") as store:
        ingest(store, [gen / "events.jsonl"], accounts=[gen / "accounts.jsonl"])
        a = analyse_store(store)
    chains = _without_edges(a.chains())
    assert len(chains) > 10
    for keys, order in ORDERS.items():
        for n in (1, 3, 7, len(chains) + 5):
            assert top_chains(a.cascades, keys, n) == sorted(chains, key=order)[:n], (keys, n)
    assert top_chains(a.cascades, ("depth", "size"), 0) == []
    big = top_chains(a.cascades, ("depth", "size"), 3, min_size=10**9)
    assert big == []


def test_ties_are_broken_by_root_whatever_the_row_order():
    rng = random.Random(2)
    rows = [{"root": f"r{i:03d}", "size": rng.choice([2, 3, 3, 4]), "depth": rng.choice([1, 2, 2]),
             "conversions": rng.choice([0, 1, 1, 2]), "structural_virality": rng.random() * 2,
             "median_hop_hours": rng.random() * 50} for i in range(200)]
    rows.append({"root": "solo", "size": 1, "depth": 0, "conversions": 9, "structural_virality": None,
                 "median_hop_hours": None})  # below min_size: never shown
    rng.shuffle(rows)
    table = pa.Table.from_pylist(rows)
    for keys, order in ORDERS.items():
        want = sorted((r for r in rows if r["size"] >= 2), key=order)[:5]
        got = top_chains(table, keys, 5)
        assert [r["root"] for r in got] == [r["root"] for r in want]
        assert [r["structural_virality"] for r in got] == [_duck_round(r["structural_virality"], 6) for r in want]


def test_rounding_is_duckdbs():
    rng = random.Random(7)
    values = [rng.random() * 10 ** rng.randint(-8, 8) for _ in range(5000)]
    values += [k / 2e6 for k in range(-2000, 2000)] + [k / 2e3 for k in range(-2000, 2000)]
    values += [0.0, 1e300, -1e300, 2.5e-7, 0.4999999999999999, 1.0000005]
    con = duckdb.connect()
    for digits in (3, 6):
        theirs = [r[0] for r in con.execute(f"SELECT round(x, {digits}) FROM unnest(?::DOUBLE[]) t(x)", [values]).fetchall()]
        ours = [_duck_round(v, digits) for v in values]
        assert ours == theirs
        assert [math.copysign(1, x) for x in ours] == [math.copysign(1, x) for x in theirs]
        assert any(round(v, digits) != t for v, t in zip(values, theirs))  # Python's round would differ
    assert _duck_round(None, 3) is None
