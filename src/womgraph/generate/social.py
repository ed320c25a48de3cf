"""Everyday chatter between people (class ``social``) and the heavy resharers.

Chatter never names the brand: posts, likes, replies and shares among friends, and posts that tag
friends (``social:mention``). It gives reach and communities their context.

Heavy resharers are real, old accounts that share many different accounts' posts, at human
hours: social posts (``social:share``), brand posts (``broadcast:share_of_brand_post``), fans'
shares of brand posts (``broadcast:reshare_of_brand_content``) and customer stories
(``peer:share_of_peer_story``). They never adopt.
"""

from __future__ import annotations

import numpy as np

from .frame import delay, spread
from .model import DAY, HOUR, REASON, SPAN
from .react import pairs_unique, react
from .state import Content, Ctx

__all__ = ["chatter", "heavy_resharers"]


def chatter(ctx: Ctx) -> None:
    """Social posts with their likes, replies and shares, and posts tagging friends."""
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    people = pop.genuine()
    k = rng.poisson(2.5 * pop.social_act[people])
    who = np.repeat(people, k)
    ts = spread(rng, 0, SPAN - HOUR, len(who))
    ch = pop.platform[who].astype(np.int64)
    eid = buf.add(
        "post",
        ts,
        who,
        REASON["social:post"],
        content=True,
        channel=ch,
        text=ctx.texts.pick(rng, "social_post", len(who)),
    )
    posts = Content(eid, ts, who, ch)
    ctx.social_posts = posts
    reach = np.clip(np.log10(pop.followers[who] + 10) / 2.3, 0.3, 3.0)
    react(ctx, posts, rng.poisson(2.2 * reach), "like", REASON["social:like"])
    react(
        ctx,
        posts,
        rng.poisson(0.35, len(posts)),
        "reply",
        REASON["social:reply"],
        content=True,
        text="social_reply",
        median=2 * HOUR,
    )
    react(ctx, posts, rng.poisson(0.12, len(posts)), "share", REASON["social:share"], content=True)
    # posts that tag one or two friends
    k = rng.poisson(0.4 * pop.social_act[people])
    who = np.repeat(people, k)
    m = len(who)
    ts = spread(rng, 0, SPAN - HOUR, m)
    two = rng.random(m) < 0.3
    per = np.where(two, 2, 1)
    row = np.repeat(np.arange(m, dtype=np.int64), per)
    friend = pop.friends(rng, who[row])
    second = np.r_[False, row[1:] == row[:-1]] if len(row) else row.astype(bool)
    clash = second & (friend == np.r_[-1, friend[:-1]])
    friend[clash] = pop.friends(rng, who[row[clash]])
    keep = ~(second & (friend == np.r_[-1, friend[:-1]])) & (friend != who[row])
    row, friend = row[keep], friend[keep]
    starts = np.r_[True, row[1:] != row[:-1]] if len(row) else row.astype(bool)
    post = buf.count + np.maximum.accumulate(np.where(starts, np.arange(len(row)), 0))
    texts = ctx.texts.pick(rng, "social_mention", m)
    buf.add(
        "mention",
        ts[row],
        who[row],
        REASON["social:mention"],
        target=friend,
        post=post,
        channel=pop.platform[who[row]],
        text=texts[row],
    )


def heavy_resharers(ctx: Ctx) -> None:
    """A few accounts that share a lot, from many different authors."""
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    heavy = np.flatnonzero(pop.heavy)
    k = rng.poisson(220, len(heavy))
    who = np.repeat(heavy, k)
    pools = [
        (ctx.social_posts, REASON["social:share"], 0.6),
        (ctx.brand_posts, REASON["broadcast:share_of_brand_post"], 0.15),
        (ctx.stories, REASON["peer:share_of_peer_story"], 0.15),
        (ctx.fan_shares, REASON["broadcast:reshare_of_brand_content"], 0.10),
    ]
    pools = [p for p in pools if len(p[0])]
    share = np.array([p[2] for p in pools])
    which_pool = rng.choice(len(pools), len(who), p=share / share.sum())
    for i, (content, reason, _) in enumerate(pools):
        sel = who[which_pool == i]
        item = rng.integers(0, len(content), len(sel))
        item, sel = pairs_unique(item, sel, pop.n)
        keep = content.actor[item] != sel
        item, sel = item[keep], sel[keep]
        ts = content.ts[item] + delay(rng, len(sel), 5 * HOUR, 1.3, 10 * DAY)
        keep = ts < SPAN
        item, sel, ts = item[keep], sel[keep], ts[keep]
        buf.add(
            "share",
            ts,
            sel,
            reason,
            content=True,
            target=content.actor[item],
            parent=content.eid[item],
            channel=content.channel[item],
        )
