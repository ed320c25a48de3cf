"""Referral fraud: self-referral through shared identifiers, cycles, harvesting, sign-up bursts.

Identifiers that link identities are ``email_hash``, ``device_hash`` and ``payment_hash``. A
shared ``ip_hash`` alone never flags anyone (households and offices share addresses); it is only
listed as context in the evidence.

- ``shared_identity_referral``: an invitation (referral/recommendation) between two accounts that
  share an identifier; the flag covers the identity group (accounts linked by shared
  identifiers) of those accounts that took part in such invitations.
- ``referral_cycle``: invitations that go around (a strongly connected group). Flagged as
  suspicious only with corroboration (a shared identifier or harvesting inside the cycle);
  otherwise a low-severity note that does not change classes.
- ``reward_harvesting``: a referrer with at least ``harvest_min_referees`` referees whose whole
  activity is one minimal purchase (at most ``harvest_value_share`` (half) of the median
  purchase value), making at least half of their referees. Friends who each buy once at a normal
  price are what a real advocate brings, so they never count.
- ``signup_burst``: at least ``burst_min`` first adoptions within ``burst_hours`` by accounts that
  share one identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ...duck import register, unregister
from ..frame import Frame
from ..graph import components

__all__ = ["ReferralThresholds", "referral_flags", "IDENTITY_LINKS", "REFERRAL_TALLIES"]

IDENTITY_LINKS = ("email_hash", "device_hash", "payment_hash")
#: The tallies (``analyse.tallies``) these detectors read, and all they read.
REFERRAL_TALLIES = ("actor_stats", "adopt_ev", "fr_ids", "fr_inv")


@dataclass(frozen=True)
class ReferralThresholds:
    harvest_min_referees: int = 3
    harvest_value_share: float = 0.5
    burst_min: int = 3
    burst_hours: float = 24.0


def _shared_identity(frame: Frame) -> list[dict]:
    con = frame.con
    rows = con.execute(
        """
        WITH hits AS (
            SELECT i.id, i.src, i.dst, list(DISTINCT a.link ORDER BY a.link) AS links
            FROM fr_inv i JOIN fr_ids a ON a.account = i.src
            JOIN fr_ids b ON b.account = i.dst AND b.link = a.link AND b.value = a.value
            GROUP BY i.id, i.src, i.dst
        )
        SELECT * FROM hits ORDER BY id
        """
    ).fetchall()
    if not rows:
        return []
    # Group the accounts of these invitations by shared-identifier components.
    names, inv = np.unique(np.array([[r[1], r[2]] for r in rows]).ravel(), return_inverse=True)
    src, dst = inv[0::2], inv[1::2]
    labels = components(len(names), src, dst)
    # Each invitation belongs to its source's component (the rows are in id order).
    events_of: dict[int, list[str]] = {}
    links_of: dict[int, set[str]] = {}
    for r, label in zip(rows, labels[src].tolist()):
        events_of.setdefault(label, []).append(r[0])
        links_of.setdefault(label, set()).update(r[3])
    flags = []
    for label in np.unique(labels).tolist():
        members = sorted(names[labels == label].tolist())
        events = events_of.get(label, [])
        links = sorted(links_of.get(label, ()))
        flags.append(
            {
                "kind": "referral_fraud",
                "rule": "shared_identity_referral",
                "severity": "high",
                "accounts": members,
                "evidence": {"events": events[:20], "values": {"invitations": len(events), "shared": links}},
                "affects_class": True,
            }
        )
    return flags


def _cycles(frame: Frame, corroborated: set[str]) -> list[dict]:
    con = frame.con
    # Only an invitation from someone invited to someone who invites can lie on a cycle: the
    # others go before the strongly connected components are looked for (at 10M events 35k
    # invitations leave a few dozen, and building the graph of all of them cost 0.05 s).
    links = con.execute(
        """
        WITH e AS (SELECT DISTINCT src, dst FROM fr_inv WHERE src <> dst)
        SELECT src, dst FROM e WHERE src IN (SELECT dst FROM e) AND dst IN (SELECT src FROM e)
        """
    ).fetchall()
    if not links:
        return []
    nodes = sorted({n for link in links for n in link})
    index = {n: i for i, n in enumerate(nodes)}
    labels = components(len(nodes), np.array([index[s] for s, _ in links], dtype=np.int64),
                        np.array([index[t] for _, t in links], dtype=np.int64), strong=True)
    in_cycle = np.bincount(labels)[labels] >= 2
    if not in_cycle.any():
        return []
    # The invitations inside each cycle, for every cycle in one pass.
    keep = in_cycle.tolist()
    members = pa.table({"account": [n for n, k in zip(nodes, keep) if k],
                        "cycle": [int(c) for c, k in zip(labels.tolist(), keep) if k]})
    register(con, "_fr_cycles", members)
    try:
        events = dict(con.execute(
            """
            SELECT a.cycle, list(e.id ORDER BY e.ts, e.id) FROM fr_inv e
            JOIN _fr_cycles a ON a.account = e.src JOIN _fr_cycles b ON b.account = e.dst AND b.cycle = a.cycle
            GROUP BY a.cycle
            """
        ).fetchall())
    finally:
        unregister(con, "_fr_cycles")
    flags = []
    names = members.column("account").to_pylist()  # in name order, as ``nodes``
    of: dict[int, list[str]] = {}
    for name, label in zip(names, members.column("cycle").to_pylist()):
        of.setdefault(label, []).append(name)
    for label, accounts in of.items():
        backed = not corroborated.isdisjoint(accounts)
        flags.append(
            {
                "kind": "referral_fraud",
                "rule": "referral_cycle",
                "severity": "high" if backed else "low",
                "accounts": accounts,
                "evidence": {"events": events.get(label, [])[:20], "values": {"cycle_size": len(accounts),
                                                                              "corroborated": backed}},
                "affects_class": backed,
            }
        )
    return flags


def _harvesting(frame: Frame, t: ReferralThresholds) -> list[dict]:
    rows = frame.con.execute(
        f"""
        WITH q AS (SELECT {t.harvest_value_share} * median(value) AS cut FROM adopt_ev
                   WHERE type = 'purchase' AND value IS NOT NULL),
        act AS (SELECT actor, events, purchases, other, spent FROM actor_stats),
        referees AS (
            SELECT DISTINCT i.src, i.dst, (a.purchases = 1 AND a.other = 0 AND a.spent <= q.cut) AS minimal
            FROM fr_inv i JOIN act a ON a.actor = i.dst, q
        ),
        per AS (
            SELECT src, count(*) AS referees, count(*) FILTER (WHERE minimal) AS minimal_referees,
                   list(dst ORDER BY dst) FILTER (WHERE minimal) AS harvested
            FROM referees GROUP BY src
        )
        SELECT p.src, p.referees, p.minimal_referees, p.harvested, (SELECT cut FROM q) AS cut
        FROM per p
        WHERE p.minimal_referees >= {t.harvest_min_referees} AND p.minimal_referees * 2 >= p.referees
        ORDER BY p.src
        """
    ).fetchall()
    if not rows:
        return []
    # The invitations behind each flag, for every flagged referrer in one pass.
    pairs = [(src, dst) for src, _, _, harvested, _ in rows for dst in harvested]
    register(frame.con, "harvest_in", pa.table({"src": [p[0] for p in pairs], "dst": [p[1] for p in pairs]}))
    events = dict(frame.con.execute(
        """
        SELECT i.src, list(i.id ORDER BY i.ts, i.id) FROM fr_inv i
        SEMI JOIN harvest_in h ON h.src = i.src AND h.dst = i.dst GROUP BY i.src
        """
    ).fetchall())
    unregister(frame.con, "harvest_in")
    flags = []
    for src, referees, minimal, harvested, cut in rows:
        flags.append(
            {
                "kind": "referral_fraud",
                "rule": "reward_harvesting",
                "severity": "medium",
                "accounts": sorted([src, *harvested]),
                "evidence": {"events": events.get(src, [])[:20], "values": {
                    "referees": referees, "minimal_referees": minimal, "max_minimal_value": cut}},
                "affects_class": True,
            }
        )
    return flags


def _bursts(frame: Frame, t: ReferralThresholds) -> list[dict]:
    rows = frame.con.execute(
        f"""
        WITH firsts AS (  -- of the accounts with identifiers: the others are not joined below
            SELECT actor, min(ts) AS ts, arg_min(id, ts) AS id FROM adopt_ev
            WHERE actor IN (SELECT account FROM fr_ids) GROUP BY actor
        ),
        j AS (
            SELECT i.link, i.value, f.actor, f.ts, f.id FROM fr_ids i JOIN firsts f ON f.actor = i.account
        ),
        w AS (
            SELECT link, value, actor, ts, id,
                   count(*) OVER (PARTITION BY link, value ORDER BY ts
                                  RANGE BETWEEN INTERVAL ({t.burst_hours}) HOUR PRECEDING AND CURRENT ROW) AS n
            FROM j
        ),
        hit AS (SELECT DISTINCT link, value FROM w WHERE n >= {t.burst_min})
        SELECT j.link, j.value, list(j.actor ORDER BY j.actor) AS accounts, list(j.id ORDER BY j.ts, j.id) AS events
        FROM j JOIN hit USING (link, value) GROUP BY j.link, j.value ORDER BY 1, 2
        """
    ).fetchall()
    return [
        {
            "kind": "referral_fraud",
            "rule": "signup_burst",
            "severity": "high",
            "accounts": sorted(set(accounts)),
            "evidence": {"events": events[:20], "values": {"identifier": link, "accounts": len(set(accounts)),
                                                           "window_hours": t.burst_hours}},
            "affects_class": True,
        }
        for link, _value, accounts, events in rows
    ]


def referral_flags(frame: Frame, t: ReferralThresholds = ReferralThresholds()) -> list[dict]:
    shared = _shared_identity(frame)
    harvest = _harvesting(frame, t)
    bursts = _bursts(frame, t)
    corroborated = {a for f in shared + harvest + bursts for a in f["accounts"]}
    cycles = _cycles(frame, corroborated)
    return shared + cycles + harvest + bursts
