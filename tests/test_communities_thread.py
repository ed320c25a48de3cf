"""Louvain runs in a thread beside the analysis' SQL steps (``communities.start``): its answer
must not depend on that, nor on anything else drawing from ``random`` meanwhile."""

from __future__ import annotations

import random
import threading

import numpy as np
import pyarrow as pa
import pytest

from womgraph.analyse import communities
from womgraph.analyse.communities import Pending, louvain


def _graph(seed: int = 7, n: int = 400, m: int = 1600):
    rng = np.random.default_rng(seed)
    # a few dense groups with light links between them: Louvain has choices to make
    group = rng.integers(0, 8, n)
    s, t = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = (group[s] == group[t]) | (rng.random(m) < 0.1)
    s, t = s[keep], t[keep]
    return s, t, np.ones(len(s)), n


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


def test_pending_gives_louvain_labels_and_hands_errors_over(monkeypatch):
    s, t, w, n = _graph()
    nodes = pa.table({"node": [f"u{i}" for i in range(n)]})
    edges = pa.table({"s": s, "t": t, "w": w.astype(np.int64)})
    assert np.array_equal(Pending(nodes, edges, 3).labels(), louvain(s, t, w, n, seed=3))

    def broken(*args):
        raise RuntimeError("louvain failed")

    monkeypatch.setattr(communities, "louvain", broken)
    pending = Pending(nodes, edges, 3)  # the error happens in the thread ...
    with pytest.raises(RuntimeError, match="louvain failed"):  # ... and reaches the caller here
        pending.labels()
