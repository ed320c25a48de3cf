"""The lockstep rule (docs/authenticity.md) against a brute-force reading of its definition.

The rule's pairs come from a prefix filter (engagement._lockstep_pairs), which must find exactly
the pairs that comparing every two accounts would find, including in crowded bursts.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pytest
from analysis_helpers import T0, accounts, events
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from womgraph.analyse.authenticity.engagement import (
    EngagementThresholds,
    _lockstep_pairs,
    lockstep,
    lockstep_pairs_update,
)
from womgraph.analyse.classify import features
from womgraph.analyse.frame import Frame
from womgraph.analyse.tallies import build_tallies, merge_tallies
from womgraph.duck import register


def _frame(rows: list[dict]) -> Frame:
    """A frame with the events' features and tallies, which the rule reads."""
    frame = Frame(events(rows), accounts([]))
    features(frame)
    build_tallies(frame.con)
    return frame


def reference_pairs(rows: list[dict], t: EngagementThresholds) -> dict[tuple[str, str], int]:
    """Every two accounts compared: the definition, slowly."""
    first: dict[tuple[str, str], float] = {}
    for r in rows:
        if r["type"] != "like" or r.get("parent") is None:
            continue
        key = (r["actor"], r["parent"])
        s = r["ts"].timestamp()
        first[key] = min(first.get(key, s), s)
    likes: dict[str, dict[str, float]] = defaultdict(dict)
    for (actor, post), s in first.items():
        likes[actor][post] = s
    people = sorted(likes)
    out = {}
    for i, a in enumerate(people):
        for b in people[i + 1:]:
            shared = sum(
                1 for p, s in likes[a].items() if p in likes[b] and abs(likes[b][p] - s) <= t.lockstep_seconds
            )
            if shared >= t.lockstep_min_posts and shared >= t.lockstep_min_share * min(len(likes[a]), len(likes[b])):
                out[(a, b)] = shared
    return out


def computed_pairs(rows: list[dict], t: EngagementThresholds) -> dict[tuple[str, str], int]:
    frame = _frame(rows)
    try:
        pairs = _lockstep_pairs(frame.con, t).to_pylist()
    finally:
        frame.close()
    assert all(p["a"] < p["b"] for p in pairs)
    return {(p["a"], p["b"]): p["shared"] for p in pairs}


def like(i: int, actor: str, post: str, seconds: float) -> dict:
    return {"id": f"l{i}", "ts": T0 + timedelta(seconds=seconds), "type": "like", "actor": actor, "parent": post}


def random_likes(seed: int) -> list[dict]:
    """Fans at their own times, viral bursts where everyone likes within seconds, and a farm."""
    rng = random.Random(seed)
    rows: list[dict] = []
    posts = [f"p{k}" for k in range(30)]
    fans = [f"fan{k}" for k in range(60)]
    farm = [f"bot{k}" for k in range(rng.randint(3, 9))]
    for fan in fans:
        for post in rng.sample(posts, rng.randint(1, 12)):
            rows.append(like(len(rows), fan, post, rng.uniform(0, 86400 * 3)))
    for post in rng.sample(posts, 4):  # viral bursts: many people in one 2-minute cell
        t0 = rng.uniform(0, 86400 * 3)
        for fan in rng.sample(fans, rng.randint(20, 50)):
            rows.append(like(len(rows), fan, post, t0 + rng.uniform(0, 150)))
    for post in rng.sample(posts, rng.randint(2, 8)):  # the farm: together, within seconds
        t0 = rng.uniform(0, 86400 * 3)
        for bot in farm:
            if rng.random() < 0.85:
                rows.append(like(len(rows), bot, post, t0 + rng.uniform(0, 130)))
    for k in range(rng.randint(0, 20)):  # repeated likes of the same post count once (the first)
        r = rng.choice(rows)
        rows.append(like(len(rows), r["actor"], r["parent"], (r["ts"] - T0).total_seconds() + rng.uniform(-300, 300)))
    return rows


