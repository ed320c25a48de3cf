"""Brand broadcasts and what reacts to them: brand posts, fans, the giveaway, employees, partners.

Every event here has its class by construction (docs/classes.md):

- brand posts ``broadcast:brand_content``; brand replies and winner mentions to people
  ``broadcast:brand_message``;
- fans' likes, shares and replies on brand posts ``broadcast:like_of_brand_post`` (and
  ``share_of_brand_post``, ``reply_to_brand_post``), and re-shares (and likes) of those shares
  ``broadcast:reshare_of_brand_content``;
- giveaway entries (mentions with the campaign) ``incentivized:contest_entry``;
- employees' events ``incentivized:employee``, partners' ``incentivized:partner``;
- likes, shares and replies on employee and partner posts
  ``broadcast:engagement_with_paid_content``, always by people who never adopt (so no reading
  of "incentivized exposure" changes a class).
"""

from __future__ import annotations

import numpy as np

from .frame import delay, spread
from .model import CH, DAY, HOUR, MINUTE, REASON, SPAN, SPAN_DAYS, VIA_CODE, VIA_EVENT
from .population import referral_code
from .react import pairs_unique, react
from .state import FORM_PURCHASE, FORM_SIGNUP_PURCHASE, Content, Ctx

__all__ = ["brand_posts", "employees", "fan_engagement", "giveaway", "partners"]

#: Posts per day of each brand account.
_BRAND_RATES = (1.0, 0.35, 0.45)
#: When the giveaway post goes out.
GIVEAWAY_TS = 63 * DAY + 17 * HOUR


def brand_posts(ctx: Ctx) -> None:
    """Regular brand posts over the whole period, plus the giveaway post."""
    rng, buf, pop = ctx.rng, ctx.buf, ctx.pop
    nb = pop.sizes.brands
    counts = rng.poisson(np.array(_BRAND_RATES[:nb]) * SPAN_DAYS)
    brand = np.repeat(np.arange(nb, dtype=np.int64), counts)
    ts = np.sort(spread(rng, 0, SPAN - DAY, len(brand)))
    ch = np.where(rng.random(len(brand)) < 0.5, CH["twitter"], CH["instagram"])
    eid = buf.add(
        "post",
        ts,
        brand,
        REASON["broadcast:brand_content"],
        content=True,
        channel=ch,
        text=ctx.texts.pick(rng, "brand_post", len(brand)),
    )
    g = buf.add(
        "post",
        [GIVEAWAY_TS],
        [0],
        REASON["broadcast:brand_content"],
        content=True,
        channel=CH["instagram"],
        text=ctx.texts.ids("giveaway_post")[:1],
        campaign=ctx.campaign,
    )
    ctx.brand_posts = Content(
        np.r_[eid, g], np.r_[ts, GIVEAWAY_TS], np.r_[brand, 0], np.r_[ch, CH["instagram"]]
    )
    ctx.giveaway = len(eid)


