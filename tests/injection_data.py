"""Account ids, handles and texts that try to break out of a query or a page, and a small
community built from them in which every hostile id is an advocate (so it reaches every output).

Shared by tests/test_injection.py (embedded store, end to end) and
tests/neo4j/test_neo4j_injection.py (the Neo4j store on the recording fake).
"""

from __future__ import annotations

import json
from pathlib import Path

#: Each string is used as an account id, in a handle, a name, a text, a post id and a via code.
HOSTILE = [
    "'}) DETACH DELETE n //",
    "x'}) WITH n MATCH (m) DETACH DELETE m RETURN 1 //",
    "'; DROP TABLE events; --",
    "\"; DROP TABLE accounts; --",
    "Robert'); DELETE FROM events WHERE ('1'='1",
    "`Account` `) MATCH (n) DELETE n //",
    "{id: 1} ${x} $limit {{0}} %s %(x)s",
    "back\\slash \\' \\\" \\n",
    "<script>alert(1)</script>",
    "\u202eevil \u00e9\u00f1 \U0001F600 \x7f",
    "line\nbreak, comma \"quoted\"",
]

#: Fragments that must never reach the text of a Cypher statement or an SQL string.
FRAGMENTS = ["DETACH DELETE n //", "DROP TABLE", "DELETE FROM events", "${x}", "alert(1)"]


def scenario() -> tuple[list[dict], list[dict]]:
    """Events and accounts: hostile id ``h`` recommends ``h + ' friend'``, who buys via it."""
    events, accounts = [], []
    for i, h in enumerate(HOSTILE):
        friend = h + " friend"
        day = f"2026-03-{i + 1:02d}"
        accounts.append({"id": h, "role": "customer", "handle": "@" + h, "name": h, "followers": i,
                         "email_hash": h})
        accounts.append({"id": friend, "role": "prospect", "handle": h + "?", "name": "N " + h})
        events.append({"id": f"post-{i}", "ts": f"{day}T09:00:00Z", "type": "post", "actor": h,
                       "post": "p:" + h, "text": h, "campaign": None, "note": h})
        events.append({"id": f"rec-{i}", "ts": f"{day}T10:00:00Z", "type": "recommendation",
                       "actor": h, "target": friend, "text": "try it " + h, "via": h})
        events.append({"id": f"buy-{i}", "ts": f"{day}T12:00:00Z", "type": "purchase",
                       "actor": friend, "via": f"rec-{i}", "value": 10.0})
        events.append({"id": f"like-{i}", "ts": f"{day}T13:00:00Z", "type": "like", "actor": friend,
                       "parent": "p:" + h})
    events = [{k: v for k, v in e.items() if v is not None} for e in events]
    return events, accounts


def write(folder: Path) -> tuple[Path, Path]:
    events, accounts = scenario()
    ev, ac = folder / "hostile_events.jsonl", folder / "hostile_accounts.jsonl"
    ev.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    ac.write_text("".join(json.dumps(a) + "\n" for a in accounts), encoding="utf-8")
    return ev, ac
