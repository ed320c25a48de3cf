"""Louvain on a large peer graph runs in a worker process beside the analysis
(``analyse.louvain.Worker``, chosen by ``communities.Pending``): its labels must be exactly
those of :func:`louvain` run here, whatever else draws from ``random``, and a failure in the
worker must reach the caller with what went wrong."""

from __future__ import annotations

import random
import subprocess
import sys
import threading

import numpy as np
import pyarrow as pa
import pytest

from womgraph.analyse import communities
from womgraph.analyse import louvain as louvain_module
from womgraph.analyse.communities import Pending, louvain
from womgraph.analyse.louvain import Worker
from womgraph.analyse.pipeline import analyse_store
from womgraph.generate import generate_community
from womgraph.ingest import ingest
from womgraph.store import EmbeddedStore


def _graph(seed: int = 7, n: int = 400, m: int = 1600):
    rng = np.random.default_rng(seed)
    # a few dense groups with light links between them: Louvain has choices to make
    group = rng.integers(0, 8, n)
    s, t = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = (group[s] == group[t]) | (rng.random(m) < 0.1)
    s, t = s[keep], t[keep]
    return s, t, rng.integers(1, 4, len(s)).astype(float), n


def _tables(s, t, w, n):
    return pa.table({"node": [f"u{i}" for i in range(n)]}), pa.table({"s": s, "t": t, "w": w.astype(np.int64)})


def test_the_same_labels_whatever_else_draws_from_random():
    s, t, w, n = _graph()
    first = louvain(s, t, w, n, seed=3)
    stop = threading.Event()

    def noise():
        while not stop.is_set():
            random.random()

    other = threading.Thread(target=noise)
    other.start()
    try:
        again = [louvain(s, t, w, n, seed=3) for _ in range(3)]
    finally:
        stop.set()
        other.join()
    random.seed(12345)
    assert all(np.array_equal(first, a) for a in again)
    assert np.array_equal(first, louvain(s, t, w, n, seed=3))
    assert len(set(first.tolist())) > 1


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_the_worker_process_gives_the_labels_of_louvain_here(seed):
    s, t, w, n = _graph(seed=seed + 1)
    here = louvain(s, t, w, n, seed=seed)
    assert np.array_equal(Worker(s, t, w, n, seed).labels(), here)
    nodes, edges = _tables(s, t, w, n)
    by_process = Pending(nodes, edges, seed, process=True)
    assert by_process._worker is not None
    assert np.array_equal(by_process.labels(), here)
    in_here = Pending(nodes, edges, seed, process=False)
    assert in_here._worker is None
    assert np.array_equal(in_here.labels(), here)


def test_large_graphs_go_to_the_worker(monkeypatch):
    s, t, w, n = _graph()
    nodes, edges = _tables(s, t, w, n)
    monkeypatch.setattr(communities, "PROCESS_EDGES", len(s) + 1)
    assert Pending(nodes, edges, 3)._worker is None
    monkeypatch.setattr(communities, "PROCESS_EDGES", len(s))
    assert Pending(nodes, edges, 3)._worker is not None


def test_an_empty_graph_in_the_worker():
    empty = np.zeros(0, dtype=np.int64)
    assert Worker(empty, empty, np.zeros(0), 0).labels().tolist() == []


def test_a_failing_worker_says_why(monkeypatch):
    s, t, w, n = _graph()
    monkeypatch.setattr(Worker, "command", [sys.executable, "-c", "import sys; sys.exit('igraph is missing')"])
    with pytest.raises(RuntimeError) as info:
        Worker(s, t, w, n, 3).labels()
    assert str(info.value) == "finding communities failed in the Louvain worker process: igraph is missing"
    monkeypatch.setattr(Worker, "command", [sys.executable, "-c", "import sys; sys.stdout.write('x')"])
    with pytest.raises(RuntimeError) as info:  # exits 0 but answers nonsense
        Worker(s, t, w, n, 3).labels()
    assert str(info.value) == "finding communities failed in the Louvain worker process: 1 bytes of labels for 400 nodes"
    monkeypatch.setattr(Worker, "command", [sys.executable, "-c", "import os; os.kill(os.getpid(), 9)"])
    with pytest.raises(RuntimeError) as info:  # killed (say, by the out-of-memory killer)
        Worker(s, t, w, n, 3).labels()
    assert str(info.value) == "finding communities failed in the Louvain worker process: exit status -9"


def test_an_analysis_finds_the_same_communities_with_the_worker(tmp_path, monkeypatch):
    gen = tmp_path / "gen"
    generate_community(gen, people=400, seed=5)
    with EmbeddedStore(tmp_path / "store") as store:
        ingest(store, [gen / "events.jsonl"], accounts=[gen / "accounts.jsonl"])
        monkeypatch.setattr(communities, "PROCESS_EDGES", 10**12)
        here = analyse_store(store)
        monkeypatch.setattr(communities, "PROCESS_EDGES", 0)
        spawned = []
        real = Worker.__init__

        def counting(self, *args):
            spawned.append(args[3])
            real(self, *args)

        monkeypatch.setattr(Worker, "__init__", counting)
        worker = analyse_store(store)
    assert spawned and spawned[0] > 10  # the peer graph went to the worker
    assert worker.communities.to_pydict() == here.communities.to_pydict()
    assert worker.community_health.to_pydict() == here.community_health.to_pydict()
    assert len(set(here.communities.column("community").to_pylist())) > 1


def test_a_worker_started_ahead_takes_the_graph(monkeypatch):
    s, t, w, n = _graph()
    nodes, edges = _tables(s, t, w, n)
    monkeypatch.setattr(communities, "PROCESS_EDGES", 10**12)  # small: done here, unless...
    with louvain_module.worker_ready():
        ready = louvain_module._READY[0]
        pending = Pending(nodes, edges, 3)  # ... a worker is waiting
        assert pending._worker is not None and pending._worker._process is ready
        assert not louvain_module.waiting()
        assert np.array_equal(pending.labels(), louvain(s, t, w, n, seed=3))
    assert ready.returncode == 0
    assert Pending(nodes, edges, 3)._worker is None  # none waiting after the block


def test_a_worker_started_ahead_and_not_needed_ends_quietly():
    with louvain_module.worker_ready():
        ready = louvain_module._READY[0]
    assert ready.returncode == 0  # it read no graph, and said nothing about it: see serve()
    assert not louvain_module.waiting()


def test_a_worker_given_no_graph_says_nothing():
    done = subprocess.run(louvain_module._command(), input=b"", capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def test_a_worker_started_ahead_ends_when_the_block_fails():
    with pytest.raises(KeyError), louvain_module.worker_ready():
        ready = louvain_module._READY[0]
        raise KeyError("x")
    assert ready.returncode == 0 and not louvain_module.waiting()
