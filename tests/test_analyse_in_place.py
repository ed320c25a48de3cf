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


def test_the_features_view_and_table_hold_the_same_rows_and_tallies(store_dir):
    """A full analysis computes the event features as a view (each pass computes what it reads)
    and its tallies partly from the plain events; a refresh writes them as a table. Both must
    give the same features, tallies and classes."""
    from womgraph.analyse.classify import classify_interactions, features
    from womgraph.analyse.frame import Frame
    from womgraph.analyse.tallies import TALLY_TABLES, build_tallies

    def rows(con, sql):
        return sorted(con.execute(sql).fetchall(), key=repr)

    got = {}
    with EmbeddedStore(store_dir, read_only=True) as store:
        for view in (False, True):
            frame = Frame(None, None, con=store.cursor())
            try:
                features(frame, view=view)
                kind = frame.con.execute(
                    "SELECT table_type FROM information_schema.tables WHERE table_name = 'feat'"
                ).fetchone()[0]
                assert kind == ("VIEW" if view else "LOCAL TEMPORARY")
                build_tallies(frame.con, "feat", events="ev" if view else None)
                got[view] = {"feat": rows(frame.con, "SELECT * FROM feat")}
                got[view].update({t: rows(frame.con, f"SELECT * FROM {t}") for t in TALLY_TABLES})
                classify_interactions(frame)  # drops ``feat``, view or table
                left = frame.con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'feat'"
                ).fetchone()[0]
                assert left == 0
                got[view]["cls"] = rows(frame.con, "SELECT id, reason FROM cls")
            finally:
                frame.close()
    assert len(got[True]["feat"]) > 10_000 and len(got[True]["cls"]) == len(got[True]["feat"])
    for name in got[False]:
        assert got[True][name] == got[False][name], name
