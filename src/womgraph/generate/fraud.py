"""Planted inauthentic activity: like farms and referral-fraud rings (class ``suspicious``).

Like farm: accounts created days before they start, with few followers and thousands of
followings, that only like brand posts, all of them within a minute and a half of each other
(lockstep bursts), on about half of the brand posts after the farm starts. They share a couple
of IP addresses. Every event: ``suspicious:like_farm``.

Referral-fraud ring: eight core accounts created within a day and a half, sharing two devices and
one card; they sign up one after another within minutes, each through the previous one's
referral code, refer each other round a cycle and each buy once for a token amount. Each core
account then refers four referees, created minutes before a burst of signups from one device,
whose only other activity is one token purchase through the code. Every event:
``suspicious:fraud_ring``. Nothing links a ring to genuine people.
"""

from __future__ import annotations

import numpy as np

from .model import CH, DAY, HOUR, MINUTE, REASON, SPAN, VIA_CODE
from .population import SHARED_ID_BASE
from .state import Ctx

__all__ = ["fraud_rings", "like_farms"]

_FARM = REASON["suspicious:like_farm"]
_RING = REASON["suspicious:fraud_ring"]


def like_farms(ctx: Ctx) -> None:
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    s = pop.sizes
    lo = pop.ranges["farms"][0]
    posts = ctx.brand_posts
    for f in range(s.farms):
        accounts = np.arange(lo + f * s.farm_size, lo + (f + 1) * s.farm_size, dtype=np.int64)
        start = int(rng.integers(40 * DAY, 110 * DAY))
        pop.created[accounts] = start - rng.integers(DAY, 14 * DAY, len(accounts))
        pop.ip[accounts] = SHARED_ID_BASE + 1000 * f + 500 + (np.arange(len(accounts)) % 2)
        cand = np.flatnonzero((posts.ts >= start) & (posts.ts < SPAN - DAY))
        targets = cand[rng.random(len(cand)) < 0.5]
        if len(targets) < 8:
            targets = cand[: max(8, len(targets))]
        burst = posts.ts[targets] + rng.integers(10 * MINUTE, 3 * HOUR, len(targets))
        grid_post = np.repeat(targets, len(accounts))
        grid_burst = np.repeat(burst, len(accounts))
        grid_acc = np.tile(accounts, len(targets))
        on = rng.random(len(grid_acc)) < 0.9
        ts = grid_burst[on] + rng.integers(0, 90, int(on.sum()))
        keep = ts < SPAN
        p = grid_post[on][keep]
        buf.add(
            "like",
            ts[keep],
            grid_acc[on][keep],
            _FARM,
            target=posts.actor[p],
            parent=posts.eid[p],
            channel=posts.channel[p],
        )


def fraud_rings(ctx: Ctx) -> None:
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    s = pop.sizes
    c, k = s.ring_core, s.ring_referees
    lo = pop.ranges["rings"][0]
    for r in range(s.rings):
        base = lo + r * c * (1 + k)
        core = np.arange(base, base + c, dtype=np.int64)
        refs = np.arange(base + c, base + c * (1 + k), dtype=np.int64)
        owner = np.repeat(core, k)  # who referred each referee
        shared = SHARED_ID_BASE + 1000 * (s.farms + r)
        pop.device[core] = shared + (np.arange(c) % 2)
        pop.device[refs] = shared + 2
        pop.payment[core] = pop.payment[refs] = shared + 3
        pop.email[refs] = shared + 100 + (owner - base)  # four referees per mailbox
        pop.ip[core] = pop.ip[refs] = shared + 4
        start = int(rng.integers(60 * DAY, 150 * DAY))
        pop.created[core] = start - rng.integers(HOUR, 36 * HOUR, c)

        # core: signups within minutes, each through the previous member's code
        t_su = start + np.cumsum(rng.integers(60, 180, c))
        prev = np.roll(core, 1)
        buf.add(
            "signup",
            t_su,
            core,
            _RING,
            channel=CH["referral_program"],
            via_kind=np.r_[0, np.full(c - 1, VIA_CODE)],
            via_ref=np.r_[-1, prev[1:]],
        )
        # referrals round the cycle: i -> i+1 before i+1 signs up, and the last back to the first
        t_ref = np.r_[t_su[1:] - rng.integers(5, 50, c - 1), t_su[-1] + rng.integers(60, 300)]
        buf.add(
            "referral",
            t_ref,
            core,
            _RING,
            target=np.roll(core, -1),
            channel=CH["referral_program"],
            via_kind=VIA_CODE,
            via_ref=core,
        )
        buf.add(
            "purchase",
            t_su + rng.integers(10 * MINUTE, 3 * HOUR, c),
            core,
            _RING,
            channel=CH["store"],
            via_kind=VIA_CODE,
            via_ref=prev,
            value=np.round(rng.uniform(1.0, 1.99, c), 2),
        )

        # referees: a burst of signups from one device, then one token purchase each
        burst = start + int(rng.integers(4 * HOUR, 8 * HOUR))
        t_rs = burst + np.cumsum(rng.integers(20, 90, len(refs)))
        pop.created[refs] = t_rs - rng.integers(2 * MINUTE, 30 * MINUTE, len(refs))
        buf.add(
            "referral",
            t_rs - rng.integers(MINUTE, 10 * MINUTE, len(refs)),
            owner,
            _RING,
            target=refs,
            channel=CH["referral_program"],
            via_kind=VIA_CODE,
            via_ref=owner,
        )
        buf.add(
            "signup",
            t_rs,
            refs,
            _RING,
            channel=CH["referral_program"],
            via_kind=VIA_CODE,
            via_ref=owner,
        )
        buf.add(
            "purchase",
            t_rs + rng.integers(5 * MINUTE, 2 * HOUR, len(refs)),
            refs,
            _RING,
            channel=CH["store"],
            via_kind=VIA_CODE,
            via_ref=owner,
            value=1.0,
        )
        ctx.code_owner = np.r_[ctx.code_owner, core]
