"""Louvain (igraph's multilevel algorithm) on an undirected weighted graph, here or in a
process of its own.

igraph holds the GIL for the whole of ``community_multilevel`` (measured: a Python thread
spinning beside it got 2 turns in 1 s), so in a thread it stops the analysis' own steps until it
is done: 0.3 s at 10M events (93k edges). A large graph therefore goes to a worker process
(:class:`Worker`), started as soon as the graph is known, and the analysis goes on beside it.
The worker runs the very same :func:`louvain`, so its labels are the same as here. When a large
graph is expected, :func:`worker_ready` starts the process earlier, so that its interpreter and
imports (~0.12 s) are done by the time the graph is known.

The worker imports only NumPy and igraph (this module and ``analyse.graph`` must not import the
rest of womgraph): it reads ``"n m seed\\n"`` and the sources, targets (int64) and weights
(float64) from stdin, and writes the ``n`` labels (int64) to stdout.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .graph import igraph as _igraph

__all__ = ["Worker", "louvain", "serve", "waiting", "worker_ready"]


def louvain(sources: np.ndarray, targets: np.ndarray, weights: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Community label per node (0 = largest community) of an undirected weighted graph.

    >>> s = np.array([0, 1, 2, 3, 4, 5, 2]); t = np.array([1, 2, 0, 4, 5, 3, 3])
    >>> louvain(s, t, np.ones(7), 6).tolist()  # two triangles joined by one edge
    [0, 0, 0, 1, 1, 1]
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ig = _igraph()

    g = ig.Graph(n=n, edges=np.column_stack([sources, targets]).astype(np.int64), directed=False)
    g.es["weight"] = weights
    # A generator of its own (the same numbers as the module's after ``random.seed(seed)``):
    # nothing else that draws from ``random`` meanwhile, in this thread or another, changes them.
    ig.set_random_number_generator(random.Random(seed))
    labels = np.asarray(g.community_multilevel(weights="weight").membership, dtype=np.int64)
    # Renumber: largest first, ties by the smallest node index.
    sizes = np.bincount(labels)
    first = np.full(len(sizes), n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    order = np.lexsort((first, -sizes))
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    return remap[labels]


class Worker:
    """:func:`louvain` in a process of its own, started at once (or taken from
    :func:`worker_ready`); :meth:`labels` waits for it.

    A background thread hands the graph over and collects the answer, so neither side waits
    on a full pipe; should the caller give up early, the worker still ends with its task."""

    #: The command that runs :func:`serve` with this copy of womgraph (tests replace it).
    command: list[str] | None = None

    def __init__(self, sources: np.ndarray, targets: np.ndarray, weights: np.ndarray, n: int, seed: int = 0) -> None:
        self.n = n
        message = b"".join([
            f"{n} {len(sources)} {seed}\n".encode(),
            np.ascontiguousarray(sources, dtype="<i8").tobytes(),
            np.ascontiguousarray(targets, dtype="<i8").tobytes(),
            np.ascontiguousarray(weights, dtype="<f8").tobytes(),
        ])
        self._process = _READY.pop() if _READY else _spawn()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="womgraph-louvain")
        self._answer: Future = pool.submit(self._process.communicate, message)
        pool.shutdown(wait=False)  # the thread ends with its one task

    def labels(self) -> np.ndarray:
        out, err = self._answer.result()
        if self._process.returncode != 0 or len(out) != 8 * self.n:
            lines = err.decode(errors="replace").strip().splitlines()
            if lines:
                why = lines[-1]
            elif self._process.returncode != 0:
                why = f"exit status {self._process.returncode}"
            else:
                why = f"{len(out)} bytes of labels for {self.n} nodes"
            raise RuntimeError(f"finding communities failed in the Louvain worker process: {why}")
        return np.frombuffer(out, dtype="<i8").astype(np.int64)


#: Worker processes started ahead by :func:`worker_ready`, waiting for a graph.
_READY: list[subprocess.Popen] = []


def _spawn() -> subprocess.Popen:
    return subprocess.Popen(
        Worker.command or _command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def waiting() -> bool:
    """Is a worker process started ahead waiting for a graph?"""
    return bool(_READY)


@contextmanager
def worker_ready() -> Iterator[None]:
    """Start a worker process now, for the first :class:`Worker` made within the block; one left
    unused when the block ends is told that no graph comes, and waited for."""
    process = _spawn()
    _READY.append(process)
    try:
        yield
    finally:
        if process in _READY:
            _READY.remove(process)
            process.communicate(b"")  # no graph: it ends once its imports are done (< 0.2 s)


def _command() -> list[str]:
    # -P: nothing from the working directory shadows NumPy or igraph; the folder holding this
    # copy of womgraph goes first, whatever PYTHONPATH or sys.path the caller had.
    root = str(Path(__file__).resolve().parents[2])
    script = f"import sys; sys.path.insert(0, {root!r}); from womgraph.analyse.louvain import serve; serve()"
    return [sys.executable, "-P", "-c", script]


def serve() -> None:
    """The worker's side of :class:`Worker`: read one graph from stdin, write its labels to stdout.
    igraph is imported first, while the graph may still be on its way; no graph (an empty
    stdin, from a worker started ahead and not needed) ends it without a word."""
    _igraph()
    data = sys.stdin.buffer.read()
    if not data:
        return
    head, _, body = data.partition(b"\n")
    n, m, seed = (int(x) for x in head.split())
    sources = np.frombuffer(body, dtype="<i8", count=m)
    targets = np.frombuffer(body, dtype="<i8", count=m, offset=8 * m)
    weights = np.frombuffer(body, dtype="<f8", count=m, offset=16 * m)
    sys.stdout.buffer.write(louvain(sources, targets, weights, n, seed).astype("<i8").tobytes())
    sys.stdout.buffer.flush()
