"""Signups, purchases and reviews: the planned adoptions written as events, plus repeat buying.

The class of a signup or purchase depends on its attribution, which the ground truth computes
from all events (:mod:`womgraph.generate.truth`); they are written here with a pending reason.
Two habits keep every reading of docs/classes.md in agreement:

- a purchase that follows a signup carries the signup's ``via``;
- a repeat purchase comes at least 31 days after the person's previous one, so an earlier
  adoption is never inside the attribution window of a later one.

A few repeat purchases of advocates carry the advocate's own referral code (a self-referral,
which the rules ignore).
"""

from __future__ import annotations

import numpy as np

from .frame import cumulative_gaps
from .model import CH, DAY, PENDING, REASON, SPAN, VIA_CODE
from .state import FORM_PURCHASE, FORM_SIGNUP_ONLY, Ctx

__all__ = ["MEDIAN_VALUE", "emit_adoptions", "purchase_values"]

#: Median purchase value; genuine purchases are never below 60% of it.
MEDIAN_VALUE = 38.0


def purchase_values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Purchase amounts in currency units, rounded to cents.

    >>> v = purchase_values(np.random.default_rng(0), 1000)
    >>> bool(v.min() >= 0.6 * MEDIAN_VALUE)
    True
    """
    v = MEDIAN_VALUE * np.exp(0.45 * rng.standard_normal(n))
    return np.round(np.maximum(v, 0.6 * MEDIAN_VALUE), 2)


def emit_adoptions(ctx: Ctx) -> dict[str, np.ndarray]:
    """Write every planned adoption (signups, first purchases), repeat purchases and reviews.

    Fills ``ctx.first_purchase``; returns the plan.
    """
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    plan = ctx.adoptions.finish()
    person, t, tp, form = plan["person"], plan["t"], plan["tp"], plan["form"]
    if len(np.unique(person)) != len(person):
        raise AssertionError("a person was planned to adopt twice")
    via_kind, via_ref = plan["via_kind"], plan["via_ref"]
    # signups (alone, or before a purchase) carry the via of the invitation
    su = np.flatnonzero(form != FORM_PURCHASE)
    buf.add(
        "signup",
        t[su],
        person[su],
        PENDING,
        via_kind=via_kind[su],
        via_ref=via_ref[su],
        channel=np.where(via_kind[su] > 0, CH["referral_program"], CH["store"]),
    )
    pu = np.flatnonzero(form != FORM_SIGNUP_ONLY)
    buf.add(
        "purchase",
        tp[pu],
        person[pu],
        PENDING,
        via_kind=via_kind[pu],
        via_ref=via_ref[pu],
        channel=CH["store"],
        value=purchase_values(rng, len(pu)),
    )
    first = np.full(pop.n, -1, dtype=np.int64)
    first[person[pu]] = tp[pu]
    ctx.first_purchase = first
    _repeats(ctx, person[pu], tp[pu])
    _reviews(ctx, person[pu], tp[pu])
    return plan


def _repeats(ctx: Ctx, buyers: np.ndarray, t0: np.ndarray) -> None:
    rng = ctx.rng
    n_rep = np.where(rng.random(len(buyers)) < 0.45, 1 + rng.poisson(1.0, len(buyers)), 0)
    who = np.repeat(np.arange(len(buyers), dtype=np.int64), n_rep)
    gaps = rng.integers(31 * DAY, 80 * DAY, len(who))
    ts = t0[who] + cumulative_gaps(who, gaps)
    keep = ts < SPAN
    who, ts = who[keep], ts[keep]
    person = buyers[who]
    # an advocate's first repeat purchase sometimes uses their own code: a self-referral
    first_rep = np.r_[True, who[1:] != who[:-1]] if len(who) else who.astype(bool)
    own = first_rep & np.isin(person, ctx.code_owner) & (rng.random(len(who)) < 0.35)
    ctx.buf.add(
        "purchase",
        ts,
        person,
        PENDING,
        channel=CH["store"],
        value=purchase_values(rng, len(who)),
        via_kind=np.where(own, VIA_CODE, 0),
        via_ref=np.where(own, person, -1),
    )


def _reviews(ctx: Ctx, buyers: np.ndarray, t0: np.ndarray) -> None:
    rng = ctx.rng
    adv = np.isin(buyers, ctx.senders)
    write = rng.random(len(buyers)) < np.where(adv, 0.6, 0.35)
    who, t = buyers[write], t0[write] + rng.integers(2 * DAY, 20 * DAY, int(write.sum()))
    keep = t < SPAN
    who, t, adv = who[keep], t[keep], adv[write][keep]
    p_fan = np.array([0.04, 0.04, 0.1, 0.3, 0.52])
    p_adv = np.array([0.0, 0.0, 0.03, 0.22, 0.75])
    u = rng.random(len(who))
    rating = np.where(
        adv, 1 + np.searchsorted(np.cumsum(p_adv), u), 1 + np.searchsorted(np.cumsum(p_fan), u)
    )
    ctx.buf.add(
        "review",
        t,
        who,
        REASON["peer:review"],
        content=True,
        channel=CH["store"],
        rating=np.minimum(rating, 5),
        text=ctx.texts.pick(rng, "review", len(who)),
    )
