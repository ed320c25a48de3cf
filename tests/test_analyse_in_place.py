"""The analysis run inside the embedded store's database equals the analysis of its projection.

``analyse_store`` reads an embedded store's events where they are (a view on a private
connection); any store without that (Neo4j) is projected to Arrow first. Both must agree.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from womgraph.analyse.frame import ANALYSIS_COLUMNS
from womgraph.analyse.pipeline import analyse, analyse_store
from womgraph.generate import generate_community
from womgraph.ingest import ingest
from womgraph.store import EmbeddedStore

TABLES = ("classes", "attribution", "exposures", "cascades", "cascade_edges", "advocates",
          "communities", "community_health")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("inplace")
    generate_community(out, people=1500, seed=3)
    with EmbeddedStore(out / "store") as store:
        assert ingest(store, [out / "events.jsonl"], [out / "accounts.jsonl"]).rejected == 0
    return out / "store"


def test_in_place_and_projected_analyses_agree(store_dir):
    with EmbeddedStore(store_dir, read_only=True) as store:
        in_place = analyse_store(store)
        projected = analyse(store.events(ANALYSIS_COLUMNS), store.accounts())
        # the private connection is gone: nothing of the analysis is left in the store
        left = store.sql("SELECT count(*) AS n FROM duckdb_views() WHERE view_name = 'ev'")
        assert left.column("n")[0].as_py() == 0
    assert in_place.classes.num_rows > 10_000 and in_place.advocates.num_rows > 20
    for name in TABLES:
        a, b = getattr(in_place, name), getattr(projected, name)
        assert isinstance(a, pa.Table)
        assert a.equals(b), name
    assert in_place.flags == projected.flags
    assert in_place.metrics == projected.metrics
    assert (in_place.weekly, in_place.monthly, in_place.channels) == (
        projected.weekly, projected.monthly, projected.channels)


def test_a_read_only_store_is_analysed_without_writing_to_it(store_dir):
    before = (store_dir / "womgraph.duckdb").stat().st_mtime_ns
    with EmbeddedStore(store_dir, read_only=True) as store:
        analyse_store(store)
    assert (store_dir / "womgraph.duckdb").stat().st_mtime_ns == before


def test_the_report_summary_counted_in_place_equals_the_projected_one(store_dir):
    from womgraph.analyse.summary import SUMMARY_COLUMNS, event_summary, stored_event_summary

    with EmbeddedStore(store_dir, read_only=True) as store:
        projected = event_summary(store.events(SUMMARY_COLUMNS))
        con = store.cursor()
        in_place = stored_event_summary(con)
        con.close()
    assert in_place == projected
    assert list(in_place["per_type"]) == list(projected["per_type"])  # same order, too
    assert list(in_place["per_channel"]) == list(projected["per_channel"])
    assert in_place["first"].isoformat() == projected["first"].isoformat()
