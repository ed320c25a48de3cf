"""The baseline: the word-of-mouth analysis as a competent analyst would write it in an afternoon.

pandas reads the JSON Lines files, rules from ``docs/classes.md`` label each event (vectorised
with ``numpy.select``; thread roots by repeated ``Series.map``), every interaction goes into a
networkx ``MultiDiGraph`` (actor -> target, with the event's attributes), networkx PageRank runs
on it (explicit ``tol``: networkx scales its tolerance with the node count), networkx Louvain
(``louvain_communities``, seeded) on the peer subgraph, and attribution and cascades are Python
loops over the referral/recommendation and signup/purchase events with a 30-day window.

It writes ``advocates.csv``, ``chains.json``, ``communities.csv``, ``scorecard.json`` and
``timings.json`` (seconds per step) into ``--out``. Deliberate simplifications, each of which
makes it *faster* than the real thing: no authenticity detectors (no ``suspicious`` class, no
flags), broadcast exposure only through brand content a person engaged with.

    python bench/baseline.py --events E.jsonl --accounts A.jsonl --out DIR

Needs pandas (``pip install -e '.[bench]'``). Not part of the package or the tests.
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

FIELDS = ["id", "ts", "type", "actor", "target", "post", "parent", "channel", "text", "value",
          "via", "paid", "campaign", "rating"]
DISCLOSURE = [r"#ad\b", r"#sponsored\b", r"#gifted\b", r"#partner\b", r"#affiliate\b",
              r"paid partnership", r"use my code"]
CONTEST = [r"#giveaway\b", r"#contest\b", r"#win\b", r"giveaway", r"tag 3 friends",
           r"tag three friends", r"tag a friend", r"\bto win\b"]

TIMINGS: dict[str, float] = {}


class step:
    """``with step("name"):`` records the seconds a step took (printed to stderr)."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.t = time.perf_counter()

    def __exit__(self, *exc):
        TIMINGS[self.name] = round(time.perf_counter() - self.t, 3)
        print(f"  {self.name:<14} {TIMINGS[self.name]:8.2f} s", file=sys.stderr, flush=True)


