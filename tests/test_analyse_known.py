"""Known answers on tiny hand-drawn scenarios: stars, paths, cycles, windows, precedence."""

from __future__ import annotations

import math
import random

import networkx as nx
import pytest

from analysis_helpers import at, attribution, purchase, reasons, referral, run
from womgraph.analyse.cascades import structural_virality


def test_structural_virality_of_star_and_path_matches_closed_forms():
    for n in range(2, 12):
        assert structural_virality(nx.star_graph(n - 1)) == pytest.approx(2 * (n - 1) / n)
        assert structural_virality(nx.path_graph(n)) == pytest.approx((n + 1) / 3)


def test_structural_virality_rejects_single_node():
    with pytest.raises(ValueError, match="at least 2 nodes, got 1"):
        structural_virality(nx.empty_graph(1))


def test_star_cascade_shape_and_virality():
    ev = [purchase("b0", 0, "root")]
    for k, friend in enumerate("abcd"):
        ev += [referral(f"r{friend}", 1 + k, "root", friend), purchase(f"b{friend}", 2 + k, friend, via=f"r{friend}")]
    a = run(ev)
    [c] = a.chains()
    assert (c["root"], c["size"], c["depth"], c["max_breadth"]) == ("root", 5, 1, 4)
    assert c["structural_virality"] == pytest.approx(1.6)
    assert c["conversions_per_generation"] == [1, 4]
    assert sorted(c["edges"]) == [["root", f] for f in "abcd"]


def test_path_cascade_depth_and_virality_equal_closed_form():
    people = ["p0", "p1", "p2", "p3", "p4"]
    ev = [purchase("b_p0", 0, "p0")]
    for k in range(4):
        ev += [referral(f"r{k}", 2 * k + 1, people[k], people[k + 1]),
               purchase(f"b_{people[k + 1]}", 2 * k + 2, people[k + 1])]  # window attribution
    a = run(ev)
    [c] = a.chains()
    assert (c["size"], c["depth"], c["max_breadth"]) == (5, 4, 1)
    assert c["structural_virality"] == pytest.approx((5 + 1) / 3)
    assert c["edges"] == [[people[k], people[k + 1]] for k in range(4)]
    assert c["hop_hours"] == [48.0] * 4
    adv = a.advocates.to_pylist()
    assert [r["account"] for r in adv[:2]] == ["p0", "p1"]
    assert adv[0]["conversions_direct"] == 1 and adv[0]["conversions_chain"] == 3


def test_referral_cycle_does_not_loop_and_keeps_one_direction():
    ev = [referral("r1", 1, "a", "b"), referral("r2", 2, "b", "a"),
          purchase("pa", 3, "a"), purchase("pb", 4, "b")]
    a = run(ev)
    att = attribution(a)
    assert att["pa"][:2] == ("peer", "b") and att["pb"][:2] == ("peer", "a")
    chains = a.chains()
    assert len(chains) == 1 and chains[0]["size"] == 2  # one of the two edges is dropped


def test_referral_cycles_are_flagged_with_their_invitations_and_corroboration():
    # a -> b -> c -> a shares a device between a and c (corroborated: suspicious); d <-> e share
    # nothing (a low note that changes no class); f -> g alone is no cycle. x and y share an
    # e-mail but never invite each other: no flag. A shared identifier no two accounts share
    # does not exist.
    ev = [referral("r3", 3, "c", "a"), referral("r1", 1, "a", "b"), referral("r2", 2, "b", "c"),
          referral("r2b", 2, "b", "c"), referral("r4", 4, "d", "e"), referral("r5", 5, "e", "d"),
          referral("r6", 6, "f", "g"), referral("r7", 7, "x", "f")]
    acc = [{"id": "brand", "role": "brand", "handle": "@glowbrew"},
           {"id": "a", "device_hash": "dev1"}, {"id": "c", "device_hash": "dev1"},
           {"id": "b", "device_hash": "dev2"}, {"id": "x", "email_hash": "m1"}, {"id": "y", "email_hash": "m1"}]
    a = run(ev, acc)
    cycles = sorted((f for f in a.flags if f["rule"] == "referral_cycle"), key=lambda f: f["accounts"])
    assert [(f["accounts"], f["severity"], f["affects_class"], f["evidence"]) for f in cycles] == [
        (["a", "b", "c"], "high", True,
         {"events": ["r1", "r2", "r2b", "r3"], "values": {"cycle_size": 3, "corroborated": True}}),
        (["d", "e"], "low", False, {"events": ["r4", "r5"], "values": {"cycle_size": 2, "corroborated": False}}),
    ]
    shared = [f for f in a.flags if f["rule"] == "shared_identity_referral"]
    assert [(f["accounts"], f["evidence"]) for f in shared] == [
        (["a", "c"], {"events": ["r3"], "values": {"invitations": 1, "shared": ["device_hash"]}})
    ]
    got = reasons(a)
    assert {got[i] for i in ("r1", "r2", "r2b")} == {"suspicious:referral_cycle"}
    assert got["r3"].startswith("suspicious:")
    assert not any(got[i].startswith("suspicious:") for i in ("r4", "r5", "r6", "r7"))


