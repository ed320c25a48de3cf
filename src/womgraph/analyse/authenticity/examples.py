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
#: The table ``examples`` an analysis leaves (and keeps in its state, for a refresh).
_COLUMNS = "actor VARCHAR, " + ", ".join(f"{k} STRUCT(ts TIMESTAMPTZ, id VARCHAR)[]" for k in _KINDS)


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

    def resolve(self, con, disclosure: str, kept: tuple[str, str] | None = None) -> None:
        """Fill every list handed out, from the events ``ev`` on ``con``, and leave the table
        ``examples`` (actor and the first :data:`_MOST` of each kind, as (ts, id) structs).

        With ``kept`` (``(table, new)``: a refresh), ``table`` holds such rows as of the kept
        events, and ``new`` the events after every kept one: the rows are brought up to date
        from the new events alone (the first few of all events are the first few of the kept
        ones' and the new ones'), and only accounts without a kept row are looked up in ``ev``
        (a scan of its actors: 0.2 s at 10M events). ``examples`` then holds the kept accounts
        as well as the ones asked for."""
        wanted = sorted(set().union(*self._accounts.values()))
        con.execute(f"CREATE OR REPLACE TEMP TABLE examples ({_COLUMNS})")
        register(con, "_examples_of", pa.table({"actor": pa.array(wanted, pa.string())}))
        try:
            lists = _lists(disclosure)
            if kept is not None:
                table, new = kept
                merged = ", ".join(  # the new events come after every kept one: no sort
                    f"list_slice(list_concat(k.{kind}, coalesce(n.{kind}, [])), 1, {_MOST})"
                    for kind in _KINDS
                )
                con.execute(
                    f"""
                    INSERT INTO examples
                    SELECT k.actor, {merged} FROM {table} k
                    LEFT JOIN (SELECT actor, {lists} FROM {new}
                               WHERE actor IN (SELECT actor FROM {table}) GROUP BY actor) n USING (actor)
                    """
                )
            if wanted:
                missing = "(SELECT actor FROM _examples_of WHERE actor NOT IN (SELECT actor FROM examples))"
                # Accounts without events get empty lists: a refresh then finds them kept.
                con.execute(
                    f"""
                    INSERT INTO examples
                    SELECT w.actor, {', '.join(f'coalesce(x.{k}, [])' for k in _KINDS)}
                    FROM {missing} w
                    LEFT JOIN (SELECT actor, {lists} FROM ev WHERE actor IN {missing} GROUP BY actor) x
                      USING (actor)
                    """
                )
            as_pairs = ", ".join(  # (microseconds, id): ordered as (ts, id), no datetimes made
                f"list_transform({k}, lambda e: {{'us': epoch_us(e.ts), 'id': e.id}})" for k in _KINDS
            )
            rows = con.execute(
                f"SELECT actor, {as_pairs} FROM examples WHERE actor IN (SELECT actor FROM _examples_of)"
            ).fetchall() if wanted else []
        finally:
            unregister(con, "_examples_of")
        found = {kind: {} for kind in _KINDS}
        for actor, *per_kind in rows:
            for kind, events in zip(_KINDS, per_kind):
                found[kind][actor] = [(e["us"], e["id"]) for e in events]
        for kind, out, n in self._singles:
            for account in out:
                out[account].extend(i for _, i in found[kind].get(account, [])[:n])
        for kind, members, n, out in self._groups:
            merged_events = sorted(e for m in members for e in found[kind].get(m, []))
            out.extend(i for _, i in merged_events[:n])


def _lists(disclosure: str) -> str:
    """The first few events of each kind, per actor: a top-n, not a sort."""
    return ", ".join(
        f"coalesce(min({{'ts': ts, 'id': id}}, {_MOST}) "
        f"FILTER (WHERE {cond.format(disclosure=literal(disclosure))}), []) AS {kind}"
        for kind, cond in _KINDS.items()
    )


@contextmanager
def collecting(frame, kept: tuple[str, str] | None = None) -> Iterator[Examples]:
    """The frame's collector of example requests; the outermost block resolves them (``kept``
    as in :meth:`Examples.resolve`)."""
    outer = getattr(frame, "examples", None)
    if outer is not None:
        yield outer
        return
    frame.examples = Examples()
    try:
        yield frame.examples
        frame.examples.resolve(frame.con, frame.disclosure_regex(), kept)
    finally:
        frame.examples = None
