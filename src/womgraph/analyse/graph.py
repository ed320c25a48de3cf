"""igraph for the analysis' graph steps: communities and connected components.

igraph is imported here without its optional matplotlib plotting (0.5 s the analysis never
uses). Connected components come from igraph rather than scipy's sparse graph routines: the
analysis needs igraph for communities anyway, and importing ``scipy.sparse.csgraph`` cost 0.15 s
of every computed or refreshed analysis.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

__all__ = ["igraph", "components"]


#: Held while igraph is imported (see :func:`igraph`).
_IMPORTING = threading.Lock()


def igraph():
    """The igraph module, imported without matplotlib (when matplotlib is already loaded, a
    plotting command, igraph simply finds it). Threads take turns: one may be importing it
    while another asks."""
    with _IMPORTING:
        if "igraph" in sys.modules or "matplotlib" in sys.modules:
            import igraph as ig

            return ig
        sys.modules["matplotlib"] = None  # type: ignore[assignment]  # makes `import matplotlib` fail
        try:
            import igraph as ig
        finally:
            del sys.modules["matplotlib"]
        return ig


def components(n: int, sources: np.ndarray, targets: np.ndarray, *, strong: bool = False) -> np.ndarray:
    """The component of each of ``n`` nodes joined by the edges ``sources[i] -> targets[i]``:
    weakly connected (direction ignored), or strongly connected with ``strong``. Labels are
    arbitrary integers; nodes share one exactly when they share a component.

    >>> labels = components(5, np.array([0, 1, 3]), np.array([1, 0, 4]), strong=True)
    >>> bool(labels[0] == labels[1]), len(set(labels.tolist()))  # a 2-cycle, and three nodes alone
    (True, 4)
    >>> components(5, np.array([0, 3]), np.array([1, 4])).tolist()
    [0, 0, 1, 2, 2]
    """
    g = igraph().Graph(n=n, edges=np.column_stack([sources, targets]).astype(np.int64), directed=strong)
    return np.asarray(g.connected_components(mode="strong" if strong else "weak").membership, dtype=np.int64)