def test_out_of_order_input_gives_the_same_results():
    ev = [purchase("root_buys", 0, "r")] + [referral(f"r{i}", i + 1, "r", f"f{i}") for i in range(6)]
    ev += [purchase(f"b{i}", i + 2, f"f{i}") for i in range(6)]
    ev += [referral("rr", 10, "f1", "g"), purchase("bg", 11, "g")]
    first = run(ev)
    shuffled = ev[:]
    random.Random(3).shuffle(shuffled)
    second = run(shuffled)
    assert first.chains() == second.chains()
    assert first.advocates.to_pylist() == second.advocates.to_pylist()
    assert reasons(first) == reasons(second)


@pytest.mark.parametrize("gap_days,kind", [(29.9, "peer"), (30.1, "organic")])
def test_attribution_window_edge(gap_days, kind):
    a = run([referral("r1", 0, "a", "b"), purchase("pb", gap_days, "b")])
    assert attribution(a)["pb"][0] == kind


def test_window_is_configurable():
    a = run([referral("r1", 0, "a", "b"), purchase("pb", 40, "b")], window_days=45)
    assert attribution(a)["pb"][:2] == ("peer", "a")


def test_via_event_beats_a_later_peer_exposure():
    ev = [referral("r1", 1, "a", "c"), referral("r2", 5, "b", "c"), purchase("pc", 6, "c", via="r1")]
    assert attribution(run(ev))["pc"] == ("peer", "a", "via_event")


def test_via_code_resolves_to_the_sender_of_that_code():
    ev = [referral("r1", 1, "a", "c", via="ANNA10"), referral("r2", 2, "b", "c"),
          purchase("pc", 3, "c", via="ANNA10")]
    assert attribution(run(ev))["pc"] == ("peer", "a", "via_code")


def test_latest_of_several_peer_exposures_wins():
    ev = [referral("r1", 1, "a", "c"), referral("r2", 3, "b", "c"), purchase("pc", 4, "c")]
    assert attribution(run(ev))["pc"] == ("peer", "b", "window")


def test_self_referral_via_is_ignored():
    ev = [referral("r1", 1, "c", "x"), purchase("pc", 2, "c", via="r1")]
    assert attribution(run(ev))["pc"][0] == "organic"


def test_broadcast_then_organic_fallbacks():
    ev = [
        {"id": "p", "ts": at(0), "type": "post", "actor": "brand", "post": "bp"},
        {"id": "l", "ts": at(1), "type": "like", "actor": "fan", "target": "brand", "parent": "bp"},
        purchase("pf", 2, "fan"),
        purchase("po", 2, "loner"),
    ]
    att = attribution(run(ev))
    assert att["pf"][:2] == ("broadcast", "brand") and att["po"][0] == "organic"


def test_brand_rooted_share_chain_stays_broadcast_at_any_depth():
    ev = [{"id": "p", "ts": at(0), "type": "post", "actor": "brand", "post": "c0", "text": "new roast"}]
    for k in range(1, 7):
        ev.append({"id": f"s{k}", "ts": at(k), "type": "share", "actor": f"u{k}", "target": f"u{k - 1}",
                   "parent": f"c{k - 1}", "post": f"c{k}", "text": "love glowbrew"})
    ev.append({"id": "l", "ts": at(9), "type": "like", "actor": "z", "target": "u6", "parent": "c6"})
    r = reasons(run(ev))
    assert r["s1"] == "broadcast:share_of_brand_post"
    assert all(r[f"s{k}"] == "broadcast:reshare_of_brand_content" for k in range(2, 7))
    assert r["l"] == "broadcast:reshare_of_brand_content"


def test_parent_cycle_in_content_does_not_hang():
    ev = [{"id": "a", "ts": at(0), "type": "share", "actor": "x", "target": "y", "parent": "cb", "post": "ca"},
          {"id": "b", "ts": at(1), "type": "share", "actor": "y", "target": "x", "parent": "ca", "post": "cb"}]
    r = reasons(run(ev))
    assert r == {"a": "social:share", "b": "social:share"}