# -- read ---------------------------------------------------------------------------------------
def read(events_path: str, accounts_path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    chunks = []
    for chunk in pd.read_json(events_path, lines=True, chunksize=500_000, dtype=False):
        chunks.append(chunk.reindex(columns=FIELDS))
    ev = pd.concat(chunks, ignore_index=True)
    ev["ts"] = pd.to_datetime(ev["ts"], utc=True, format="ISO8601")
    ev["paid"] = ev["paid"].fillna(False).astype(bool)
    acc = pd.read_json(accounts_path, lines=True, dtype=False)
    acc = acc.drop_duplicates("id")
    return ev, acc


# -- classes ------------------------------------------------------------------------------------
def classify(ev: pd.DataFrame, acc: pd.DataFrame) -> None:
    """Add ``reason`` and ``cls`` columns (adoptions are labelled later, by attribution)."""
    role = dict(zip(acc["id"], acc["role"]))
    brands = set(acc.loc[acc["role"] == "brand", "id"])
    names = set()
    for col in ("id", "handle", "name"):
        if col in acc:
            names |= {str(n).lstrip("@#").lower() for n in acc.loc[acc["role"] == "brand", col].dropna()}
    brand_re = r"(?:^|[^a-z0-9_])[@#]?(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?:[^a-z0-9_]|$)"
    disclosure_re = "(?:" + "|".join(DISCLOSURE + [rf"thanks @?(?:{'|'.join(map(re.escape, names))}) for sending"]) + ")"
    contest_re = "(?:" + "|".join(CONTEST) + ")"

    text = ev["text"].fillna("").str.lower()
    ev["actor_role"] = ev["actor"].map(role)
    by_brand = ev["actor"].isin(brands)
    to_brand = ev["target"].isin(brands)
    names_brand = text.str.contains(brand_re, regex=True)
    disclosed = ev["paid"] | text.str.contains(disclosure_re, regex=True)
    contest = text.str.contains(contest_re, regex=True)
    t = ev["type"]
    ev["by_brand"] = by_brand

    # Rules 3-7: what an event is by its actor and its own text.
    base = pd.Series(np.select(
        [t.isin(["signup", "purchase"]),
         by_brand & (t.isin(["mention", "referral", "recommendation"]) | ((t == "reply") & ev["target"].notna() & ~to_brand)),
         by_brand,
         ev["actor_role"] == "employee",
         ev["actor_role"] == "partner",
         disclosed,
         t.isin(["mention", "post", "reply", "share"]) & (ev["campaign"].notna() | contest)],
        ["", "broadcast:brand_message", "broadcast:brand_content", "incentivized:employee",
         "incentivized:partner", "incentivized:disclosed_ad", "incentivized:contest_entry"],
        default="",
    ), index=ev.index)

    # Content: its creator, its own kind, its parent, then its root by following parents.
    mentions = ev[(t == "mention") & ev["post"].notna()]
    mention_brand = set(mentions.loc[to_brand[mentions.index], "post"])
    mention_peer = set(mentions.loc[~to_brand[mentions.index], "post"])
    c = ev[ev["post"].notna() & t.isin(["post", "reply", "share", "review", "mention"])].copy()
    c["base"] = base[c.index]
    c["names_brand"] = names_brand[c.index]
    c = c.sort_values(["ts", "id"]).drop_duplicates("post")
    kind = np.select(
        [c["by_brand"], c["base"].str.startswith("incentivized"),
         c["names_brand"] | (c["type"] == "review") | c["post"].isin(mention_brand)],
        ["brand", "incentivized", "peer"], default="social")
    kind_of = dict(zip(c["post"], kind))
    creator_of = dict(zip(c["post"], c["actor"]))
    parent_of = c.set_index("post")["parent"].dropna()
    parent_of = parent_of[parent_of.isin(kind_of.keys())]
    root = pd.Series(ev["parent"].where(ev["parent"].isin(kind_of.keys())), index=ev.index)
    for _ in range(100):  # follow parents until nothing changes (cycles stop at 100 hops)
        up = root.map(parent_of)
        moved = up.notna()
        if not moved.any():
            break
        root = root.where(~moved, up)
    parent_kind = ev["parent"].map(kind_of)
    root_kind = root.map(kind_of)
    ev["parent_creator"] = ev["parent"].map(creator_of)
    ev["root_creator"] = root.map(creator_of)
    react = t.isin(["like", "share", "reply"])
    is_brand_related = names_brand | by_brand | to_brand | ev["campaign"].notna()

    reason = np.select(
        [base != "",
         react & (parent_kind == "brand"),
         react & (root_kind == "brand"),
         react & (root_kind == "incentivized"),
         t == "referral", t == "recommendation",
         (t == "mention") & to_brand & ev["post"].isin(mention_peer),
         (t == "mention") & ~to_brand & (ev["post"].isin(mention_brand) | names_brand),
         (t == "mention") & to_brand,
         (t == "post") & names_brand,
         t == "review",
         (t == "share") & (root_kind == "peer"),
         (t == "reply") & (names_brand | (root_kind == "peer")),
         (t == "like") & (root_kind == "peer")],
        [base,
         "broadcast:" + t + "_of_brand_post",
         pd.Series("broadcast:reshare_of_brand_content", index=ev.index),
         pd.Series("broadcast:engagement_with_paid_content", index=ev.index),
         "peer:referral", "peer:recommendation", "peer:brand_mention_to_peer", "peer:tagged_friend",
         "peer:customer_story", "peer:customer_story", "peer:review", "peer:share_of_peer_story",
         "peer:conversation_about_brand", "social:like_of_peer_post"],
        default="social:" + t,
    )
    reason = np.where(t.isin(["signup", "purchase"]), "", reason)
    reason = pd.Series(reason, index=ev.index).str.replace("reply_of_brand_post", "reply_to_brand_post")
    ev["reason"] = reason
    ev["cls"] = reason.str.split(":").str[0]
    ev["brand_related"] = is_brand_related | (ev["cls"] != "social") | (root_kind == "peer")


# -- graph --------------------------------------------------------------------------------------
def build_graph(ev: pd.DataFrame, acc: pd.DataFrame) -> nx.MultiDiGraph:
    """Every interaction as an edge actor -> target (target: the parent's author when absent)."""
    g = nx.MultiDiGraph()
    g.add_nodes_from((a, {"role": r}) for a, r in zip(acc["id"], acc["role"]))
    target = ev["target"].fillna(ev["parent_creator"])
    inter = ev[target.notna()].assign(target=target[target.notna()])
    g.add_edges_from(
        (r.actor, r.target, {"id": r.id, "type": r.type, "ts": r.ts, "cls": r.cls, "channel": r.channel})
        for r in inter.itertuples(index=False)
    )
    return g


# -- exposures and attribution (Python loops) ---------------------------------------------------
def exposures(ev: pd.DataFrame) -> dict[str, list[tuple]]:
    """person -> time-sorted [(ts, kind, sender, event id)]."""
    by_person: dict[str, list[tuple]] = defaultdict(list)
    r = ev["reason"]
    told = ev[r.isin(["peer:referral", "peer:recommendation", "peer:tagged_friend"])]
    saw = ev[r.isin(["peer:conversation_about_brand", "peer:share_of_peer_story"])]
    paid = ev[ev["cls"].eq("incentivized") & ev["target"].notna()]
    engaged = ev[ev["cls"].eq("broadcast") & ~ev["by_brand"]].assign(
        sender=lambda d: d["root_creator"].fillna(d["parent_creator"]).fillna(d["target"]))
    messaged = ev[r.eq("broadcast:brand_message") & ev["target"].notna()]
    for df, person, sender, kind in ((told, "target", "actor", "peer"),
                                     (saw, "actor", "parent_creator", "peer"),
                                     (paid, "target", "actor", "incentivized"),
                                     (engaged, "actor", "sender", "broadcast"),
                                     (messaged, "target", "actor", "broadcast")):
        for p, s, ts, eid in zip(df[person], df[sender], df["ts"], df["id"]):
            if isinstance(p, str) and isinstance(s, str) and p != s:
                by_person[p].append((ts, kind, s, eid))
    for xs in by_person.values():
        xs.sort()
    return by_person


def attribute(ev: pd.DataFrame, acc: pd.DataFrame, exp: dict, window_days: float) -> pd.DataFrame:
    """One row per signup/purchase: adopter, ts, kind, parent, parent_event, reached_ts."""
    window = pd.Timedelta(days=window_days)
    invites = ev[ev["type"].isin(["referral", "recommendation"])].sort_values("ts")
    by_event = {i: a for i, a in zip(invites["id"], invites["actor"])}
    by_code: dict[str, list[tuple]] = defaultdict(list)
    for code, actor, target in zip(invites["via"], invites["actor"], invites["target"]):
        if isinstance(code, str):
            by_code[code].append((actor, target))
    accounts = set(acc["id"])
    rows = []
    adoptions = ev[ev["type"].isin(["signup", "purchase"])].sort_values(["ts", "id"])
    for eid, y, ts, via in zip(adoptions["id"], adoptions["actor"], adoptions["ts"], adoptions["via"]):
        parent = parent_event = None
        kind, reached = "organic", ts
        if isinstance(via, str):
            if via in by_event:
                parent, parent_event = by_event[via], via
            elif via in by_code:
                senders = by_code[via]
                to_y = [a for a, t in senders if t == y]
                parent = to_y[-1] if to_y else senders[-1][0]
            elif via in accounts:
                parent = via
            if parent == y:
                parent = parent_event = None
            if parent is not None:
                kind = "peer"
        if parent is None:
            xs = exp.get(y, [])
            hi = bisect.bisect_left(xs, (ts,))
            best = {}
            for x_ts, x_kind, sender, x_id in reversed(xs[:hi]):  # latest first
                if ts - x_ts > window:
                    break
                best.setdefault(x_kind, (sender, x_id, x_ts))
            for k in ("peer", "incentivized", "broadcast"):
                if k in best:
                    kind = k
                    parent, parent_event, reached = best[k]
                    break
        rows.append((eid, y, ts, kind, parent, parent_event, reached))
    return pd.DataFrame(rows, columns=["id", "adopter", "ts", "kind", "parent", "parent_event", "reached"])


# -- cascades -----------------------------------------------------------------------------------
def cascades(att: pd.DataFrame, exp: dict) -> tuple[nx.DiGraph, list[dict], dict[str, pd.Timestamp]]:
    first = att.drop_duplicates("adopter")  # sorted by ts: the first adoption of each person
    adopted = dict(zip(first["adopter"], first["ts"]))
    first_reached = {}
    for p, xs in exp.items():
        peer_ts = [ts for ts, k, _, _ in xs if k == "peer"]
        if peer_ts:
            first_reached[p] = peer_ts[0]
    tree = nx.DiGraph()
    for y, kind, parent, reached in zip(first["adopter"], first["kind"], first["parent"], first["reached"]):
        if kind != "peer" or parent is None:
            continue
        p_time = min(t for t in (adopted.get(parent), first_reached.get(parent)) if t is not None) \
            if (parent in adopted or parent in first_reached) else None
        if p_time is not None and p_time >= reached:
            continue  # not time-respecting: the child starts its own cascade
        if tree.has_node(y) and tree.has_node(parent) and nx.has_path(tree, y, parent):
            continue  # would close a cycle
        tree.add_edge(parent, y)
    out = []
    for nodes in nx.weakly_connected_components(tree):
        if len(nodes) < 2:
            continue
        sub = tree.subgraph(nodes)
        root = next(n for n in nodes if sub.in_degree(n) == 0)
        gen = nx.single_source_shortest_path_length(sub, root)
        per_gen = Counter(gen.values())
        conv = Counter(g for n, g in gen.items() if n in adopted)
        depth = max(per_gen)
        n = len(nodes)
        sv = 2 * nx.wiener_index(sub.to_undirected()) / (n * (n - 1))
        out.append({"root": root, "size": n, "depth": depth, "max_breadth": max(per_gen.values()),
                    "structural_virality": round(sv, 6), "conversions": sum(conv.values()),
                    "root_adopted": root in adopted,
                    "people_per_generation": [per_gen[g] for g in range(depth + 1)],
                    "conversions_per_generation": [conv.get(g, 0) for g in range(depth + 1)],
                    "edges": sorted([list(e) for e in sub.edges()])})
    out.sort(key=lambda c: (-c["size"], -c["depth"], c["root"]))
    return tree, out, adopted


# -- advocates ----------------------------------------------------------------------------------
def advocates(ev, acc, att, tree, adopted, exp, pagerank, half_life=180.0) -> pd.DataFrame:
    excluded = set(acc.loc[acc["role"].isin(["brand", "employee", "partner"]), "id"])
    follow = dict(zip(acc["id"], acc.get("followers", pd.Series(dtype=float))))
    handle = dict(zip(acc["id"], acc.get("handle", pd.Series(dtype=str))))
    end = ev["ts"].max()
    first = att.drop_duplicates("adopter")
    direct = Counter(first.loc[first["kind"] == "peer", "parent"])
    reached: dict[str, set] = defaultdict(set)
    for person, xs in exp.items():
        for _, kind, sender, _ in xs:
            if kind == "peer":
                reached[sender].add(person)
    peer = ev[(ev["cls"] == "peer") & ~ev["type"].isin(["signup", "purchase"])]
    span = peer.groupby("actor")["ts"].agg(["min", "max"])
    channel = peer.groupby("actor")["channel"].agg(lambda s: s.value_counts().sort_index().idxmax()
                                                   if s.notna().any() else None)
    rows = []
    for a in set(direct) | set(reached) | set(span.index):
        if a in excluded or not isinstance(a, str):
            continue
        chain = 0.0
        n_chain = 0
        if a in tree:
            for node, g in nx.single_source_shortest_path_length(tree, a).items():
                if g >= 2 and node in adopted:
                    chain += 0.5 ** (g - 1)
                    n_chain += 1
        d = direct.get(a, 0)
        score = d + chain + 0.1 * len(reached.get(a, ()))
        if score == 0:
            continue
        first_adv = span["min"].get(a)
        last_adv = span["max"].get(a, end)
        bought = a in adopted and first_adv is not None and adopted[a] < first_adv
        score *= (1.25 if bought else 1.0) * 0.5 ** ((end - last_adv).total_seconds() / 86400 / half_life)
        rows.append({"account": a, "handle": handle.get(a), "score": score, "conversions_direct": d,
                     "conversions_chain": n_chain, "conversions_total": d + n_chain,
                     "people_reached": len(reached.get(a, ())), "bought_before": bought,
                     "followers": follow.get(a), "pagerank": pagerank.get(a, 0.0),
                     "channel": channel.get(a), "last_advocacy": last_adv})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["score", "conversions_direct", "account"], ascending=[False, False, True])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


