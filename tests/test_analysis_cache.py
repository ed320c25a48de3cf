"""The analysis cache of the embedded store: same results, never stale, never a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from womgraph.analyse.cache import cached_analysis, fingerprint
from womgraph.analyse.frame import Options
from womgraph.analyse.pipeline import analyse_store
from womgraph.errors import WomgraphError
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
        events_before = before.classes.num_rows
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
    assert after.classes.num_rows == events_before + 2


def test_a_part_of_a_superseded_analysis_not_read_yet_is_a_clear_error(tmp_path):
    # The refresh after new data takes over the kept state of the older analysis, so what that
    # analysis had not read yet is gone; the message says what to do.
    with _store(tmp_path) as store:
        before = cached_analysis(store)
        extra = tmp_path / "more.jsonl"
        extra.write_text('{"id":"late-post","ts":"2026-04-22T20:00:00Z","type":"post","actor":"ana","post":"late-p"}\n')
        ingest(store, [extra])
        cached_analysis(store)
    with pytest.raises(WomgraphError) as err:
        before.classes
    assert str(err.value) == (
        "The store changed while this command ran (its cached analysis was replaced); "
        "run the command again."
    )


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


# -- a cache hit reads only what is used ---------------------------------------------------------
def test_a_cache_hit_reads_each_part_when_first_used(tmp_path):
    with _store(tmp_path) as store:
        fresh = cached_analysis(store)  # computed and saved
        hit = cached_analysis(store)
    assert not {"classes", "advocates", "cascades", "flags", "weekly"} & set(vars(hit))
    assert hit.advocates.equals(fresh.advocates)
    assert "advocates" in vars(hit) and "classes" not in vars(hit)
    assert hit.chains(min_size=3, top=2) == fresh.chains(min_size=3, top=2)
    assert "cascades" not in vars(hit)  # chains read by DuckDB from the files
    assert hit.flags == fresh.flags and hit.channels == fresh.channels
    assert hit.write_back_tables()["chains"].equals(fresh.write_back_tables()["chains"])


def test_a_hit_keeps_its_files_when_another_process_saves_the_same_analysis(tmp_path):
    from womgraph.analyse import cache

    with _store(tmp_path) as store:
        fresh = cached_analysis(store)
        hit = cached_analysis(store)
        folder = cache._entry_folder(store, Options())
        state = (folder / "state.duckdb").stat().st_ino
        # A process that computed the same analysis at the same time saves after this one.
        tmp = cache._new_tmp(folder)
        other = cache._compute(store, Options(), folder, tmp)
        assert cache._save(folder, other, tmp)
        assert not tmp.exists() and [p.name for p in store.cache_dir.iterdir()] == [folder.name]
        assert (folder / "state.duckdb").stat().st_ino == state  # the first entry stayed
    assert hit.chains() == fresh.chains()
    assert hit.classes.equals(fresh.classes)
    assert hit.monthly == fresh.monthly


def test_redacting_a_hit_reads_it_whole(tmp_path):
    import dataclasses

    with _store(tmp_path) as store:
        fresh = cached_analysis(store)
        hit = cached_analysis(store)
    copy = dataclasses.replace(hit, flags=[])
    assert copy.flags == [] and copy.advocates.equals(fresh.advocates)
    assert copy.chains() == fresh.chains()


def test_a_part_that_cannot_be_read_is_an_error_and_the_entry_goes(tmp_path):
    import pytest

    from womgraph.errors import WomgraphError

    with _store(tmp_path) as store:
        cached_analysis(store)
        hit = cached_analysis(store)

        class Broken:
            def read(self):
                raise OSError("disk says no")

        hit._entry.files["advocates"] = Broken()
        with pytest.raises(WomgraphError, match="damaged.*disk says no.*run the command again"):
            hit.advocates
        assert not any(store.cache_dir.iterdir())
        assert cached_analysis(store).advocates.num_rows  # computed again


# -- rows of Arrow tables without pandas ---------------------------------------------------------
def test_table_rows_equal_to_pylist_without_importing_pandas(monkeypatch):
    import datetime as dt
    import sys

    import pyarrow as pa

    from womgraph.analyse.result import table_rows

    when = [dt.datetime(2026, 3, 1, 12, 30, 1, 250000), dt.datetime(1931, 7, 4, 23, 59, 59), None]
    t = pa.table({
        "n": [1, 2, None],
        "us": pa.array(when, pa.timestamp("us", tz="UTC")),
        "ms": pa.array(when, pa.timestamp("ms", tz="UTC")),
        "s": pa.array([w.replace(microsecond=0) if w else None for w in when], pa.timestamp("s", tz="UTC")),
        "paris": pa.array(when, pa.timestamp("us", tz="Europe/Paris")),
        "naive": pa.array(when, pa.timestamp("us")),
        "tags": [["a"], [], None],
    })
    t = pa.concat_tables([t.slice(0, 1), t.slice(1)])  # two chunks
    expected = t.to_pylist()
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    got = table_rows(t)
    assert got == expected
    assert [type(r["us"] and r["us"].tzinfo) for r in got] == [type(r["us"] and r["us"].tzinfo) for r in expected]
    assert [list(r) for r in got] == [list(r) for r in expected]  # column order kept
    nested = pa.table({"x": pa.array([[dt.datetime(2026, 1, 1)]], pa.list_(pa.timestamp("us", tz="UTC")))})
    assert table_rows(nested) == nested.to_pylist()
    # whole microseconds: without pandas (CI), pyarrow refuses to drop nanoseconds, and so do we
    ns = pa.table({"ns": pa.array([1_000_000_000_123_000], pa.timestamp("ns", tz="UTC"))})
    assert table_rows(ns) == ns.to_pylist()


# -- the report's summary of the stored events ---------------------------------------------------
def test_the_event_summary_is_kept_with_the_entry(tmp_path):
    from womgraph.analyse import SUMMARY_COLUMNS, event_summary
    from womgraph.analyse.cache import cached_event_summary

    with _store(tmp_path) as store:
        expected = event_summary(store.events(SUMMARY_COLUMNS))
        assert cached_event_summary(store) == expected  # no entry yet: computed, not kept
        assert not store.cache_dir.exists()
        cached_analysis(store)
        [entry] = store.cache_dir.iterdir()
        first = cached_event_summary(store)
        assert (entry / "summary.json").is_file()
        again = cached_event_summary(store)
        assert first == again == expected
        assert [type(again[k].tzinfo) for k in ("first", "last")] == \
            [type(expected[k].tzinfo) for k in ("first", "last")]
        assert list(again["per_type"]) == list(expected["per_type"])
        extra = tmp_path / "more.jsonl"
        extra.write_text('{"id":"x1","ts":"2027-01-01T00:00:00Z","type":"post","actor":"zed"}\n')
        ingest(store, [extra])
        after = cached_event_summary(store)  # new data, new key: not the kept summary
    assert after["events"] == expected["events"] + 1
    assert after["last"].year == 2027


def test_results_of_other_analysis_code_are_never_served(tmp_path, monkeypatch):
    from womgraph.analyse import cache

    with _store(tmp_path) as store:
        cached_analysis(store)
        key = fingerprint(store, Options())
        assert cache.code_stamp() == cache.code_stamp() and len(cache.code_stamp()) == 16
        monkeypatch.setattr(cache, "_CODE", ["another-version0"])  # as after an upgrade or checkout
        assert fingerprint(store, Options()) != key
        assert cache._entry_folder(store, Options()).name != key


def test_a_cold_analysis_keeps_its_state_in_the_entry_and_leaves_no_temporary_folder(tmp_path):
    from womgraph.analyse.pipeline import analyse_store

    with _store(tmp_path) as store:
        a = cached_analysis(store)
        entries = list(store.cache_dir.iterdir())
        assert [p.name for p in entries] == [fingerprint(store, Options())]
        assert (entries[0] / "state.duckdb").is_file()  # the classes are read from the state
        assert a.classes.equals(analyse_store(store).classes)  # same table as through Arrow
        assert cached_analysis(store).classes.equals(a.classes)


def test_another_analysis_in_progress_keeps_its_temporary_folder(tmp_path):
    import os
    import time

    with _store(tmp_path) as store:
        store.cache_dir.mkdir(parents=True, exist_ok=True)
        running = store.cache_dir / ".tmp-other"
        running.mkdir()
        (running / "classes.parquet").write_bytes(b"being written")
        stale = store.cache_dir / ".tmp-dead"
        stale.mkdir()
        old = time.time() - 2 * 3600
        os.utime(stale, (old, old))
        cached_analysis(store)
        names = {p.name for p in store.cache_dir.iterdir()}
    assert ".tmp-other" in names and ".tmp-dead" not in names


def test_a_cache_that_cannot_be_kept_still_gives_the_whole_analysis(tmp_path, monkeypatch):
    import os

    from womgraph.analyse import cache

    with _store(tmp_path) as store:
        real_replace = os.replace

        def refuse(src, dst):
            raise OSError("read-only file system")

        monkeypatch.setattr(cache.os, "replace", refuse)
        a = cached_analysis(store)
        monkeypatch.setattr(cache.os, "replace", real_replace)
        assert a.classes.num_rows > 0 and a.advocates.num_rows > 0
        assert not any(store.cache_dir.iterdir())  # nothing half-written left behind
        assert a.classes.equals(cached_analysis(store).classes)


def test_cold_commands_run_at_once_all_answer_and_leave_one_entry(tmp_path):
    import subprocess
    import sys

    with _store(tmp_path):
        pass
    store = str(tmp_path / "s")
    cli = [sys.executable, "-c", "from womgraph.cli import main; main()", "-q", "--store", store]
    commands = [["advocates", "--format", "csv"], ["chains", "--format", "json"],
                ["report", "--format", "json"], ["interactions", "--format", "jsonl"]]
    procs = [subprocess.Popen(cli + c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in commands]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e for _, e in outs]
    assert all(o for o, _ in outs)
    entries = list((tmp_path / "s" / "cache").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".tmp-")
    again = [subprocess.run(cli + c, capture_output=True, text=True, timeout=300).stdout for c in commands]
    assert again == [o for o, _ in outs]  # the cached answers are the ones computed at once
