"""Data and settings shared by the Neo4j store's tests (kept out of conftest.py so test modules
can import them by a name no other test folder uses)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr

from womgraph.settings import Settings

URI = "bolt://fake-neo4j:7687"
PASSWORD = "s3cret-pw-never-printed"


def settings(**kw) -> Settings:
    kw.setdefault("neo4j_password", SecretStr(PASSWORD))
    return Settings(_env_file=None, **kw)


def _event(id, ts, type, actor, **kw):
    return {"id": id, "ts": ts, "type": type, "actor": actor, **kw}


#: A small community: a brand broadcast, a referral that converts, a recommendation chain,
#: unknown fields, awkward text, a paid post, and a digest beyond 2**63 somewhere among them.
EVENTS = [
    _event(
        "e01",
        "2026-03-01T09:00:00Z",
        "post",
        "brand",
        post="p1",
        channel="instagram",
        text="New flavour!",
    ),
    _event("e02", "2026-03-01T09:05:00.123456Z", "like", "alice", target="brand", parent="p1"),
    _event(
        "e03", "2026-03-01T10:00:00+02:00", "post", "alice", post="p2", text='Try "this",\nreally'
    ),
    _event("e04", "2026-03-01T08:00:01Z", "mention", "alice", target="bob", post="p2"),
    _event(
        "e05",
        "2026-03-02T12:00:00Z",
        "referral",
        "alice",
        target="bob",
        channel="referral_program",
        via="ALICE10",
    ),
    _event("e06", "2026-03-03T12:00:00Z", "signup", "bob", via="e05"),
    _event(
        "e07", "2026-03-04T12:00:00Z", "purchase", "bob", value=30.5, via="e05", channel="store"
    ),
    _event(
        "e08",
        "2026-03-05T12:00:00Z",
        "review",
        "bob",
        post="r1",
        rating=5,
        text="Läuft 👍",
        coupon="X1",
    ),
    _event("e09", "2026-03-06T12:00:00Z", "recommendation", "bob", target="carol", channel="email"),
    _event("e10", "2026-03-07T12:00:00Z", "purchase", "carol", value=12, via="e09"),
    _event("e11", "2026-03-07T13:00:00Z", "share", "carol", target="alice", parent="p2", post="s1"),
    _event(
        "e12",
        "2026-03-08T12:00:00Z",
        "post",
        "dave",
        post="p3",
        paid=True,
        campaign="spring",
        text="#ad",
    ),
    _event(
        "e13",
        "2026-03-08T12:30:00Z",
        "reply",
        "erin",
        target="dave",
        parent="p3",
        post="c1",
        text="nice",
    ),
]

ACCOUNTS = [
    {
        "id": "brand",
        "role": "brand",
        "handle": "@brand",
        "followers": 12000,
        "created": "2020-01-01T00:00:00Z",
    },
    {
        "id": "alice",
        "role": "customer",
        "handle": "@alice",
        "followers": 150,
        "nps": 9,
        "email_hash": "h1",
    },
    {"id": "bob", "role": "prospect", "handle": "@bob", "tier": "gold"},
    {"id": "carol", "role": "customer", "name": "Carol"},
    {"id": "dave", "role": "partner"},
]


def write_jsonl(path: Path, records) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path