def test_mentions_tagging_a_friend_and_the_brand():
    ev = [
        {"id": "m1", "ts": at(0), "type": "mention", "actor": "ann", "target": "brand", "post": "q1",
         "text": "@bob you must try @glowbrew"},
        {"id": "m2", "ts": at(0), "type": "mention", "actor": "ann", "target": "bob", "post": "q1",
         "text": "@bob you must try @glowbrew"},
        {"id": "m3", "ts": at(1), "type": "mention", "actor": "ann", "target": "brand", "post": "q2",
         "text": "my @glowbrew order came"},
        {"id": "m4", "ts": at(2), "type": "mention", "actor": "ann", "target": "cat", "post": "q3",
         "text": "lunch tomorrow?"},
        purchase("pb", 3, "bob"),
    ]
    a = run(ev)
    r = reasons(a)
    assert (r["m1"], r["m2"], r["m3"], r["m4"]) == (
        "peer:brand_mention_to_peer", "peer:tagged_friend", "peer:customer_story", "social:mention")
    assert attribution(a)["pb"][:2] == ("peer", "ann")


def test_incentivized_rules_in_order():
    acc = [{"id": "brand", "role": "brand", "handle": "@glowbrew"}, {"id": "emp", "role": "employee"},
           {"id": "inf", "role": "partner"}]
    ev = [
        {"id": "e1", "ts": at(0), "type": "post", "actor": "emp", "post": "x1", "text": "our new glowbrew"},
        {"id": "e2", "ts": at(0), "type": "post", "actor": "inf", "post": "x2", "text": "glowbrew is great"},
        {"id": "e3", "ts": at(0), "type": "post", "actor": "joe", "post": "x3", "text": "Loving @glowbrew #AD"},
        {"id": "e4", "ts": at(0), "type": "post", "actor": "sue", "post": "x4", "text": "thanks @glowbrew for sending these"},
        {"id": "e5", "ts": at(0), "type": "mention", "actor": "kim", "target": "lee", "post": "x5",
         "campaign": "spring", "text": "@lee"},
        {"id": "e6", "ts": at(0), "type": "mention", "actor": "kim", "target": "max", "post": "x6",
         "text": "Tag 3 friends to win! @max"},
        {"id": "e7", "ts": at(1), "type": "like", "actor": "fan", "target": "inf", "parent": "x2"},
        {"id": "e8", "ts": at(0), "type": "referral", "actor": "inf", "target": "new", "via": "INF20"},
        purchase("e9", 1, "new", via="INF20"),
    ]
    r = reasons(run(ev, acc))
    assert r == {
        "e1": "incentivized:employee", "e2": "incentivized:partner", "e3": "incentivized:disclosed_ad",
        "e4": "incentivized:disclosed_ad", "e5": "incentivized:contest_entry",
        "e6": "incentivized:contest_entry", "e7": "broadcast:engagement_with_paid_content",
        "e8": "incentivized:partner", "e9": "incentivized:adoption_via_incentive",
    }


def test_brand_employee_partner_never_advocates_even_when_they_convert():
    acc = [{"id": "brand", "role": "brand"}, {"id": "emp", "role": "employee"}, {"id": "inf", "role": "partner"},
           {"id": "micro", "role": "customer", "followers": 12}, {"id": "star", "role": "customer", "followers": 250000}]
    ev = []
    for who in ("brand", "emp", "inf"):
        for k in range(3):
            ev += [referral(f"{who}{k}", 1, who, f"{who}_f{k}"), purchase(f"{who}b{k}", 2, f"{who}_f{k}")]
    ev += [purchase("m0", 0, "micro")] + [referral(f"mr{k}", 1 + k, "micro", f"mf{k}") for k in range(3)]
    ev += [purchase(f"mb{k}", 2 + k, f"mf{k}") for k in range(3)]
    ev += [{"id": "sp", "ts": at(1), "type": "post", "actor": "star", "post": "sp", "text": "glowbrew!"}]
    a = run(ev, acc)
    accounts = a.advocates.column("account").to_pylist()
    assert accounts[0] == "micro"
    assert not {"brand", "emp", "inf"} & set(accounts)
    assert "star" not in accounts  # 250,000 followers and a post about the brand convert nobody
    assert all(math.isfinite(s) for s in a.advocates.column("score").to_pylist())
