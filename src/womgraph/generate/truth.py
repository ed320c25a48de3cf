"""The ground truth: every event's class, every adoption's parent, the chains and the advocates.

Non-adoption events carry their reason from the step that generated them. Signups and purchases
get theirs here, by the attribution rules of docs/classes.md applied to the generated events:

1. ``via`` names a referral/recommendation event -> its actor; a referral code handed out in a
   referral's ``via`` -> that sender; ignored when it resolves to the adopter (self-referral);
2. else the latest peer exposure of the adopter in the 30 days before;
3. else the latest incentivized exposure; 4. else the latest broadcast exposure; 5. else none.

The cascade forest links each person's first adoption to its peer parent (step 1 with a peer
invitation, or step 2). Direct conversions of X: people whose first adoption has X as peer
parent. Total conversions: direct ones plus everyone further down X's subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import PENDING, REASON, REASONS, ROLE, TYPE, WINDOW, reason_class
from .population import KIND, Population

__all__ = ["CLASS_NAMES", "REASON_CLASS", "Truth", "compute_truth", "exposure_table"]

CLASS_NAMES: tuple[str, ...] = ("peer", "broadcast", "incentivized", "suspicious", "social")
#: Class code of each reason code.
REASON_CLASS = np.array([CLASS_NAMES.index(reason_class(r)) for r in REASONS], dtype=np.int8)
_PEER, _BC, _INC, _SUS, _SOC = range(5)
_ADOPTION_REASON = {
    _PEER: REASON["peer:adoption_via_peer"],
    _INC: REASON["incentivized:adoption_via_incentive"],
    _BC: REASON["broadcast:adoption_after_broadcast"],
}
_KEY = 1 << 25  # > the period in seconds


@dataclass
class Truth:
    """Ground truth of a generated community (arrays over events or accounts)."""

    reason: np.ndarray
    parent: np.ndarray  # per event: the attributed parent account of an adoption, else -1
    kind: np.ndarray  # per event: attribution kind of an adoption (class code), else -1
    role: np.ndarray
    nps: np.ndarray
    conversions_direct: np.ndarray
    conversions_total: np.ndarray
    is_advocate: np.ndarray
    generation: np.ndarray  # per account: generation in its cascade (-1: not in one)
    account_kind: list[str]
    groups: dict[str, np.ndarray]
    stats: dict = field(default_factory=dict)


def exposure_table(ev: dict[str, np.ndarray], cls: np.ndarray, n_brands: int) -> dict[str, dict]:
    """Peer, incentivized and broadcast exposures as (person, ts, sender, eid), sorted by
    person then time (docs/classes.md, "Peer exposures")."""
    typ, actor, target, reason, ts = ev["type"], ev["actor"], ev["target"], ev["reason"], ev["ts"]
    adopt = (typ == TYPE["signup"]) | (typ == TYPE["purchase"])
    to_person = target >= n_brands
    invite_like = np.isin(typ, [TYPE["referral"], TYPE["recommendation"], TYPE["mention"]])
    reacts = np.isin(typ, [TYPE["reply"], TYPE["share"]])
    peer_t = np.isin(
        reason,
        [REASON["peer:referral"], REASON["peer:recommendation"], REASON["peer:tagged_friend"]],
    )
    peer_a = np.isin(
        reason, [REASON["peer:conversation_about_brand"], REASON["peer:share_of_peer_story"]]
    )
    inc = (cls == _INC) & ~adopt
    bc = (cls == _BC) & ~adopt
    msg = reason == REASON["broadcast:brand_message"]
    spec = {
        "peer": (peer_t, peer_a),
        "incentivized": (inc & invite_like & to_person, inc & reacts & (target >= 0)),
        "broadcast": (bc & msg & to_person, bc & ~msg & (actor >= n_brands)),
    }
    out = {}
    for name, (by_target, by_actor) in spec.items():
        person = np.r_[target[by_target], actor[by_actor]].astype(np.int64)
        sender = np.r_[
            actor[by_target], np.where(target[by_actor] >= 0, target[by_actor], 0)
        ].astype(np.int64)
        t = np.r_[ts[by_target], ts[by_actor]]
        eid = np.r_[np.flatnonzero(by_target), np.flatnonzero(by_actor)]
        keep = person != sender
        person, sender, t, eid = person[keep], sender[keep], t[keep], eid[keep]
        order = np.argsort(person * _KEY + t, kind="stable")
        out[name] = {
            "person": person[order],
            "ts": t[order],
            "sender": sender[order],
            "eid": eid[order],
        }
    return out


def _latest(exp: dict, who: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each (who, t): whether an exposure lies in [t - window, t), its index, and whether
    another exposure of the same person shares its second (an ambiguous tie)."""
    key = exp["person"] * _KEY + exp["ts"]
    pos = np.searchsorted(key, who * _KEY + t, "left") - 1
    safe = np.maximum(pos, 0)
    ok = (
        (pos >= 0) & (exp["person"][safe] == who) & (t - exp["ts"][safe] <= WINDOW)
        if len(key)
        else np.zeros(len(who), bool)
    )
    if not len(key):
        return ok, safe, ok
    prev = np.maximum(pos - 1, 0)
    tie = ok & (pos >= 1) & (key[prev] == key[safe]) & (exp["sender"][prev] != exp["sender"][safe])
    return ok, safe, tie


