"""The example events a flag shows, looked up for every detector in one pass over the events.

The detectors read counts from the tallies (``analyse.tallies``) and need the events themselves
only for the few accounts they flag: the first likes, the first events, the first undisclosed
partner posts, in ``(ts, id)`` order. Each asks for them while it builds its flags and gets lists
that are filled in place when the outermost :func:`collecting` block ends, so all of them cost
one scan of the events instead of one each.

>>> ex = Examples()
>>> picks = ex.first("likes", ["bot"], 2)
>>> picks["bot"]  # filled by resolve()
[]
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pyarrow as pa

from ...duck import literal, register, unregister

__all__ = ["Examples", "collecting"]

#: What each kind of example is: a condition on the events of ``ev``; ``{disclosure}`` is the
#: disclosure pattern of the frame.
_KINDS = {
    "likes": "type = 'like'",
    "events": "true",
    "undisclosed": (
        "type IN ('post', 'mention', 'share', 'reply', 'review') AND NOT coalesce(paid, false) "
        "AND NOT regexp_matches(lower(coalesce(text, '')), {disclosure})"
    ),
}
#: The most examples of one kind any flag shows, per account (a group's come from its members').
_MOST = 10


class Examples:
    """Requests for example events, answered together by :meth:`resolve`."""

    def __init__(self) -> None:
        self._accounts: dict[str, set[str]] = {k: set() for k in _KINDS}
        self._singles: list[tuple[str, dict[str, list], int]] = []
        self._groups: list[tuple[str, list[str], int, list]] = []

    def first(self, kind: str, accounts: list[str], n: int) -> dict[str, list[str]]:
        """The ids of the first ``n`` events of ``kind`` of each account (filled on resolve)."""
        out: dict[str, list[str]] = {a: [] for a in accounts}
        self._accounts[kind].update(accounts)
        self._singles.append((kind, out, n))
        return out

    def first_of_group(self, kind: str, members: list[str], n: int) -> list[str]:
        """The ids of the first ``n`` events of ``kind`` of any of ``members`` (filled on resolve)."""
        out: list[str] = []
        self._accounts[kind].update(members)
        self._groups.append((kind, members, n, out))
        return out

    def resolve(self, con, disclosure: str) -> None:
        """Fill every list handed out, with one query over the events ``ev`` on ``con``."""
        wanted = sorted(set().union(*self._accounts.values()))
        if not wanted:
            return
        lists = ", ".join(  # the first few of each: a top-n, not a sort
            f"coalesce(min({{'ts': ts, 'id': id}}, {_MOST}) "
            f"FILTER (WHERE {cond.format(disclosure=literal(disclosure))}), []) AS {kind}"
            for kind, cond in _KINDS.items()
        )
        register(con, "_examples_of", pa.table({"actor": wanted}))
        try:
            rows = con.execute(
                f"SELECT actor, {lists} FROM ev WHERE actor IN (SELECT actor FROM _examples_of) GROUP BY actor"
            ).fetchall()
        finally:
            unregister(con, "_examples_of")
        found = {kind: {} for kind in _KINDS}
        for actor, *per_kind in rows:
            for kind, events in zip(_KINDS, per_kind):
                found[kind][actor] = [(e["ts"], e["id"]) for e in events]
        for kind, out, n in self._singles:
            for account in out:
                out[account].extend(i for _, i in found[kind].get(account, [])[:n])
        for kind, members, n, out in self._groups:
            merged = sorted(e for m in members for e in found[kind].get(m, []))
            out.extend(i for _, i in merged[:n])


@contextmanager
def collecting(frame) -> Iterator[Examples]:
    """The frame's collector of example requests; the outermost block resolves them."""
    outer = getattr(frame, "examples", None)
    if outer is not None:
        yield outer
        return
    frame.examples = Examples()
    try:
        yield frame.examples
        frame.examples.resolve(frame.con, frame.disclosure_regex())
    finally:
        frame.examples = None
