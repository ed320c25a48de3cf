"""Roots of content: follow ``parent`` links to the top of each thread, with NumPy pointer jumping.

A thread of replies and shares can be long (a share of a share of ... a brand post); pointer
jumping finds every root in O(log depth) vectorised passes. Cycles (a parent link that comes back
around) and unknown parents stop the walk; content on a cycle has no root (-1).
"""

from __future__ import annotations

import numpy as np

__all__ = ["find_roots"]


def find_roots(parent: np.ndarray, max_passes: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Root index and hop count for every node of a parent-pointer forest.

    Parameters
    ----------
    parent : ndarray of int
        ``parent[i]`` is the index of i's parent, or -1 when i has none (or it is unknown).

    Returns
    -------
    root : ndarray of int
        The index of i's root, or -1 when i sits on (or hangs below) a cycle.
    hops : ndarray of int
        Links between i and its root (0 for a root, -1 with no root).

    Examples
    --------
    A path 0 <- 1 <- 2, a lone node 3, and a cycle 4 <-> 5 with 6 hanging below it:

    >>> r, h = find_roots(np.array([-1, 0, 1, -1, 5, 4, 4]))
    >>> r.tolist(), h.tolist()
    ([0, 0, 0, 3, -1, -1, -1], [0, 1, 2, 0, -1, -1, -1])
    """
    n = len(parent)
    idx = np.arange(n, dtype=np.int64)
    par = np.where(parent >= 0, parent, idx).astype(np.int64)
    hops = (par != idx).astype(np.int64)
    has_parent = parent >= 0
    pending = n + 1
    for _ in range(max_passes):
        # A node is finished once it points at a true root. Every chain of depth d has nodes at
        # all depths below d, so each pass finishes some node until only cycles are left.
        unfinished = int(np.count_nonzero(has_parent[par]))
        if unfinished == 0 or unfinished >= pending:
            break
        pending = unfinished
        hops = hops + hops[par]
        par = par[par]
    ok = ~has_parent[par]
    return np.where(ok, par, -1), np.where(ok, hops, -1)
