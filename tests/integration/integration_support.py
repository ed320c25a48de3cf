"""The integration suite needs a real Neo4j 5 named by NEO4J_URI (with NEO4J_USERNAME,
NEO4J_PASSWORD, NEO4J_DATABASE); without NEO4J_URI every test here is skipped with that reason.

Everything the tests create carries the session's tag in its id (``wgit<hex>t<n>-...``, one
``t<n>`` per test so tests never see each other's data) and is deleted at the end of the
session, as are the womgraph_* constraints and indexes the tests created. Tests that replace
analysis results (write-back, forget) run only when the database holds no results of other
data, since a write-back replaces every result of its kind.

Fixtures and helpers live here (a module name no other test folder uses) rather than in a
conftest.py, so that this folder and tests/neo4j can be collected together.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import uuid
from pathlib import Path

import pytest

SESSION = "wgit" + uuid.uuid4().hex[:12]
TEST_NUMBERS = itertools.count(1)


def make_events(tag: str) -> list[dict]:
    def t(name):
        return f"{tag}-{name}"

    def _event(id, ts, type, actor, **kw):
        refs = {k: t(v) for k, v in kw.items() if k in ("target", "post", "parent")}
        return {"id": t(id), "ts": ts, "type": type, "actor": t(actor), **kw, **refs}

    return [
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
            "e03",
            "2026-03-01T10:00:00+02:00",
            "post",
            "alice",
            post="p2",
            text='Try "this",\nreally',
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
        _event("e06", "2026-03-03T12:00:00Z", "signup", "bob", via=t("e05")),
        _event(
            "e07",
            "2026-03-04T12:00:00Z",
            "purchase",
            "bob",
            value=30.5,
            via=t("e05"),
            channel="store",
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
        _event(
            "e09", "2026-03-06T12:00:00Z", "recommendation", "bob", target="carol", channel="email"
        ),
        _event("e10", "2026-03-07T12:00:00Z", "purchase", "carol", value=12, via=t("e09")),
        _event(
            "e11", "2026-03-07T13:00:00Z", "share", "carol", target="alice", parent="p2", post="s1"
        ),
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


def make_accounts(tag: str) -> list[dict]:
    def t(name):
        return f"{tag}-{name}"

    return [
        {
            "id": t("brand"),
            "role": "brand",
            "handle": "@brand",
            "followers": 12000,
            "created": "2020-01-01T00:00:00Z",
        },
        {
            "id": t("alice"),
            "role": "customer",
            "handle": "@alice",
            "followers": 150,
            "nps": 9,
            "email_hash": "h1",
        },
        {"id": t("bob"), "role": "prospect", "handle": "@bob", "tier": "gold"},
        {"id": t("carol"), "role": "customer", "name": "Carol"},
        {"id": t("dave"), "role": "partner"},
    ]


def write_jsonl(path: Path, records) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def query(driver, text: str, **params) -> list[list]:
    """A test's own read or write, outside womgraph (values as parameters only)."""
    database = os.environ.get("NEO4J_DATABASE", "neo4j")
    return driver.execute_query(
        text, params, database_=database, result_transformer_=lambda r: r.values()
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """A TCP relay on 127.0.0.1 to the server, which a test can cut (and restart)."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = free_port()
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> "Proxy":
        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", self.port))
        lst.listen(16)
        self._listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()
        return self

    def _accept(self, lst: socket.socket) -> None:
        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Refuse new connections and break the open ones."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


REASON = (
    "NEO4J_URI is not set: the integration tests need a real Neo4j 5 "
    "(set NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE)"
)


@pytest.fixture(name="tag")
def tag_fixture() -> str:
    """This test's id prefix (within the session's)."""
    return f"{SESSION}t{next(TEST_NUMBERS)}"


@pytest.fixture(name="t")
def t_fixture(tag):
    """Make an id of this test."""
    return lambda name: f"{tag}-{name}"


@pytest.fixture(name="files")
def files_fixture(tmp_path, tag) -> dict[str, Path]:
    # The folder name carries the tag, so the ingest log entries of this run can be found.
    d = tmp_path / tag
    d.mkdir()
    return {
        "events": write_jsonl(d / "events.jsonl", make_events(tag)),
        "accounts": write_jsonl(d / "accounts.jsonl", make_accounts(tag)),
    }


@pytest.fixture(scope="module", name="driver")
def driver_fixture():
    from neo4j import GraphDatabase

    d = GraphDatabase.driver(
        os.environ["NEO4J_URI"],
        auth=(os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ.get("NEO4J_PASSWORD", "")),
    )
    yield d
    d.close()


@pytest.fixture(scope="module", autouse=True, name="clean_up")
def clean_up_fixture(request):
    """Delete what this run created, and the schema objects that were not there before."""
    driver = request.getfixturevalue("driver")
    before = {r[0] for r in query(driver, "SHOW INDEXES YIELD name RETURN name")}
    yield
    prefix = SESSION
    for label in ("Event", "Content", "Flag", "Account"):
        # Labels are fixed words of this file; the tag travels as a parameter.
        while query(
            driver,
            f"MATCH (n:{label}) WHERE n.id STARTS WITH $prefix "
            "WITH n LIMIT 1000 DETACH DELETE n RETURN count(*)",
            prefix=prefix,
        )[0][0]:
            pass
    query(driver, "MATCH (l:IngestLog) WHERE l.summary CONTAINS $tag DELETE l", tag=SESSION)
    from womgraph.store.neo4j.cypher import quote_name, schema_statements

    for name, q in schema_statements():
        if name not in before:
            kind = "CONSTRAINT" if "CONSTRAINT" in q.body else "INDEX"
            query(driver, f"DROP {kind} {quote_name(name)} IF EXISTS")


@pytest.fixture(name="no_foreign_results")
def no_foreign_results_fixture(driver):
    """Skip when the database holds analysis results of other data (a write-back replaces them)."""
    prefix = SESSION
    found = query(
        driver,
        "MATCH (n) WHERE (n:Event AND n.class IS NOT NULL OR n:Flag OR n:Account AND "
        "(n.advocate_rank IS NOT NULL OR n.community IS NOT NULL)) "
        "AND NOT n.id STARTS WITH $prefix RETURN count(n)",
        prefix=prefix,
    )[0][0]
    found += query(
        driver,
        "MATCH (a:Account)-[r:CONVERTED]->() WHERE NOT a.id STARTS WITH $prefix RETURN count(r)",
        prefix=prefix,
    )[0][0]
    if found:
        pytest.skip(
            f"the database holds {found} analysis result(s) of other data, which this test would "
            "replace: run the integration tests against a scratch database"
        )
