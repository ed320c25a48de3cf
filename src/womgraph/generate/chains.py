"""Word of mouth that converts: advocates, their invitations, and the chains they start.

Seed advocates are customers who bought early. Each sends invitations to friends who have not
adopted yet, one after another from a day after their own purchase (so they always bought
before recommending). An invitation is one of:

- a ``referral`` whose adoption carries its event id in ``via``;
- a ``referral`` carrying the sender's referral code in its ``via``, the adoption carrying
  the code;
- a ``recommendation`` whose adoption carries its event id;
- a ``recommendation`` with no ``via`` on the adoption, which follows within 18 days;
- a post tagging the friend and the brand (two ``mention`` events, one ``post``), the adoption
  following within 18 days with no ``via``.

Converted friends become advocates in turn with some probability; a quarter of the seeds have a
*forced line* (their first invitee converts and recommends, and so on) so chains of depth three
and more exist at every size. Every invitee is a distinct person who had not adopted, so chains
are time-respecting trees by construction.
"""

from __future__ import annotations

import numpy as np

from .frame import cumulative_gaps, spread
from .model import CH, DAY, HOUR, REASON, SPAN, VIA_CODE, VIA_EVENT, VIA_NONE
from .state import FORM_PURCHASE, FORM_SIGNUP_ONLY, FORM_SIGNUP_PURCHASE, Ctx

__all__ = ["MODES", "grow_chains", "household", "plan_organic"]

MODES = ("referral_id", "referral_code", "recommendation_id", "recommendation", "mention")
_MODE_P = (0.3, 0.2, 0.2, 0.15, 0.15)
_REF_ID, _REF_CODE, _REC_ID, _REC, _MENTION = range(5)
#: Largest number of generations grown below the seeds.
MAX_GENERATIONS = 8


