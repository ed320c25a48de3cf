"""What customers say after buying: stories, brand mentions to friends, conversations, and the
few who post a disclosed gifted post.

Every speaker here has bought before speaking, so any adoption these exposures explain has a
parent who was reached first (time-respecting chains, whatever reading of "reached").

- a post naming the brand: ``peer:customer_story``; friends like it (``social:like_of_peer_post``),
  share it (``peer:share_of_peer_story``) and reply (``peer:conversation_about_brand``); the brand
  sometimes answers (``broadcast:brand_message``);
- a mention of the brand alone: ``peer:customer_story``;
- a post tagging the brand and one or two friends: ``peer:brand_mention_to_peer`` and
  ``peer:tagged_friend``;
- a reply naming the brand under a friend's social post: ``peer:conversation_about_brand``;
- a gifted post with ``paid: true``: ``incentivized:disclosed_ad``, liked by people who never
  adopt (``broadcast:engagement_with_paid_content``).
"""

from __future__ import annotations

import numpy as np

from .frame import delay
from .model import DAY, HOUR, MINUTE, REASON, SPAN
from .react import react
from .state import Content, Ctx

__all__ = ["customer_voice"]


def customer_voice(ctx: Ctx) -> None:
    """Stories, mentions and conversations of customers after their first purchase."""
    rng, pop, buf, texts = ctx.rng, ctx.pop, ctx.buf, ctx.texts
    first = ctx.first_purchase
    buyers = np.flatnonzero(first >= 0)
    t0 = first[buyers]
    adv = np.isin(buyers, ctx.senders)

    # stories, with reactions from friends
    n_st = np.where(
        rng.random(len(buyers)) < np.where(adv, 0.55, 0.2), 1 + (rng.random(len(buyers)) < 0.3), 0
    )
    row = np.repeat(np.arange(len(buyers)), n_st)
    ts = t0[row] + rng.integers(DAY, 40 * DAY, len(row))
    keep = ts < SPAN - HOUR
    row, ts = row[keep], ts[keep]
    who = buyers[row]
    ch = pop.platform[who].astype(np.int64)
    eid = buf.add(
        "post",
        ts,
        who,
        REASON["peer:customer_story"],
        content=True,
        channel=ch,
        text=texts.pick(rng, "story", len(who)),
    )
    stories = Content(eid, ts, who, ch)
    ctx.stories = stories
    n = len(stories)
    react(ctx, stories, rng.poisson(3.0, n), "like", REASON["social:like_of_peer_post"])
    react(
        ctx,
        stories,
        rng.poisson(0.35, n),
        "share",
        REASON["peer:share_of_peer_story"],
        content=True,
    )
    react(
        ctx,
        stories,
        rng.poisson(0.5, n),
        "reply",
        REASON["peer:conversation_about_brand"],
        content=True,
        text="story_reply",
        median=2 * HOUR,
    )
    answered = stories.take(np.flatnonzero(rng.random(n) < 0.15))
    t = answered.ts + delay(rng, len(answered), 2 * HOUR, 1.0, 3 * DAY)
    keep = t < SPAN
    brand = rng.integers(0, pop.sizes.brands, int(keep.sum()))
    buf.add(
        "reply",
        t[keep],
        brand,
        REASON["broadcast:brand_message"],
        content=True,
        target=answered.actor[keep],
        parent=answered.eid[keep],
        channel=answered.channel[keep],
        text=texts.pick(rng, "brand_reply", int(keep.sum())),
    )

    # a mention of the brand alone
    sel = np.flatnonzero(rng.random(len(buyers)) < 0.06)
    ts = t0[sel] + rng.integers(DAY, 30 * DAY, len(sel))
    keep = ts < SPAN
    sel, ts = sel[keep], ts[keep]
    buf.add(
        "mention",
        ts,
        buyers[sel],
        REASON["peer:customer_story"],
        content=True,
        target=0,
        channel=pop.platform[buyers[sel]],
        text=texts.pick(rng, "brand_mention_story", len(sel)),
    )

    # a post tagging the brand and one or two friends
    sel = np.flatnonzero(rng.random(len(buyers)) < 0.10)
    ts = t0[sel] + rng.integers(DAY, 40 * DAY, len(sel))
    keep = ts < SPAN
    sel, ts = sel[keep], ts[keep]
    who = buyers[sel]
    m = len(who)
    f1 = pop.friends(rng, who)
    f2 = pop.friends(rng, who)
    two = (rng.random(m) < 0.3) & (f2 != f1)
    per = 2 + two
    row = np.repeat(np.arange(m, dtype=np.int64), per)
    slot = np.arange(len(row)) - np.repeat(np.cumsum(per) - per, per)
    target = np.select([slot == 0, slot == 1], [0, f1[row]], f2[row])
    reason = np.where(slot == 0, REASON["peer:brand_mention_to_peer"], REASON["peer:tagged_friend"])
    post = buf.count + np.repeat(np.cumsum(per) - per, per)
    buf.add(
        "mention",
        ts[row],
        who[row],
        reason,
        target=target,
        post=post,
        channel=pop.platform[who[row]],
        text=np.repeat(texts.pick(rng, "mention_peer", m), per),
    )

    # replies naming the brand under social posts (after the replier bought)
    social = ctx.social_posts
    if len(social):
        order = np.argsort(social.ts, kind="stable")
        sel = np.flatnonzero(rng.random(len(buyers)) < 0.08)
        lo = np.searchsorted(social.ts[order], t0[sel] + DAY)
        ok = lo < len(order)
        sel, lo = sel[ok], lo[ok]
        pick = order[lo + (rng.random(len(sel)) * (len(order) - lo)).astype(np.int64)]
        ts = social.ts[pick] + delay(rng, len(sel), 2 * HOUR, 1.0, 2 * DAY)
        keep = (ts < SPAN) & (social.actor[pick] != buyers[sel])
        sel, pick, ts = sel[keep], pick[keep], ts[keep]
        buf.add(
            "reply",
            ts,
            buyers[sel],
            REASON["peer:conversation_about_brand"],
            content=True,
            target=social.actor[pick],
            parent=social.eid[pick],
            channel=social.channel[pick],
            text=texts.pick(rng, "brand_naming_reply", len(sel)),
        )

    # a handful of customers post a gifted, disclosed post
    plain = buyers[~adv]
    k = max(2, round(0.004 * len(plain)))
    gifted = np.sort(rng.choice(plain, min(k, len(plain)), replace=False))
    ts = np.maximum(first[gifted], 0) + rng.integers(DAY, 30 * DAY, len(gifted))
    keep = ts < SPAN - 10 * MINUTE
    gifted, ts = gifted[keep], ts[keep]
    ch = pop.platform[gifted].astype(np.int64)
    eid = buf.add(
        "post",
        ts,
        gifted,
        REASON["incentivized:disclosed_ad"],
        content=True,
        paid=True,
        channel=ch,
        text=texts.pick(rng, "gifted", len(gifted)),
    )
    posts = Content(eid, ts, gifted, ch)
    pool = pop.g0 + np.flatnonzero(pop.no_adopt[pop.g0 :] & ~pop.heavy[pop.g0 :])
    react(
        ctx,
        posts,
        rng.poisson(8, len(posts)),
        "like",
        REASON["broadcast:engagement_with_paid_content"],
        pool=pool,
    )
    ctx.gifted = gifted