# -- scorecard ----------------------------------------------------------------------------------
def scorecard(ev, acc, att, chains, adopted) -> dict:
    first = att.drop_duplicates("adopter")
    by_cause = first["kind"].value_counts().to_dict()
    adopters = len(first)
    non_adopt = ev[~ev["type"].isin(["signup", "purchase"])]
    peer_i = int((non_adopt["cls"] == "peer").sum())
    brand_i = int(((non_adopt["cls"] != "social") | (non_adopt["reason"] == "social:like_of_peer_post")).sum())
    invites = ev[ev["reason"].isin(["peer:referral", "peer:recommendation"])]
    converted = att.loc[att["parent_event"].isin(set(invites["id"])), "parent_event"].nunique()
    in_chains = sum(c["conversions"] for c in chains)
    deep = sum(c["conversions"] for c in chains if c["depth"] >= 2)
    weekly = (non_adopt.assign(week=non_adopt["ts"].dt.tz_localize(None).dt.to_period("W").dt.start_time)
              .pivot_table(index="week", columns="cls", values="id", aggfunc="count", fill_value=0))
    ratio = lambda a, b: (a / b) if b else None
    return {
        "adoptions": len(att), "adopters": adopters,
        "adopters_by_cause": {k: int(v) for k, v in sorted(by_cause.items())},
        "wom_purity": ratio(by_cause.get("peer", 0), adopters),
        "wom_purity_interactions": ratio(peer_i, brand_i),
        "peer_interactions": peer_i, "brand_related_interactions": brand_i,
        "k_factor": ratio(converted, adopters),
        "invitations_per_customer": ratio(len(invites), adopters),
        "referral_conversion_rate": ratio(converted, len(invites)),
        "cascades": len(chains),
        "longest_chain_depth": max((c["depth"] for c in chains), default=0),
        "largest_cascade": max((c["size"] for c in chains), default=0),
        "share_of_conversions_from_deep_chains": ratio(deep, in_chains),
        "classes": {k: int(v) for k, v in ev["cls"].value_counts().sort_index().items()},
        "weekly": [{"week": str(w.date()), **{k: int(v) for k, v in row.items()}}
                   for w, row in weekly.iterrows()],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", required=True)
    ap.add_argument("--accounts", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--window-days", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    with step("read"):
        ev, acc = read(args.events, args.accounts)
    with step("classify"):
        classify(ev, acc)
    with step("graph"):
        g = build_graph(ev, acc)
    with step("pagerank"):
        n = g.number_of_nodes()
        pr = nx.pagerank(g, alpha=0.85, tol=1e-8 / max(n, 1), max_iter=1000) if n else {}
    with step("exposures"):
        exp = exposures(ev)
    with step("attribution"):
        att = attribute(ev, acc, exp, args.window_days)
        kinds = dict(zip(att["id"], att["kind"]))
        adopt = ev["type"].isin(["signup", "purchase"])
        cause = ev.loc[adopt, "id"].map(kinds).fillna("organic")
        label = {"peer": "peer:adoption_via_peer", "incentivized": "incentivized:adoption_via_incentive",
                 "broadcast": "broadcast:adoption_after_broadcast", "organic": "social:organic_adoption"}
        ev.loc[adopt, "reason"] = cause.map(label)
        ev.loc[adopt, "cls"] = ev.loc[adopt, "reason"].str.split(":").str[0]
    with step("cascades"):
        tree, chains, adopted = cascades(att, exp)
    with step("advocates"):
        adv = advocates(ev, acc, att, tree, adopted, exp, pr)
    with step("communities"):
        weights = Counter()
        for person, xs in exp.items():
            for _, kind, sender, _ in xs:
                if kind == "peer":
                    weights[(min(person, sender), max(person, sender))] += 1
        peer = nx.Graph()
        peer.add_weighted_edges_from((a, b, w) for (a, b), w in weights.items())
        comms = nx.community.louvain_communities(peer, weight="weight", seed=args.seed) if len(peer) else []
        comms = sorted(comms, key=lambda c: (-len(c), min(c)))
    with step("scorecard"):
        card = scorecard(ev, acc, att, chains, adopted)
        card["communities"] = len(comms)
    with step("write"):
        adv.to_csv(out / "advocates.csv", index=False)
        (out / "chains.json").write_text(json.dumps(chains, indent=1, default=str))
        pd.DataFrame([(a, i) for i, c in enumerate(comms) for a in sorted(c)],
                     columns=["account", "community"]).to_csv(out / "communities.csv", index=False)
        (out / "scorecard.json").write_text(json.dumps(card, indent=1, default=str))
    TIMINGS["total"] = round(time.perf_counter() - started, 3)
    TIMINGS["graph_nodes"], TIMINGS["graph_edges"] = g.number_of_nodes(), g.number_of_edges()
    (out / "timings.json").write_text(json.dumps(TIMINGS, indent=1))
    print(f"  {'total':<14} {TIMINGS['total']:8.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
