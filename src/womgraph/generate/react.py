"""Reactions to content (likes, shares, replies) drawn for many pieces of content at once.

>>> import numpy as np
>>> from womgraph.generate.population import Population
>>> from womgraph.generate.model import REASON
>>> ctx = Ctx(np.random.default_rng(0), Population.build(np.random.default_rng(0), 500))
>>> author = np.array([ctx.pop.g0])
>>> post = ctx.buf.add("post", [100], author, REASON["social:post"], content=True)
>>> likes = react(ctx, Content(post, np.array([100]), author, np.array([0])), np.array([3]),
...               "like", REASON["social:like"])
>>> bool((likes.ts > 100).all()) and 1 <= len(likes) <= 3
True
"""

from __future__ import annotations

import numpy as np

from .frame import delay
from .model import HOUR, SPAN
from .state import Content, Ctx

__all__ = ["pairs_unique", "react"]


def pairs_unique(a: np.ndarray, b: np.ndarray, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b) pairs, sorted by a then b (``b < base``).

    >>> [x.tolist() for x in pairs_unique(np.array([1, 0, 1]), np.array([2, 3, 2]), 10)]
    [[0, 1], [3, 2]]
    """
    key = np.sort(a.astype(np.int64) * base + b.astype(np.int64))
    if len(key):
        key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // base, key % base


def react(
    ctx: Ctx,
    parent: Content,
    counts: np.ndarray,
    type_: str,
    reason,
    *,
    pool: np.ndarray | None = None,
    median: float = 3 * HOUR,
    sigma: float = 1.4,
    cap: float = 10 * 24 * HOUR,
    content: bool = False,
    text: str | None = None,
) -> Content:
    """``counts[i]`` reactions of type ``type_`` to ``parent[i]``, by friends of its author
    (or by people drawn from ``pool``); one per person and content, never by the author.

    Parameters
    ----------
    ctx : Ctx
        Generator state; the reactions are added to ``ctx.buf``.
    parent : Content
        The content reacted to; each reaction's ``target`` is its author.
    counts : ndarray of int
        Reactions wanted per piece of content (duplicates and the author are dropped).
    type_ : str
        ``like``, ``share`` or ``reply``.
    reason : int or ndarray
        Reason code of the reactions, or one per parent.
    pool : ndarray, optional
        Draw reacting people from these accounts instead of the author's friends.
    median, sigma, cap : float
        Log-normal delay after the content, in seconds.
    content : bool
        Whether the reactions create content (shares and replies do).
    text : str, optional
        Template category of the reactions' text.

    Returns
    -------
    Content
        The reactions written (reactions after the period are dropped).
    """
    rng, pop = ctx.rng, ctx.pop
    idx = np.repeat(np.arange(len(parent), dtype=np.int64), counts)
    if pool is None:
        actor = pop.friends(rng, parent.actor[idx])
    else:
        actor = pool[rng.integers(0, len(pool), len(idx))] if len(pool) else idx[:0]
        idx = idx[: len(actor)]
    keep = actor != parent.actor[idx]
    idx, actor = pairs_unique(idx[keep], actor[keep], pop.n)
    ts = parent.ts[idx] + delay(rng, len(idx), median, sigma, cap)
    keep = ts < SPAN
    idx, actor, ts = idx[keep], actor[keep], ts[keep]
    reason_arr = np.asarray(reason)
    r = reason_arr[idx] if reason_arr.ndim else reason_arr
    eid = ctx.buf.add(
        type_,
        ts,
        actor,
        r,
        content=content,
        target=parent.actor[idx],
        parent=parent.eid[idx],
        channel=parent.channel[idx],
        text=ctx.texts.pick(rng, text, len(idx)) if text else None,
    )
    return Content(eid, ts, actor, parent.channel[idx].astype(np.int64))