def compute_truth(ev: dict[str, np.ndarray], pop: Population, rng: np.random.Generator) -> Truth:
    """Attribute every adoption, build the cascade forest, and derive roles, groups and NPS.

    Parameters
    ----------
    ev : dict of ndarray
        Events from :meth:`~womgraph.generate.frame.EventBuffer.finish`; adoptions carry
        :data:`~womgraph.generate.model.PENDING` as reason.
    pop : Population
    rng : numpy.random.Generator
        For the survey (NPS) answers.

    Returns
    -------
    Truth
        Complete reasons, attribution per adoption, conversions, advocates and groups.

    Raises
    ------
    AssertionError
        When the generated events break an invariant the truth relies on (a cycle among
        chains, an adoption attributed to flagged activity).
    """
    n_ev = len(ev["eid"])
    if not np.array_equal(ev["eid"], np.arange(n_ev)):
        raise AssertionError("event ids must be 0..n-1 in order")
    typ, actor, ts = ev["type"], ev["actor"].astype(np.int64), ev["ts"]
    reason = ev["reason"].copy()
    nb = pop.sizes.brands
    cls = np.where(reason >= 0, REASON_CLASS[np.maximum(reason, 0)], -1)
    exp = exposure_table(ev, cls, nb)

    ad = np.flatnonzero(reason == PENDING)
    who, t = actor[ad], ts[ad]
    vk, vr = ev["via_kind"][ad], ev["via_ref"][ad]
    parent = np.full(len(ad), -1, dtype=np.int64)
    kind = np.full(len(ad), -1, dtype=np.int64)
    ets = np.full(len(ad), -1, dtype=np.int64)
    invite = np.isin(typ, [TYPE["referral"], TYPE["recommendation"]])
    # 1a. via = an invitation's event id
    e = np.flatnonzero(vk == 1)
    ref = vr[e]
    ok = invite[ref] & (actor[ref] != who[e])
    parent[e[ok]], kind[e[ok]], ets[e[ok]] = actor[ref[ok]], cls[ref[ok]], ts[ref[ok]]
    # 1b. via = a code handed out in invitations' via (latest one to the adopter, else latest)
    coded = np.flatnonzero(invite & (ev["via_kind"] == 2))
    owner = ev["via_ref"][coded]
    c = np.flatnonzero(vk == 2)
    has_code = np.isin(vr[c], owner)
    ok = has_code & (vr[c] != who[c])
    c = c[ok]
    if len(c):
        o1 = np.lexsort((ts[coded], owner))  # by owner, then time: the last per owner is the latest
        own_sorted = owner[o1]
        last_of = coded[o1][np.searchsorted(own_sorted, vr[c], "right") - 1]
        pair = owner * pop.n + ev["target"][coded].astype(np.int64)
        o2 = np.lexsort((ts[coded], pair))
        pair_sorted = pair[o2]
        want = vr[c] * pop.n + who[c]
        j = np.searchsorted(pair_sorted, want, "right") - 1
        to_y = (j >= 0) & (pair_sorted[np.maximum(j, 0)] == want)
        chosen = np.where(to_y, coded[o2][np.maximum(j, 0)], last_of)
        parent[c], kind[c], ets[c] = actor[chosen], cls[chosen], ts[chosen]
    stats = {"ties": 0}
    # 2-4. the latest exposure in the window, peer first
    for name, code in (("peer", _PEER), ("incentivized", _INC), ("broadcast", _BC)):
        open_ = np.flatnonzero(kind < 0)
        hit, pos, tie = _latest(exp[name], who[open_], t[open_])
        h = open_[hit]
        parent[h] = exp[name]["sender"][pos[hit]]
        kind[h] = code
        ets[h] = exp[name]["ts"][pos[hit]]
        stats["ties"] += int(tie.sum())
    if (kind == _SUS).any() or (kind == _SOC).any():
        raise AssertionError("a genuine adoption was attributed to a flagged or social event")
    reason[ad] = np.select(
        [kind == _PEER, kind == _INC, kind == _BC],
        [_ADOPTION_REASON[_PEER], _ADOPTION_REASON[_INC], _ADOPTION_REASON[_BC]],
        REASON["social:organic_adoption"],
    )
    ev_parent = np.full(n_ev, -1, dtype=np.int64)
    ev_kind = np.full(n_ev, -1, dtype=np.int64)
    ev_parent[ad], ev_kind[ad] = parent, kind

    # cascades: first adoption per person
    order = np.lexsort((ad, t, who))
    firsts = order[np.r_[True, who[order][1:] != who[order][:-1]]] if len(order) else order
    fy = who[firsts]
    fpeer = kind[firsts] == _PEER
    adopt_ts = np.full(pop.n, -1, dtype=np.int64)
    adopt_ts[fy] = t[firsts]
    reach_ts = np.full(pop.n, -1, dtype=np.int64)  # when a person was reached (-1: never)
    reach_ts[fy] = np.where(fpeer, ets[firsts], t[firsts])
    child, par, e_ts = fy[fpeer], parent[firsts][fpeer], ets[firsts][fpeer]
    direct = np.bincount(par, minlength=pop.n).astype(np.int64)
    kept = (reach_ts[par] < 0) | (reach_ts[par] < e_ts)
    forest = np.full(pop.n, -1, dtype=np.int64)
    forest[child[kept]] = par[kept]
    generation, sub = _forest(forest)
    kept_children = np.bincount(forest[forest >= 0], minlength=pop.n)
    total = direct + (sub - 1 - kept_children)
    stats["dropped_edges"] = int((~kept).sum())

    role = _roles(ev, pop)
    excluded = np.isin(role, [ROLE["brand"], ROLE["employee"], ROLE["partner"]]) | np.isin(
        pop.kind, [KIND["like_farm"], KIND["fraud_ring"]]
    )
    is_adv = ~excluded & (direct > 0)
    nps = _nps(rng, role, is_adv)
    in_tree = generation >= 0
    sizes = np.bincount(_root_of(forest)[in_tree], minlength=pop.n)
    stats["cascades"] = int((sizes >= 2).sum())
    stats["max_depth"] = int(generation.max(initial=0))
    groups, account_kind = _groups(ev, reason, pop, role, is_adv)
    return Truth(
        reason=reason,
        parent=ev_parent,
        kind=ev_kind,
        role=role,
        nps=nps,
        conversions_direct=np.where(excluded, 0, direct),
        conversions_total=np.where(excluded, 0, total),
        is_advocate=is_adv,
        generation=generation,
        account_kind=account_kind,
        groups=groups,
        stats=stats,
    )


