"""Invariants on random event sets: one class per event, ranks a permutation, finite scores."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_helpers import at, run
from womgraph.schema import CLASSES, EVENT_TYPES

PEOPLE = ["brand", "emp", "inf", "a", "b", "c", "d", "e", "f", "g"]
ACCOUNTS = [
    {"id": "brand", "role": "brand", "handle": "@glowbrew"},
    {"id": "emp", "role": "employee"},
    {"id": "inf", "role": "partner"},
    {"id": "a", "role": "customer", "device_hash": "d1"},
    {"id": "b", "role": "customer", "device_hash": "d1", "ip_hash": "ip1"},
    {"id": "c", "role": "customer", "ip_hash": "ip1"},
]


@st.composite
def event_sets(draw):
    n = draw(st.integers(min_value=0, max_value=40))
    posts = [f"c{k}" for k in range(8)]
    rows = []
    for k in range(n):
        typ = draw(st.sampled_from(EVENT_TYPES))
        row = {
            "id": f"e{k}",
            "ts": at(days=draw(st.integers(0, 60)), hours=draw(st.integers(0, 23))),
            "type": typ,
            "actor": draw(st.sampled_from(PEOPLE)),
            "target": draw(st.none() | st.sampled_from(PEOPLE)),
            "post": draw(st.none() | st.sampled_from(posts)),
            "parent": draw(st.none() | st.sampled_from(posts)),
            "via": draw(st.none() | st.sampled_from([f"e{j}" for j in range(n)] + PEOPLE + ["CODE1"])),
            "text": draw(st.none() | st.sampled_from(["love glowbrew", "#ad glowbrew", "tag 3 friends to win", "hello"])),
            "paid": draw(st.none() | st.booleans()),
            "campaign": draw(st.none() | st.just("spring")),
            "channel": draw(st.none() | st.sampled_from(["twitter", "email"])),
            "value": draw(st.none() | st.floats(1, 100)),
        }
        rows.append(row)
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_sets())
def test_every_event_gets_exactly_one_class_and_a_matching_reason(rows):
    a = run(rows, ACCOUNTS)
    ids = a.classes.column("id").to_pylist()
    assert sorted(ids) == sorted(r["id"] for r in rows)  # each exactly once
    for klass, reason in zip(a.classes.column("class").to_pylist(), a.classes.column("reason").to_pylist()):
        assert klass in CLASSES
        assert reason.startswith(klass + ":") and len(reason) > len(klass) + 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_sets())
def test_ranks_are_a_permutation_and_scores_finite(rows):
    a = run(rows, ACCOUNTS)
    ranks = a.advocates.column("rank").to_pylist()
    assert ranks == list(range(1, len(ranks) + 1))
    scores = a.advocates.column("score").to_pylist()
    assert all(math.isfinite(s) and s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert not {"brand", "emp", "inf"} & set(a.advocates.column("account").to_pylist())
    for c in a.chains():
        assert c["size"] == len(c["edges"]) + 1
        assert math.isfinite(c["structural_virality"]) and c["structural_virality"] >= 1 - 1e-9
        assert sum(c["people_per_generation"]) == c["size"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_sets(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(rows, rnd):
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a, b = run(rows, ACCOUNTS), run(shuffled, ACCOUNTS)
    assert a.classes.to_pylist() == b.classes.to_pylist()
    assert a.advocates.to_pylist() == b.advocates.to_pylist()
    assert a.chains() == b.chains()
    assert a.flags == b.flags
