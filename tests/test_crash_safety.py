"""Crash safety of the embedded store: ``womgraph ingest`` killed with SIGKILL at random points
(seeded) and run again ends with exactly the store a clean ingest makes; two ingests at once
either wait for each other or one fails with the documented message, never a damaged store.

The input is 120,000 events in six files (each file at least one transaction), made with DuckDB
in a second, plus a seventh file that repeats ids of the first (some with other content) and
holds a few bad lines, so reruns meet duplicates, conflicts and rejects too.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from womgraph.errors import StoreError
from womgraph.store import EmbeddedStore
from womgraph.store.embedded import DB_FILE

FILES, PER_FILE = 6, 20_000
EVENTS = FILES * PER_FILE
SEED = 8
CLI = [sys.executable, "-c", "from womgraph.cli import main; main()"]
LOCKED = "The store at {store} is in use by another womgraph process. Wait for it to finish, or use another --store."


def make_files(folder: Path) -> list[Path]:
    con = duckdb.connect()
    paths = []
    for f in range(FILES):
        path = folder / f"events{f}.jsonl"
        con.execute(
            f"""
            COPY (SELECT 'e' || i AS id,
                         strftime(TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND, '%Y-%m-%dT%H:%M:%SZ') AS ts,
                         ['post', 'like', 'share', 'reply', 'mention', 'referral', 'recommendation',
                          'signup', 'purchase', 'review'][i % 10 + 1] AS type,
                         'u' || (i * 7919 % 5000) AS actor, 'u' || (i * 104729 % 5000) AS target,
                         'p' || (i // 3) AS post, 'text ' || i || ' with "quotes", commas and é' AS text
                  FROM range({f * PER_FILE}, {(f + 1) * PER_FILE}) r(i))
            TO '{path}' (FORMAT JSON)
            """
        )
        paths.append(path)
    con.close()
    first = paths[0].read_text(encoding="utf-8").splitlines()
    extra = folder / "again.jsonl"
    lines = first[:1000]  # duplicates
    for line in first[1000:1010]:  # conflicts: same id, other text
        rec = json.loads(line)
        rec["text"] += " (edited)"
        lines.append(json.dumps(rec))
    lines += ["{broken", '{"id": "x"}']
    extra.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths + [extra]


def ingest_args(store: Path, files: list[Path]) -> list[str]:
    return [*CLI, "--store", str(store), "-q", "ingest", "--format", "json", *map(str, files)]


def content(store: Path) -> list[tuple]:
    with EmbeddedStore(store, read_only=True, lock_timeout=30) as s:
        t = s.sql("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events").to_pylist()[0]
        rows = s.events(["id", "digest", "src", "line"]).sort_by("id").to_pylist()
    assert t["n"] == t["ids"], "an event id is stored twice"
    return [(r["id"], r["digest"], Path(r["src"]).name, r["line"]) for r in rows]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[list[Path], Path, float]:
    """The input files and a store made by one clean ingest, with how long it took."""
    folder = tmp_path_factory.mktemp("crash")
    files = make_files(folder)
    clean = folder / "clean"
    started = time.monotonic()
    proc = subprocess.run(ingest_args(clean, files), capture_output=True, text=True, timeout=300)
    took = time.monotonic() - started
    assert proc.returncode == 3, proc.stderr
    s = json.loads(proc.stdout)
    assert (s["inserted"], s["duplicates"], s["rejected"]) == (EVENTS, 1000, 12)
    return files, clean, took


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun_gives_the_clean_store(data, tmp_path):
    files, clean, took = data
    store = tmp_path / "store"
    rng = random.Random(SEED)
    killed = 0
    for _ in range(3):
        proc = subprocess.Popen(ingest_args(store, files), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.15, 0.95) * took)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.communicate(timeout=60)
        if not (store / DB_FILE).exists():  # killed before it made the store (a slow start): no store, as before
            with pytest.raises(StoreError, match="^No womgraph store at "):
                EmbeddedStore(store, read_only=True)
            continue
        with EmbeddedStore(store, read_only=True, lock_timeout=30) as s:  # opens after every kill
            n = s.counts()["events"]
        assert 0 <= n <= EVENTS
    assert killed >= 2, "the ingest finished before most kills: make the input larger"
    proc = subprocess.run(ingest_args(store, files), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr
    s = json.loads(proc.stdout)
    assert s["read"] == s["inserted"] + s["duplicates"] + s["rejected"]
    assert s["rejected"] == 12  # the conflicts and the bad lines, every run
    assert content(store) == content(clean)


@pytest.mark.slow
def test_two_ingests_at_once_wait_for_each_other_or_fail_clearly(data, tmp_path):
    files, _, _ = data
    store = tmp_path / "store"
    halves = [files[:3], files[3:6]]
    procs = [subprocess.Popen(ingest_args(store, h), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for h in halves]
    reader = subprocess.run([*CLI, "--store", str(store), "stats", "--format", "json"],
                            capture_output=True, text=True, timeout=120)
    outcomes = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    expected = 0
    for (out, err, code), half in zip(outcomes, halves):
        if code == 1:  # it waited longer than the lock timeout: the documented message, no data
            assert err == f"Error: {LOCKED.format(store=store)}\n"
        else:
            assert code == 0, err
            assert json.loads(out)["inserted"] == len(half) * PER_FILE
            expected += len(half) * PER_FILE
    assert expected, "neither ingest got the store"
    # A reader meanwhile waited for the store, or said clearly that it is in use (or, had it come
    # first, that there is no store yet).
    missing = (
        f"Error: No womgraph store at {store}: run `womgraph ingest FILE` or `womgraph demo` "
        "first, or point --store / WOMGRAPH_STORE at an existing store.\n"
    )
    assert reader.returncode == 0 or reader.stderr in (
        f"Error: {LOCKED.format(store=store)}\n",
        missing,
    ), reader.stderr
    with EmbeddedStore(store, read_only=True) as s:
        got = s.sql("SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events").to_pylist()[0]
    assert got == {"n": expected, "ids": expected}