def _forest(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Generation (-1 outside any cascade of two or more) and subtree size of each node."""
    n = len(parent)
    hops = np.zeros(n, dtype=np.int64)  # links up to the root
    anc = parent.copy()
    while (anc >= 0).any():
        alive = anc >= 0
        hops[alive] += 1
        anc = np.where(alive, parent[np.maximum(anc, 0)], -1)
        if hops.max(initial=0) > 500:
            raise AssertionError("the cascade forest has a cycle")
    sub = np.ones(n, dtype=np.int64)
    for level in range(int(hops.max(initial=0)), 0, -1):
        at = np.flatnonzero(hops == level)
        np.add.at(sub, parent[at], sub[at])
    has_child = np.zeros(n, dtype=bool)
    has_child[parent[parent >= 0]] = True
    generation = np.where((parent >= 0) | has_child, hops, -1)
    return generation, sub


def _root_of(parent: np.ndarray) -> np.ndarray:
    root = np.arange(len(parent), dtype=np.int64)
    p = parent.copy()
    while (p >= 0).any():
        root = np.where(p >= 0, p, root)
        p = np.where(p >= 0, parent[np.maximum(p, 0)], -1)
    return root


def _roles(ev: dict, pop: Population) -> np.ndarray:
    typ, actor, target = ev["type"], ev["actor"], ev["target"]
    role = pop.role.copy()
    open_ = np.isin(pop.kind, [KIND["person"], KIND["household"]])
    bought = np.zeros(pop.n, dtype=bool)
    bought[actor[typ == TYPE["purchase"]]] = True
    signed = np.zeros(pop.n, dtype=bool)
    signed[actor[typ == TYPE["signup"]]] = True
    invited = np.zeros(pop.n, dtype=bool)
    inv = np.isin(typ, [TYPE["referral"], TYPE["recommendation"]]) & (target >= 0)
    invited[target[inv]] = True
    role[open_ & bought] = ROLE["customer"]
    role[open_ & ~bought & (signed | invited)] = ROLE["prospect"]
    return role


def _nps(rng: np.random.Generator, role: np.ndarray, is_adv: np.ndarray) -> np.ndarray:
    """Survey answers: most advocates are promoters; other customers answer across the scale."""
    n = len(role)
    nps = np.full(n, -1, dtype=np.int8)
    u, v = rng.random(n), rng.random(n)
    adv_ans = np.select([v < 0.1, v < 0.45], [8, 9], 10)
    w = np.array([2, 1, 1, 2, 2, 4, 6, 12, 18, 22, 20], dtype=float)
    cust_ans = np.searchsorted(np.cumsum(w) / w.sum(), v)
    cust = (role == ROLE["customer"]) & ~is_adv
    nps[is_adv & (u < 0.85)] = adv_ans[is_adv & (u < 0.85)]
    nps[cust & (u < 0.3)] = cust_ans[cust & (u < 0.3)]
    return nps


def _groups(ev, reason, pop: Population, role, is_adv) -> tuple[dict[str, np.ndarray], list[str]]:
    actor, typ = ev["actor"], ev["type"]
    genuine = np.isin(pop.kind, [KIND["person"], KIND["household"]])
    fan_reasons = [
        REASON[f"broadcast:{r}"]
        for r in ("like_of_brand_post", "share_of_brand_post", "reply_to_brand_post")
    ]
    engaged = np.zeros(pop.n, dtype=bool)
    engaged[actor[np.isin(reason, fan_reasons)]] = True
    bought = np.zeros(pop.n, dtype=bool)
    bought[actor[typ == TYPE["purchase"]]] = True
    chat = [REASON[f"social:{t}"] for t in ("post", "reply", "share", "like", "mention")]
    acts = np.bincount(actor, minlength=pop.n)
    chat_acts = np.bincount(actor[np.isin(reason, chat)], minlength=pop.n)
    groups = {
        "fans": genuine & pop.fan & engaged,
        "customers": genuine & bought,
        "advocates": is_adv,
        "partners_disclosed": pop.kind == KIND["partner_disclosed"],
        "partners_undisclosed": pop.kind == KIND["partner_undisclosed"],
        "employees": pop.kind == KIND["employee"],
        "like_farm": pop.kind == KIND["like_farm"],
        "fraud_ring": pop.kind == KIND["fraud_ring"],
        "household": pop.kind == KIND["household"],
        "heavy_resharers": pop.heavy,
        "chatter": genuine
        & ~pop.heavy
        & (pop.kind != KIND["household"])
        & (acts > 0)
        & (acts == chat_acts),
    }
    groups = {k: np.flatnonzero(v) for k, v in groups.items()}
    labels = np.full(pop.n, "person", dtype=object)
    for name in ("chatter", "fans", "prospect", "customers", "heavy_resharers", "advocates"):
        if name == "prospect":
            labels[genuine & (role == ROLE["prospect"])] = "prospect"
            continue
        labels[groups[name]] = name.rstrip("s") if name != "heavy_resharers" else "heavy_resharer"
    for name in (
        "household",
        "fraud_ring",
        "like_farm",
        "employees",
        "partners_undisclosed",
        "partners_disclosed",
    ):
        labels[groups[name]] = {
            "employees": "employee",
            "partners_undisclosed": "partner_undisclosed",
            "partners_disclosed": "partner_disclosed",
        }.get(name, name)
    labels[pop.kind == KIND["brand"]] = "brand"
    return groups, labels.tolist()