THRESHOLDS = [
    EngagementThresholds(),
    EngagementThresholds(lockstep_min_posts=2, lockstep_min_share=0.5),
    EngagementThresholds(lockstep_min_posts=1, lockstep_min_share=0.34, lockstep_seconds=300),
    EngagementThresholds(lockstep_min_posts=4, lockstep_min_share=0.9, lockstep_seconds=60),
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("t", THRESHOLDS, ids=["default", "loose", "one-post", "strict"])
def test_prefix_filter_finds_exactly_the_pairs_of_the_definition(seed, t):
    rows = random_likes(seed)
    expected = reference_pairs(rows, t)
    assert computed_pairs(rows, t) == expected


def updated_pairs(rows: list[dict], t: EngagementThresholds, cut: float) -> dict[tuple[str, str], int]:
    """Pairs of the likes before ``cut`` seconds, updated with the likes after it (a refresh)."""
    kept = [r for r in rows if (r["ts"] - T0).total_seconds() < cut]
    new = [r for r in rows if (r["ts"] - T0).total_seconds() >= cut]
    frame = _frame(kept)
    try:
        con = frame.con
        register(con, "pairs_in", _lockstep_pairs(con, t))
        con.execute("CREATE TEMP TABLE kept_pairs AS SELECT * FROM pairs_in")
        register(con, "nev_in", events(new))
        con.execute("CREATE TEMP VIEW nev AS SELECT *, NULL::BIGINT AS rid FROM nev_in")
        features(frame, "nev", "nfeat")
        merge_tallies(con, "nfeat", "temp")
        pairs = lockstep_pairs_update(con, t, "kept_pairs", "temp.ls_like", "ls_touched").to_pylist()
    finally:
        frame.close()
    assert all(p["a"] < p["b"] for p in pairs)
    got = {(p["a"], p["b"]): p["shared"] for p in pairs}
    assert len(got) == len(pairs)
    return got


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("t", THRESHOLDS, ids=["default", "loose", "one-post", "strict"])
def test_pairs_updated_with_later_likes_are_the_pairs_of_all_likes(seed, t):
    rows = random_likes(seed)
    cut = random.Random(seed).uniform(86400 * 1.5, 86400 * 3)
    assert updated_pairs(rows, t, cut) == reference_pairs(rows, t)


def test_the_random_cases_are_not_empty():
    # Guards the test above against passing on data where no pair ever qualifies.
    found = [len(reference_pairs(random_likes(s), EngagementThresholds())) for s in range(12)]
    assert sum(1 for n in found if n > 0) >= 8
    assert max(found) >= 10


def test_window_edges_and_share_threshold():
    t = EngagementThresholds()
    rows = []
    # a and b: 3 posts at exactly 120 s apart (coincide), a has 5 likes: 3 >= 0.6 * 5.
    for k in range(3):
        rows += [like(len(rows), "a", f"p{k}", 1000 * k), like(len(rows) + 1, "b", f"p{k}", 1000 * k + 120)]
    rows += [like(len(rows), "a", "p8", 50_000), like(len(rows) + 1, "a", "p9", 60_000)]
    # c and d: 3 posts, 121 s apart: never coincide.
    for k in range(3):
        rows += [like(len(rows), "c", f"q{k}", 1000 * k), like(len(rows) + 1, "d", f"q{k}", 1000 * k + 121)]
    # e and f: 3 coinciding posts, but both have 6 likes: 3 < 0.6 * 6.
    for k in range(3):
        rows += [like(len(rows), "e", f"r{k}", 1000 * k), like(len(rows) + 1, "f", f"r{k}", 1000 * k + 5)]
    rows += [like(len(rows) + k, "e", f"r{k + 3}", 90_000 + 1000 * k) for k in range(3)]
    rows += [like(len(rows) + k, "f", f"s{k}", 90_000 + 1000 * k) for k in range(3)]
    assert computed_pairs(rows, t) == {("a", "b"): 3}
    assert reference_pairs(rows, t) == {("a", "b"): 3}


def test_a_farm_inside_a_viral_burst_is_one_group_and_the_crowd_is_not():
    t = EngagementThresholds()
    rng = random.Random(5)
    rows: list[dict] = []
    crowd = [f"fan{k}" for k in range(300)]
    for k, fan in enumerate(crowd):  # one viral post, 300 likes within two minutes
        rows.append(like(len(rows), fan, "viral", rng.uniform(0, 110)))
        for j in range(3):  # and each fan's own likes elsewhere, at their own times
            rows.append(like(len(rows), fan, f"own{k}-{j}", rng.uniform(0, 86400)))
    bots = [f"bot{k}" for k in range(6)]
    for j in range(4):  # the farm: the viral post and 4 more, always together
        for bot in bots:
            rows.append(like(len(rows), bot, f"target{j}", 5000 * j + rng.uniform(0, 30)))
    for bot in bots:
        rows.append(like(len(rows), bot, "viral", rng.uniform(0, 110)))
    frame = _frame(rows)
    try:
        flags = lockstep(frame, t)
    finally:
        frame.close()
    assert [f["accounts"] for f in flags] == [sorted(bots)]
    values = flags[0]["evidence"]["values"]
    assert values["group_size"] == 6 and values["lockstep_pairs"] == 15
    assert values["posts"] == 5 and values["median_shared_posts_per_pair"] == 5.0


@pytest.mark.parametrize("seed", range(3))
def test_groups_are_the_connected_components_of_the_reference_pairs(seed):
    t = EngagementThresholds()
    rows = random_likes(seed + 100)
    pairs = reference_pairs(rows, t)
    names = sorted({x for p in pairs for x in p})
    index = {n: k for k, n in enumerate(names)}
    expected = []
    if pairs:
        m = coo_matrix((np.ones(len(pairs)), ([index[a] for a, _ in pairs], [index[b] for _, b in pairs])),
                       shape=(len(names), len(names)))
        _, labels = connected_components(m, directed=False)
        for label in np.unique(labels):
            members = sorted(n for n, lab in zip(names, labels) if lab == label)
            if len(members) >= t.lockstep_min_group:
                expected.append(members)
    frame = _frame(rows)
    try:
        got = [f["accounts"] for f in lockstep(frame, t)]
    finally:
        frame.close()
    assert sorted(got) == sorted(expected)
