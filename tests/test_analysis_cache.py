"""The analysis cache of the embedded store: same results, never stale, never a failure."""

from __future__ import annotations

from pathlib import Path

from womgraph.analyse.cache import cached_analysis, fingerprint
from womgraph.analyse.frame import Options
from womgraph.analyse.pipeline import analyse_store
from womgraph.ingest import ingest
from womgraph.store import EmbeddedStore

TINY = Path(__file__).resolve().parent.parent / "datasets" / "tiny"


def _store(tmp_path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "s")
    ingest(store, [TINY / "events.jsonl"], [TINY / "accounts.csv"])
    return store


def test_a_cache_hit_gives_the_same_analysis(tmp_path):
    with _store(tmp_path) as store:
        fresh = analyse_store(store)
        first = cached_analysis(store)
        entries = list(store.cache_dir.iterdir())
        assert len(entries) == 1
        again = cached_analysis(store)
    for name in ("classes", "attribution", "cascades", "cascade_edges", "advocates", "communities"):
        assert getattr(again, name).equals(getattr(fresh, name)), name
    assert again.chains() == fresh.chains() == first.chains()
    assert again.flags == fresh.flags and again.metrics == fresh.metrics
    assert again.weekly == fresh.weekly  # datetimes survive the round trip


def test_new_data_and_other_options_are_never_served_stale(tmp_path):
    with _store(tmp_path) as store:
        before = cached_analysis(store)
        key = fingerprint(store, Options())
        extra = tmp_path / "more.jsonl"
        extra.write_text(
            '{"id":"x1","ts":"2026-04-22T20:00:00Z","type":"referral","actor":"ana","target":"newbie"}\n'
            '{"id":"x2","ts":"2026-04-22T21:00:00Z","type":"purchase","actor":"newbie","value":20}\n'
        )
        ingest(store, [extra])
        assert fingerprint(store, Options()) != key
        after = cached_analysis(store)
        assert fingerprint(store, Options(window_days=7)) != fingerprint(store, Options())
        ingest(store, [extra])  # nothing new: the key stays
        assert fingerprint(store, Options()) == fingerprint(store, Options())
    ana = lambda a: next(r for r in a.advocates.to_pylist() if r["account"] == "ana")  # noqa: E731
    assert ana(after)["conversions_direct"] == ana(before)["conversions_direct"] + 1
    assert after.classes.num_rows == before.classes.num_rows + 2


def test_a_damaged_cache_is_computed_again(tmp_path):
    with _store(tmp_path) as store:
        cached_analysis(store)
        [entry] = store.cache_dir.iterdir()
        (entry / "advocates.parquet").write_bytes(b"not parquet")
        a = cached_analysis(store)
    assert a.advocates.column("account").to_pylist()[0] == "ana"


def test_forget_removes_the_cached_results(tmp_path):
    with _store(tmp_path) as store:
        cached_analysis(store)
        assert store.cache_dir.exists()
        store.forget("ana")
        assert not store.cache_dir.exists()
        a = cached_analysis(store)
    assert "ana" not in a.advocates.column("account").to_pylist()