def fan_engagement(ctx: Ctx) -> None:
    """Fans like, share and reply to brand posts over weeks, each at their own pace."""
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    posts = ctx.brand_posts
    n_posts = len(posts)
    weight = np.exp(0.6 * rng.standard_normal(n_posts))
    weight[ctx.giveaway] = 0.0  # the giveaway's likes come with the entries
    weight /= weight.sum()
    fans = pop.g0 + np.flatnonzero(pop.fan[pop.g0 :])
    act = pop.fan_act[fans]

    def pick(rate: float) -> tuple[np.ndarray, np.ndarray]:
        k = np.minimum(rng.poisson(rate * act), n_posts // 2)
        who = np.repeat(fans, k)
        which = rng.choice(n_posts, size=len(who), p=weight)
        which, who = pairs_unique(which, who, pop.n)
        return which, who

    which, who = pick(18.0)
    ts = posts.ts[which] + delay(rng, len(who), 3 * HOUR, 1.5, 20 * DAY)
    keep = ts < SPAN
    which, who, ts = which[keep], who[keep], ts[keep]
    buf.add(
        "like",
        ts,
        who,
        REASON["broadcast:like_of_brand_post"],
        target=posts.actor[which],
        parent=posts.eid[which],
        channel=posts.channel[which],
    )
    eng_actor, eng_ts = [who], [ts]

    shares, _ = react_on(
        ctx, posts, *pick(0.5), "share", "broadcast:share_of_brand_post", content=True
    )
    ctx.fan_shares = shares
    eng_actor.append(shares.actor)
    eng_ts.append(shares.ts)
    # re-shares of shares (and of re-shares), and likes of shares: still brand content
    reshare = REASON["broadcast:reshare_of_brand_content"]
    level = shares
    for rate in (0.35, 0.25):
        level = react(ctx, level, rng.poisson(rate, len(level)), "share", reshare, content=True)
        ctx.fan_shares = Content.concat(ctx.fan_shares, level)
        eng_actor.append(level.actor)
        eng_ts.append(level.ts)
    likes = react(ctx, ctx.fan_shares, rng.poisson(1.2, len(ctx.fan_shares)), "like", reshare)
    eng_actor.append(likes.actor)
    eng_ts.append(likes.ts)

    replies, which = react_on(
        ctx,
        posts,
        *pick(0.3),
        "reply",
        "broadcast:reply_to_brand_post",
        content=True,
        text="fan_reply",
    )
    eng_actor.append(replies.actor)
    eng_ts.append(replies.ts)
    # the brand answers some replies: a brand message to that fan
    pick_ = np.flatnonzero(rng.random(len(replies)) < 0.25)
    answered, brand_of = replies.take(pick_), posts.actor[which[pick_]]
    ts = answered.ts + delay(rng, len(answered), 90 * MINUTE, 1.0, 2 * DAY)
    keep = ts < SPAN
    buf.add(
        "reply",
        ts[keep],
        brand_of[keep],
        REASON["broadcast:brand_message"],
        content=True,
        target=answered.actor[keep],
        parent=answered.eid[keep],
        channel=answered.channel[keep],
        text=ctx.texts.pick(rng, "brand_reply", int(keep.sum())),
    )
    ctx.engaged_actor = np.concatenate(eng_actor)
    ctx.engaged_ts = np.concatenate(eng_ts)


def react_on(ctx, posts: Content, which, who, type_, reason, *, content=False, text=None):
    """Reactions of chosen people ``who`` to ``posts[which]`` (rather than of friends).

    Returns the reactions and, for each, the index of the post it reacts to.
    """
    rng = ctx.rng
    ts = posts.ts[which] + delay(rng, len(who), 5 * HOUR, 1.4, 15 * DAY)
    keep = ts < SPAN
    which, who, ts = which[keep], who[keep], ts[keep]
    eid = ctx.buf.add(
        type_,
        ts,
        who,
        REASON[reason],
        content=content,
        target=posts.actor[which],
        parent=posts.eid[which],
        channel=posts.channel[which],
        text=ctx.texts.pick(rng, text, len(who)) if text else None,
    )
    return Content(eid, ts, who, posts.channel[which]), which


def giveaway(ctx: Ctx) -> None:
    """Entrants like the giveaway post and tag three friends each; some tagged friends buy."""
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    g = ctx.giveaway
    g_eid, g_ts = ctx.brand_posts.eid[g], ctx.brand_posts.ts[g]
    fans = pop.g0 + np.flatnonzero(pop.fan[pop.g0 :])
    n = max(10, round(0.08 * len(fans)))
    entrants = np.sort(rng.choice(fans, min(n, len(fans)), replace=False))
    m = len(entrants)
    t_entry = g_ts + rng.integers(20 * MINUTE, 7 * DAY, m)
    buf.add(
        "like",
        t_entry - rng.integers(10, 300, m),
        entrants,
        REASON["broadcast:like_of_brand_post"],
        target=0,
        parent=g_eid,
        channel=CH["instagram"],
    )
    friends = np.stack([pop.friends(rng, entrants) for _ in range(3)], axis=1)
    for _ in range(3):  # three different friends, none of them the entrant
        bad = (friends[:, 1] == friends[:, 0]) | (friends[:, 1] == entrants)
        friends[bad, 1] = pop.random_genuine(rng, int(bad.sum()))
        bad = (
            (friends[:, 2] == friends[:, 0])
            | (friends[:, 2] == friends[:, 1])
            | (friends[:, 2] == entrants)
        )
        friends[bad, 2] = pop.random_genuine(rng, int(bad.sum()))
        bad = friends[:, 0] == entrants
        friends[bad, 0] = pop.random_genuine(rng, int(bad.sum()))
    targets = np.concatenate([np.zeros((m, 1), dtype=np.int64), friends], axis=1).ravel()
    post = buf.count + 4 * np.repeat(np.arange(m, dtype=np.int64), 4)
    buf.add(
        "mention",
        np.repeat(t_entry, 4),
        np.repeat(entrants, 4),
        REASON["incentivized:contest_entry"],
        target=targets,
        post=post,
        channel=CH["instagram"],
        campaign=ctx.campaign,
        text=np.repeat(ctx.texts.pick(rng, "contest_entry", m), 4),
    )
    winners = rng.choice(entrants, min(3, m), replace=False)
    t_win = g_ts + 8 * DAY
    buf.add(
        "mention",
        np.full(len(winners), t_win),
        np.zeros(len(winners), dtype=np.int64),
        REASON["broadcast:brand_message"],
        target=winners,
        post=buf.count,
        channel=CH["instagram"],
        campaign=ctx.campaign,
        text=ctx.texts.ids("winners")[0],
    )
    # a few tagged friends buy within weeks (no peer told them; the contest did)
    tagged = friends.ravel()
    t_tag = np.repeat(t_entry, 3)
    chosen = np.flatnonzero((rng.random(len(tagged)) < 0.06) & pop.free[tagged])
    who, first = np.unique(tagged[chosen], return_index=True)
    t = t_tag[chosen][first] + rng.integers(1 * DAY, 25 * DAY, len(who))
    ok = t < SPAN - HOUR
    pop.free[who[ok]] = False
    ctx.adoptions.add(rng, who[ok], t[ok], FORM_PURCHASE)


def employees(ctx: Ctx) -> None:
    """Employees post about the brand, share its posts and refer people; all incentivized."""
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    emp = pop.indices("employees")
    reason = REASON["incentivized:employee"]
    k = rng.poisson(1.5 * SPAN_DAYS / 7, len(emp))
    who = np.repeat(emp, k)
    ts = spread(rng, 0, SPAN - HOUR, len(who))
    ch = pop.platform[who]
    eid = buf.add(
        "post",
        ts,
        who,
        reason,
        content=True,
        channel=ch,
        text=ctx.texts.pick(rng, "employee_post", len(who)),
    )
    _paid_engagement(ctx, Content(eid, ts, who, ch.astype(np.int64)))
    posts = ctx.brand_posts
    who = np.repeat(emp, rng.poisson(12, len(emp)))
    react_on(
        ctx,
        posts,
        rng.integers(0, len(posts), len(who)),
        who,
        "share",
        "incentivized:employee",
        content=True,
    )
    # referrals to friends of the company; some buy through the referral link
    who = np.repeat(emp, rng.poisson(1 + 3 * _reach(pop), len(emp)))
    target = pop.claim_random(rng, len(who))
    ok = target >= 0
    who, target = who[ok], target[ok]
    ts = spread(rng, 10 * DAY, SPAN - 30 * DAY, len(who))
    ref = buf.add("referral", ts, who, reason, target=target, channel=CH["referral_program"])
    conv = rng.random(len(who)) < 0.3
    t = ts[conv] + rng.integers(HOUR, 10 * DAY, int(conv.sum()))
    ctx.adoptions.add(rng, target[conv], t, FORM_PURCHASE, VIA_EVENT, ref[conv])


def partners(ctx: Ctx) -> None:
    """Paid partners: posts (disclosed or not), referral codes that convert people."""
    rng, pop, buf = ctx.rng, ctx.pop, ctx.buf
    reason = REASON["incentivized:partner"]
    audience = min(6.0, max(1.0, pop.sizes.people / 1000))  # partners' posts reach more people
    owners = []
    for name, cat in (
        ("partners_disclosed", "partner_disclosed"),
        ("partners_undisclosed", "partner_undisclosed"),
    ):
        for p in pop.indices(name):
            k = rng.poisson(SPAN_DAYS / 7)
            ts = np.sort(spread(rng, 0, SPAN - HOUR, k))
            if cat == "partner_disclosed":
                texts = ctx.texts.coded(cat, referral_code(int(p), partner=True))
                text = texts[rng.integers(0, len(texts), k)]
            else:
                text = ctx.texts.pick(rng, cat, k)
            ch = np.full(k, pop.platform[p], dtype=np.int64)
            eid = buf.add(
                "post",
                ts,
                np.full(k, p),
                reason,
                content=True,
                channel=ch,
                text=text,
                paid=True if cat == "partner_disclosed" else None,
            )
            _paid_engagement(
                ctx, Content(eid, ts, np.full(k, p, dtype=np.int64), ch), scale=audience
            )
            owners.append(p)
    owners = np.array(owners, dtype=np.int64)
    ctx.code_owner = np.r_[ctx.code_owner, owners]
    # referral events carrying the partner's code, and buyers using it
    who = np.repeat(owners, rng.poisson(2 + 6 * _reach(pop), len(owners)))
    target = pop.claim_random(rng, len(who))
    ok = target >= 0
    who, target = who[ok], target[ok]
    ts = spread(rng, 7 * DAY, SPAN - 20 * DAY, len(who))
    buf.add(
        "referral",
        ts,
        who,
        reason,
        target=target,
        via_kind=VIA_CODE,
        via_ref=who,
        channel=np.where(rng.random(len(who)) < 0.5, CH["referral_program"], CH["email"]),
    )
    conv = rng.random(len(who)) < 0.4
    t = ts[conv] + rng.integers(HOUR, 12 * DAY, int(conv.sum()))
    form = np.where(rng.random(len(t)) < 0.3, FORM_SIGNUP_PURCHASE, FORM_PURCHASE)
    ctx.adoptions.add(rng, target[conv], t, form, VIA_CODE, who[conv])
    # people who saw the code in a post and used it (no referral event of their own)
    first_ref = np.full(pop.n, SPAN, dtype=np.int64)
    np.minimum.at(first_ref, who, ts)
    users = np.repeat(owners, rng.poisson(1 + 5 * _reach(pop), len(owners)))
    users = users[first_ref[users] < SPAN - 2 * DAY]
    buyer = pop.claim_random(rng, len(users))
    ok = buyer >= 0
    users, buyer = users[ok], buyer[ok]
    t = spread(rng, first_ref[users] + HOUR, SPAN - HOUR, len(users))
    ctx.adoptions.add(rng, buyer, t, FORM_PURCHASE, VIA_CODE, users)


def _reach(pop) -> float:
    """0..1: how much of their full audience employees and partners reach in a small
    community (so they do not use up its few buyers)."""
    return min(1.0, pop.sizes.people / 6000)


def _paid_engagement(ctx: Ctx, posts: Content, scale: float = 1.0) -> None:
    """Likes, shares and replies on incentivized posts, by people who never adopt."""
    rng, pop = ctx.rng, ctx.pop
    pool = pop.g0 + np.flatnonzero(pop.no_adopt[pop.g0 :] & ~pop.heavy[pop.g0 :])
    reason = REASON["broadcast:engagement_with_paid_content"]
    n = len(posts)
    react(ctx, posts, rng.poisson(4 * scale, n), "like", reason, pool=pool)
    react(ctx, posts, rng.poisson(0.15 * scale, n), "share", reason, pool=pool, content=True)
    react(
        ctx,
        posts,
        rng.poisson(0.3 * scale, n),
        "reply",
        reason,
        pool=pool,
        content=True,
        text="fan_reply",
    )
