"""Collect generated events block by block as NumPy columns, and draw realistic times.

Every block of events is added with one call (no Python loop per event); event ids are handed
out in order, so a later block can refer to an earlier event (a purchase's ``via``) or content
(a share's ``parent``). A content id is the event id of the event that created the content (for a
post carrying several mentions, the id of its first mention).

>>> import numpy as np
>>> from womgraph.generate.model import REASON
>>> buf = EventBuffer()
>>> ids = buf.add("post", np.array([10, 20]), np.array([5, 6]), REASON["social:post"], content=True)
>>> ids.tolist(), buf.count
([0, 1], 2)
>>> cols = buf.finish()
>>> cols["post"].tolist(), cols["target"].tolist()
([0, 1], [-1, -1])
"""

from __future__ import annotations

import numpy as np

from .model import DAY, HOUR, SPAN, TYPE

__all__ = ["COLUMNS", "EventBuffer", "cumulative_gaps", "delay", "spread"]

#: Column -> (dtype, value meaning "absent").
COLUMNS: dict[str, tuple[type, object]] = {
    "eid": (np.int64, None),
    "ts": (np.int64, None),
    "type": (np.int8, None),
    "actor": (np.int32, None),
    "reason": (np.int16, None),
    "target": (np.int32, -1),
    "post": (np.int64, -1),
    "parent": (np.int64, -1),
    "channel": (np.int8, -1),
    "text": (np.int32, -1),
    "value": (np.float64, np.nan),
    "via_kind": (np.int8, 0),
    "via_ref": (np.int64, -1),
    "paid": (np.bool_, False),
    "campaign": (np.int8, -1),
    "rating": (np.int8, 0),
}


def _col(value, n: int, dtype) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.full(n, arr, dtype=dtype)
    if len(arr) != n:
        raise ValueError(f"column has {len(arr)} values for {n} events")
    return arr.astype(dtype, copy=False)


class EventBuffer:
    """Blocks of events, concatenated by :meth:`finish`."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, np.ndarray]] = []
        self.count = 0

    def add(self, type_: str, ts, actor, reason, *, content: bool = False, **cols) -> np.ndarray:
        """Add events of one type; return their ids.

        Parameters
        ----------
        type_ : str
            An event type of the interchange format.
        ts, actor : array_like
            Times (seconds after T0, inside the period) and acting account indices.
        reason : int or array_like
            A code of :data:`~womgraph.generate.model.REASON` (or
            :data:`~womgraph.generate.model.PENDING` for adoptions), one or per event.
        content : bool
            Each event creates content whose id (``post``) is its own event id.
        **cols
            Other columns of :data:`COLUMNS`, scalars or arrays; ``None`` leaves one absent.

        Returns
        -------
        ndarray of int64
            The new events' ids, consecutive.
        """
        ts = np.asarray(ts, dtype=np.int64)
        n = len(ts)
        if n and (ts.min() < 0 or ts.max() >= SPAN):
            raise ValueError(f"{type_} events outside the generated period")
        eid = np.arange(self.count, self.count + n, dtype=np.int64)
        self.count += n
        block = {
            "eid": eid,
            "ts": ts,
            "type": np.full(n, TYPE[type_], dtype=np.int8),
            "actor": _col(actor, n, np.int32),
            "reason": _col(reason, n, np.int16),
        }
        if content:
            block["post"] = eid
        for name, value in cols.items():
            if value is None:
                continue
            if name not in COLUMNS:
                raise KeyError(f"unknown event column {name!r}")
            block[name] = _col(value, n, COLUMNS[name][0])
        self.blocks.append(block)
        return eid

    def finish(self) -> dict[str, np.ndarray]:
        """All events as one column per name, in id order."""
        out = {}
        for name, (dtype, absent) in COLUMNS.items():
            parts = [
                b[name] if name in b else np.full(len(b["eid"]), absent, dtype=dtype)
                for b in self.blocks
            ]
            out[name] = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
        return out


# -- time ------------------------------------------------------------------------------------
#: Relative activity per hour of the day (UTC), quiet at night, busy in the evening.
_HOURLY = np.array(
    [
        1.0,
        0.6,
        0.4,
        0.3,
        0.3,
        0.5,
        1.0,
        2.0,
        3.0,
        3.5,
        3.5,
        3.5,
        4.0,
        3.5,
        3.5,
        3.5,
        4.0,
        4.5,
        5.0,
        5.5,
        5.5,
        5.0,
        3.5,
        2.0,
    ]
)
_CDF = np.concatenate([[0.0], np.cumsum(_HOURLY) / _HOURLY.sum()])
_KNOTS = np.arange(25) * HOUR


def spread(rng: np.random.Generator, lo, hi, n: int | None = None) -> np.ndarray:
    """Times in ``[lo, hi)`` (seconds), uniform over days and shaped by the daily rhythm.

    Parameters
    ----------
    rng : numpy.random.Generator
    lo, hi : int or ndarray
        Bounds, scalars or one per time.
    n : int, optional
        How many times (defaults to the length of the bounds).

    Returns
    -------
    ndarray of int64

    >>> t = spread(np.random.default_rng(0), 0, 7 * DAY, 1000)
    >>> bool(t.min() >= 0 and t.max() < 7 * DAY)
    True
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    if n is None:
        n = int(np.broadcast(lo, hi).size)
    lo = np.broadcast_to(lo, (n,))
    hi = np.broadcast_to(hi, (n,))
    width = np.maximum(hi - lo, 1)
    t = lo + (rng.random(n) * width).astype(np.int64)
    day = t // DAY
    tod = np.interp((t % DAY) / DAY, _CDF, _KNOTS).astype(np.int64)
    warped = day * DAY + tod
    # only reshape when the interval spans days; keep every time inside its interval
    use = (width >= DAY) & (warped >= lo) & (warped < hi)
    return np.where(use, warped, t)


def delay(rng: np.random.Generator, n: int, median: float, sigma: float, cap: float) -> np.ndarray:
    """Log-normal reaction delays in whole seconds (at least 1, at most ``cap``).

    >>> d = delay(np.random.default_rng(0), 1000, 3600, 1.0, 86400)
    >>> bool(d.min() >= 1 and d.max() <= 86400 and 2000 < np.median(d) < 5000)
    True
    """
    d = median * np.exp(sigma * rng.standard_normal(n))
    return np.clip(d, 1, cap).astype(np.int64)


def cumulative_gaps(groups: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """Running sum of ``gaps`` restarting at every new value of the sorted key ``groups``.

    >>> cumulative_gaps(np.array([0, 0, 1, 1, 1]), np.array([1, 2, 3, 4, 5])).tolist()
    [1, 3, 3, 7, 12]
    """
    if len(gaps) == 0:
        return gaps.copy()
    total = np.cumsum(gaps)
    start = np.r_[True, groups[1:] != groups[:-1]]
    first = np.flatnonzero(start)
    before = np.r_[0, total[first[1:] - 1]]
    return total - np.repeat(before, np.diff(np.r_[first, len(gaps)]))