def plan_organic(ctx: Ctx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customers who buy on their own (some right after engaging with brand posts), and the
    seed advocates among early buyers. Returns (seeds, their purchase times, forced depth)."""
    rng, pop = ctx.rng, ctx.pop
    g = pop.n_genuine
    n_seeds = max(8, round(0.014 * pop.sizes.people))
    seeds = pop.claim_random(rng, n_seeds)
    seeds = seeds[seeds >= 0]
    t_seed = spread(rng, 0, 60 * DAY, len(seeds))
    force = np.where(rng.random(len(seeds)) < 0.25, 3, 0)
    force = np.where(rng.random(len(seeds)) < 0.1, 4, force)
    force[:1] = 4  # at least one deep line at every size
    # some micro advocates: few followers, real influence
    micro = seeds[rng.random(len(seeds)) < 0.35]
    pop.followers[micro] = rng.integers(15, 121, len(micro))

    fan_w = np.where(pop.fan, 2.0, 1.0)
    n_org = round(0.13 * g)
    pool = np.flatnonzero(pop.free)
    w = fan_w[pool] / fan_w[pool].sum()
    buyers = np.sort(rng.choice(pool, min(n_org, len(pool)), replace=False, p=w))
    pop.free[buyers] = False
    t = spread(rng, 0, SPAN - 2 * DAY, len(buyers))
    # half of the fans among them buy within days of engaging with brand content
    order = np.argsort(ctx.engaged_actor, kind="stable")
    eng_a, eng_t = ctx.engaged_actor[order], ctx.engaged_ts[order]
    lo = np.searchsorted(eng_a, buyers, "left")
    hi = np.searchsorted(eng_a, buyers, "right")
    has = (hi > lo) & (rng.random(len(buyers)) < 0.5)
    pick = lo + (rng.random(len(buyers)) * np.maximum(hi - lo, 1)).astype(np.int64)
    after = eng_t[np.minimum(pick, len(eng_t) - 1)] + rng.integers(HOUR, 12 * DAY, len(buyers))
    t = np.where(has & (after < SPAN - HOUR), after, t)
    t = np.r_[t, t_seed]
    who = np.r_[buyers, seeds]
    ctx.adoptions.add(rng, who, t, FORM_PURCHASE)
    return seeds, t_seed, force


def household(ctx: Ctx) -> None:
    """Two people in one home (one IP address): one buys and recommends, the other buys."""
    rng = ctx.rng
    a, b = ctx.pop.household
    ta = 20 * DAY + 14 * HOUR + int(rng.integers(0, 3600))
    ctx.adoptions.add(rng, [a], [ta], FORM_PURCHASE)
    tr = 41 * DAY + 19 * HOUR + int(rng.integers(0, 3600))
    rec = ctx.buf.add(
        "recommendation",
        [tr],
        [a],
        REASON["peer:recommendation"],
        target=[b],
        channel=CH["email"],
        text=ctx.texts.ids("recommendation")[:1],
    )
    ctx.adoptions.add(rng, [b], [tr + 2 * DAY + 3 * HOUR], FORM_PURCHASE, VIA_EVENT, rec)
    ctx.senders = np.r_[ctx.senders, a]


def grow_chains(ctx: Ctx, seeds: np.ndarray, base_t: np.ndarray, force: np.ndarray) -> int:
    """Grow recommendation chains from the seeds, generation by generation.

    Parameters
    ----------
    ctx : Ctx
    seeds : ndarray of int
        Seed advocates.
    base_t : ndarray of int
        Their first purchase times; invitations start a day or more later.
    force : ndarray of int
        Forced depth below each seed (0: none).

    Returns
    -------
    int
        The number of generations grown.
    """
    rng, pop = ctx.rng, ctx.pop
    senders = np.asarray(seeds, dtype=np.int64)
    gen = 0
    while len(senders) and gen < MAX_GENERATIONS:
        ctx.senders = np.r_[ctx.senders, senders]
        k = 1 + rng.poisson(2.0 if gen == 0 else 1.2, len(senders))
        s_idx = np.repeat(np.arange(len(senders), dtype=np.int64), k)
        first = np.r_[True, s_idx[1:] != s_idx[:-1]] if len(s_idx) else s_idx.astype(bool)
        lead = first & ((gen == 0) | (force[s_idx] > 0))  # invitations that must convert
        gaps = np.where(
            lead, rng.integers(DAY, 8 * DAY, len(s_idx)), rng.integers(DAY, 20 * DAY, len(s_idx))
        )
        t_inv = base_t[s_idx] + cumulative_gaps(s_idx, gaps)
        keep = t_inv < SPAN - 2 * DAY
        s_idx, lead, t_inv = s_idx[keep], lead[keep], t_inv[keep]
        sender = senders[s_idx]
        invitee = pop.claim_friends(rng, sender)
        keep = invitee >= 0
        s_idx, lead, t_inv, sender, invitee = (
            x[keep] for x in (s_idx, lead, t_inv, sender, invitee)
        )
        n = len(sender)
        mode = rng.choice(len(MODES), n, p=_MODE_P)
        mode = np.where(lead & (mode >= _REC), rng.choice([_REF_ID, _REF_CODE, _REC_ID], n), mode)
        convert = lead | (rng.random(n) < 0.45)
        d = np.where(
            lead,
            rng.integers(HOUR, 6 * DAY, n),
            np.where(
                mode >= _REC, rng.integers(3 * HOUR, 18 * DAY, n), rng.integers(HOUR, 25 * DAY, n)
            ),
        )
        t_ad = t_inv + d
        convert &= t_ad < SPAN - HOUR
        inv_eid = _invitations(ctx, mode, t_inv, sender, invitee)
        # how each invitation's adoption shows up
        r = rng.random(n)
        is_ref = mode <= _REF_CODE
        form = np.where(is_ref & (r < 0.35), FORM_SIGNUP_PURCHASE, FORM_PURCHASE)
        form = np.where(is_ref & (r >= 0.35) & (r < 0.45) & ~lead, FORM_SIGNUP_ONLY, form)
        via_kind = np.select([mode == _REF_CODE, mode <= _REC_ID], [VIA_CODE, VIA_EVENT], VIA_NONE)
        via_ref = np.select([mode == _REF_CODE, mode <= _REC_ID], [sender, inv_eid], -1)
        c = np.flatnonzero(convert)
        tp = ctx.adoptions.add(rng, invitee[c], t_ad[c], form[c], via_kind[c], via_ref[c])
        # the next generation: converted buyers who recommend in turn
        child_force = np.where(lead[c], np.maximum(force[s_idx[c]] - 1, 0), 0)
        again = (tp >= 0) & ((child_force > 0) | (rng.random(len(c)) < 0.3))
        senders = invitee[c][again]
        base_t = tp[again]
        force = child_force[again]
        gen += 1
    return gen


def _invitations(ctx: Ctx, mode, t_inv, sender, invitee) -> np.ndarray:
    """Write the invitation events; return the event id behind each (the friend's mention for
    tagging posts)."""
    rng, pop, buf, texts = ctx.rng, ctx.pop, ctx.buf, ctx.texts
    n = len(mode)
    eid = np.full(n, -1, dtype=np.int64)
    ref = np.flatnonzero(mode <= _REF_CODE)
    if len(ref):
        code = mode[ref] == _REF_CODE
        m = len(ref)
        eid[ref] = buf.add(
            "referral",
            t_inv[ref],
            sender[ref],
            REASON["peer:referral"],
            target=invitee[ref],
            channel=np.where(rng.random(m) < 0.7, CH["referral_program"], CH["email"]),
            via_kind=np.where(code, VIA_CODE, VIA_NONE),
            via_ref=np.where(code, sender[ref], -1),
            text=np.where(rng.random(m) < 0.5, texts.pick(rng, "referral", m), -1),
        )
        ctx.code_owner = np.r_[ctx.code_owner, np.unique(sender[ref][code])]
    rec = np.flatnonzero((mode == _REC_ID) | (mode == _REC))
    if len(rec):
        m = len(rec)
        ch = np.array([CH["email"], CH["twitter"], CH["instagram"]])[rng.integers(0, 3, m)]
        eid[rec] = buf.add(
            "recommendation",
            t_inv[rec],
            sender[rec],
            REASON["peer:recommendation"],
            target=invitee[rec],
            channel=ch,
            text=texts.pick(rng, "recommendation", m),
        )
    men = np.flatnonzero(mode == _MENTION)
    if len(men):
        m = len(men)
        post = buf.count + 2 * np.repeat(np.arange(m, dtype=np.int64), 2)
        target = np.stack([np.zeros(m, dtype=np.int64), invitee[men]], axis=1).ravel()
        reason = np.tile([REASON["peer:brand_mention_to_peer"], REASON["peer:tagged_friend"]], m)
        ids = buf.add(
            "mention",
            np.repeat(t_inv[men], 2),
            np.repeat(sender[men], 2),
            reason,
            target=target,
            post=post,
            channel=np.repeat(pop.platform[sender[men]], 2),
            text=np.repeat(texts.pick(rng, "mention_peer", m), 2),
        )
        eid[men] = ids[1::2]
    return eid
