"""A recording fake of the Neo4j driver, backed by a tiny in-memory graph.

It understands exactly the named statements of ``cypher/`` (it recognises them by their full
text, so a statement with a value formatted into it is refused) and implements what each one
does, as the Cypher says, on dicts. A :class:`FakeServer` outlives the drivers made for it, like
a real server; it can be down, refuse a password, lack a database, fail transiently, or go away
after a number of statements. Every statement run is recorded as a :class:`Call`.

Retries are emulated like the driver's: ``execute_write`` and ``execute_query`` run again after a
retryable failure (a rolled-back transaction leaves no trace), up to ``max_attempts``.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired

from womgraph.store.neo4j.cypher import load, names

__all__ = ["FakeServer", "FakeDriver", "Call", "neo4j_error"]

_BY_TEXT = {load(n).text: n for n in names()}
_I64 = (-(1 << 63), (1 << 63) - 1)


def neo4j_error(code: str, message: str) -> Neo4jError:
    """A server error as the driver would raise it (right subclass for the code)."""
    return Neo4jError._basic_hydrate(neo4j_code=code, message=message)


def _check_value(v: Any, path: str) -> None:
    """Only what Bolt can carry: no numpy, no uint64 beyond int64, map keys are strings."""
    if v is None or isinstance(v, (str, bool, float, datetime)):
        return
    if isinstance(v, int):
        assert _I64[0] <= v <= _I64[1], f"{path}: integer {v} does not fit Bolt's int64"
        return
    if isinstance(v, list):
        for i, x in enumerate(v):
            _check_value(x, f"{path}[{i}]")
        return
    if isinstance(v, dict):
        for k, x in v.items():
            assert isinstance(k, str), f"{path}: map key {k!r} is not a string"
            _check_value(x, f"{path}.{k}")
        return
    raise AssertionError(f"{path}: {type(v).__name__} cannot be sent over Bolt")


@dataclass
class Call:
    name: str
    params: dict
    via: str  # "tx" (inside execute_write), "query" (execute_query) or "auto" (session.run)
    tx: int | None
    attempt: int
    routing: str | None
    database: str


@dataclass
class Graph:
    events: dict = field(default_factory=dict)  # id -> props (ts as "ts_us")
    accounts: dict = field(default_factory=dict)  # id -> {"labels": set, "props": dict}
    content: set = field(default_factory=set)
    rels: list = field(default_factory=list)  # (type, (label, id), (label, id), props)
    flags: dict = field(default_factory=dict)
    logs: list = field(default_factory=list)  # (at_us, summary)
    schema: dict = field(default_factory=dict)  # name -> [name, type, state, constraint]
    keys: dict = field(default_factory=dict)  # RedactionKey name -> value

    def account(self, aid: str) -> dict:
        return self.accounts.setdefault(aid, {"labels": {"Account"}, "props": {}})

    def rel_ends(self, rtype: str, node: tuple) -> list[tuple]:
        return [r for r in self.rels if r[0] == rtype and (r[1] == node or r[2] == node)]

    def detach(self, node: tuple) -> None:
        self.rels = [r for r in self.rels if r[1] != node and r[2] != node]


def _us(s, ns):
    return None if s is None else s * 1_000_000 + ns // 1000


class FakeServer:
    """The server side: data, users, databases, faults, and the record of calls."""

    def __init__(self, *, password: str = "secret", databases=("neo4j",), max_attempts: int = 3):
        self.password = password
        self.databases = set(databases)
        self.max_attempts = max_attempts
        self.up = True
        self.graph = Graph()
        self.calls: list[Call] = []
        self.transactions: list[dict] = []  # {"id", "attempts", "committed", "statements"}
        self.drivers: list[FakeDriver] = []
        self._faults: list[list] = []  # [predicate, exception factory, times left]
        self._tx_ids = itertools.count(1)
        self._clock = itertools.count(1_767_225_600_000_000, 1_000_000)  # 2026-01-01, +1 s

    # -- faults ------------------------------------------------------------------------------
    def fail(self, name: str, exc: Callable[[], Exception], times: int = 1, after: int = 0) -> None:
        """Raise ``exc()`` on runs of statement ``name`` after ``after`` successful ones."""
        seen = {"n": 0}

        def predicate(call_name: str) -> bool:
            if call_name != name:
                return False
            seen["n"] += 1
            return seen["n"] > after

        self._faults.append([predicate, exc, times])

    def go_down_after(self, name: str, successes: int) -> None:
        """After ``successes`` runs of ``name``, the server is gone (until a test sets ``up``)."""
        seen = {"n": 0, "done": False}

        def predicate(call_name: str) -> bool:
            if call_name == name and not seen["done"]:
                seen["n"] += 1
                if seen["n"] > successes:
                    seen["done"] = True
                    self.up = False
            return False

        self._faults.append([predicate, None, float("inf")])

    def _fault(self, name: str) -> Exception | None:
        for fault in self._faults:
            predicate, exc, left = fault
            if left > 0 and predicate(name) and exc is not None:
                fault[2] -= 1
                return exc()
        return None

    # -- the wire ----------------------------------------------------------------------------
    def connect(self, driver: "FakeDriver", database: str, in_tx: bool) -> None:
        if not self.up:
            raise (SessionExpired if in_tx else ServiceUnavailable)(
                "Failed to establish connection to ResolvedIPv4Address(('127.0.0.1', 7687))"
            )
        if driver.auth[1] != self.password:
            raise neo4j_error(
                "Neo.ClientError.Security.Unauthorized",
                "The client is unauthorized due to authentication failure.",
            )
        if database not in self.databases:
            raise neo4j_error(
                "Neo.ClientError.Database.DatabaseNotFound",
                f"Database does not exist. Database name: '{database}'.",
            )

    def run(self, graph: Graph, text: str, params: dict | None, call: Call) -> list[list]:
        name = _BY_TEXT.get(text)
        assert name is not None, f"not one of the named statements of cypher/: {text[:80]!r}"
        params = params or {}
        declared = load(name).parameters
        assert set(params) == declared, f"{name}: parameters {sorted(params)} != {sorted(declared)}"
        _check_value(params, name)
        call.name, call.params = name, params
        self.calls.append(call)
        exc = self._fault(name)
        if exc is not None:
            raise exc
        if not self.up:
            raise SessionExpired("Connection lost during the transaction")
        return getattr(
            self,
            "_" + name,
            self._schema_statement if name.startswith("schema_") else self._missing,
        )(graph, name=name, **params)

    def clock(self) -> int:
        return next(self._clock)

    # -- statements --------------------------------------------------------------------------
    def _missing(self, graph, name, **params):
        raise AssertionError(f"the fake does not implement {name}")

    def _schema_statement(self, graph, name):
        text = load(name).body
        obj = text.split()[2]
        if obj not in graph.schema:
            constraint = obj if "CONSTRAINT" in text.split()[1] else None
            graph.schema[obj] = [obj, "RANGE", "ONLINE", constraint]
        return []

    def _server_components(self, graph, name):
        return [["Neo4j Kernel", "5.26.0", "community"]]

    def _await_indexes(self, graph, name, timeout):
        return []

    def _show_schema(self, graph, name):
        others = [["index_343aff4e", "LOOKUP", "ONLINE", None]]  # Neo4j's own token lookup index
        return others + [list(v) for k, v in sorted(graph.schema.items())]

    def _event_merge(self, graph, name, rows):
        out = []
        for row in rows:
            e = graph.events.get(row["id"])
            created = e is None
            if created:
                e = graph.events[row["id"]] = {
                    **row["props"],
                    "id": row["id"],
                    "ts_us": _us(row["ts_s"], row["ts_ns"]),
                }
            out.append([row["id"], created, e.get("digest"), e.get("src"), e.get("line")])
        return out

    def _link(self, graph, rows, key, rtype, label, outgoing):
        for row in rows:
            assert row["id"] in graph.events
            other = row[key]
            if label == "Account":
                graph.account(other)
            else:
                graph.content.add(other)
            ev = ("Event", row["id"])
            ends = ((label, other), ev) if outgoing else (ev, (label, other))
            graph.rels.append((rtype, *ends, {}))
        return []

    def _event_link_actor(self, graph, name, rows):
        return self._link(graph, rows, "actor", "ACTED", "Account", True)

    def _event_link_target(self, graph, name, rows):
        return self._link(graph, rows, "target", "TARGETS", "Account", False)

    def _event_link_post(self, graph, name, rows):
        return self._link(graph, rows, "post", "CREATES", "Content", False)

    def _event_link_parent(self, graph, name, rows):
        return self._link(graph, rows, "parent", "REACTS_TO", "Content", False)

    def _shortcut(self, graph, rows, rtype, extra):
        for row in rows:
            ev = ("Event", row["id"])
            e = graph.events[row["id"]]
            actors = [r[1] for r in graph.rels if r[0] == "ACTED" and r[2] == ev]
            targets = [r[2] for r in graph.rels if r[0] == "TARGETS" and r[1] == ev]
            for a in actors:
                for b in targets:
                    props = {"event": e["id"], "ts_us": e["ts_us"], extra: e.get(extra)}
                    graph.rels.append(
                        (rtype, a, b, {k: v for k, v in props.items() if v is not None})
                    )
        return []

    def _event_link_referred(self, graph, name, rows):
        return self._shortcut(graph, rows, "REFERRED", "type")

    def _event_link_mentioned(self, graph, name, rows):
        return self._shortcut(graph, rows, "MENTIONED", "post")

    def _event_lookup(self, graph, name, ids):
        return [
            [
                i,
                graph.events[i].get("digest"),
                graph.events[i].get("src"),
                graph.events[i].get("line"),
            ]
            for i in ids
            if i in graph.events
        ]

    def _page(self, items, after, limit, keys, ts):
        page = sorted((k, v) for k, v in items if k > after)[:limit]
        return [[k, v.get(ts), [v.get(key) for key in keys]] for k, v in page]

    def _event_page(self, graph, name, after, limit, keys):
        return self._page(graph.events.items(), after, limit, keys, "ts_us")

    def _account_page(self, graph, name, after, limit, keys):
        profiled = [(k, v["props"]) for k, v in graph.accounts.items() if "Profiled" in v["labels"]]
        return self._page(profiled, after, limit, keys, "created_us")

    def _account_lookup(self, graph, name, ids, keys):
        out = []
        for aid in ids:
            node = graph.accounts.get(aid)
            if node is not None and "Profiled" in node["labels"]:
                props = node["props"]
                out.append([aid, props.get("created_us"), [props.get(k) for k in keys]])
        return out

    def _account_upsert(self, graph, name, rows):
        for row in rows:
            node = graph.account(row["id"])
            node["props"].update(row["props"])
            node["props"]["id"] = row["id"]
            node["labels"].add("Profiled")
            if row["created_s"] is not None:
                node["props"]["created_us"] = _us(row["created_s"], row["created_ns"])
        return [[len(rows)]]

    def _count_events(self, graph, name):
        return [[len(graph.events)]]

    def _count_accounts(self, graph, name):
        return [[sum("Profiled" in a["labels"] for a in graph.accounts.values())]]

    def _count_account_nodes(self, graph, name):
        return [[len(graph.accounts)]]

    def _count_content(self, graph, name):
        return [[len(graph.content)]]

    def _count_flags(self, graph, name):
        return [[len(graph.flags)]]

    def _ingest_log_add(self, graph, name, summary):
        graph.logs.append((self.clock(), summary))
        return []

    def _ingest_log_latest(self, graph, name, limit):
        return [[at, s] for at, s in sorted(graph.logs, reverse=True)[:limit]]

    def _clear_props(self, nodes, probe, limit):
        hit = [n for n in nodes if any(k in n for k in probe)][:limit]
        for n in hit:
            for k in probe:
                n.pop(k, None)
        return [[len(hit)]]

    def _result_clear_classes(self, graph, name, limit):
        hit = [e for e in graph.events.values() if "class" in e][:limit]
        for e in hit:
            e.pop("class"), e.pop("reason", None)
        return [[len(hit)]]

    def _result_clear_advocates(self, graph, name, limit):
        nodes = [a["props"] for a in graph.accounts.values()]
        return self._clear_props(nodes, ("advocate_rank", "advocate_score"), limit)

    def _result_clear_communities(self, graph, name, limit):
        return self._clear_props(
            [a["props"] for a in graph.accounts.values()], ("community",), limit
        )

    def _set(self, nodes, rows, key, values):
        n = 0
        for row in rows:
            node = nodes.get(row[key])
            if node is None:
                continue
            n += 1
            for prop, col in values.items():
                if row[col] is None:
                    node.pop(prop, None)
                else:
                    node[prop] = row[col]
        return [[n]]

    def _result_set_classes(self, graph, name, rows):
        return self._set(graph.events, rows, "id", {"class": "class", "reason": "reason"})

    def _result_set_advocates(self, graph, name, rows):
        nodes = {k: v["props"] for k, v in graph.accounts.items()}
        return self._set(
            nodes, rows, "account", {"advocate_rank": "rank", "advocate_score": "score"}
        )

    def _result_set_communities(self, graph, name, rows):
        nodes = {k: v["props"] for k, v in graph.accounts.items()}
        return self._set(nodes, rows, "account", {"community": "community"})

    def _result_clear_flags(self, graph, name, limit):
        gone = sorted(graph.flags)[:limit]
        for fid in gone:
            del graph.flags[fid]
            graph.detach(("Flag", fid))
        return [[len(gone)]]

    def _result_set_flags(self, graph, name, rows):
        n = 0
        for row in rows:
            graph.flags.setdefault(row["id"], {"id": row["id"]}).update(row["props"])
            for acc in row["accounts"]:
                if acc in graph.accounts:
                    rel = ("CONCERNS", ("Flag", row["id"]), ("Account", acc), {})
                    if rel not in graph.rels:
                        graph.rels.append(rel)
                    n += 1
        return [[n]]

    def _result_clear_chains(self, graph, name, limit):
        chains = [r for r in graph.rels if r[0] == "CONVERTED"][:limit]
        for r in chains:
            graph.rels.remove(r)
        return [[len(chains)]]

    def _result_set_chains(self, graph, name, rows):
        n = 0
        for row in rows:
            if row["parent"] in graph.accounts and row["child"] in graph.accounts:
                rel = (
                    "CONVERTED",
                    ("Account", row["parent"]),
                    ("Account", row["child"]),
                    {"cascade": row["cascade"]},
                )
                if rel not in graph.rels:
                    graph.rels.append(rel)
                n += 1
        return [[n]]

    def _forget_events(self, graph, name, account, limit):
        node = ("Account", account)
        evs = []
        for r in graph.rels:
            if r[0] in ("ACTED", "TARGETS") and node in (r[1], r[2]):
                ev = r[2] if r[0] == "ACTED" else r[1]
                if ev not in evs:
                    evs.append(ev)
        out = []
        for ev in evs[:limit]:
            content = [
                r[2][1] for r in graph.rels if r[0] in ("CREATES", "REACTS_TO") and r[1] == ev
            ]
            graph.detach(ev)
            del graph.events[ev[1]]
            out.append([content])
        return out

    def _forget_content(self, graph, name, ids):
        n = 0
        for cid in ids:
            node = ("Content", cid)
            if cid in graph.content and not any(node in (r[1], r[2]) for r in graph.rels):
                graph.content.discard(cid)
                n += 1
        return [[n]]

    def _forget_account(self, graph, name, account):
        node = graph.accounts.pop(account, None)
        if node is None:
            return []
        graph.detach(("Account", account))
        return [["Profiled" in node["labels"]]]

    def _redaction_key(self, graph, name, key, value):
        return [[graph.keys.setdefault(key, value)]]

    # -- inspection helpers for tests --------------------------------------------------------
    def names_run(self, via: str | None = None) -> list[str]:
        return [c.name for c in self.calls if via is None or c.via == via]

    def committed(self, statement: str) -> list[dict]:
        """Committed transactions that ran ``statement``."""
        return [t for t in self.transactions if t["committed"] and statement in t["statements"]]


class _Result:
    def __init__(self, rows: list[list]):
        self._rows = rows

    def values(self) -> list[list]:
        return [list(r) for r in self._rows]

    def consume(self) -> None:
        return None


class FakeTx:
    def __init__(
        self,
        server: FakeServer,
        driver: "FakeDriver",
        graph: Graph,
        tx: int,
        attempt: int,
        database: str,
    ):
        self._server, self._driver, self._graph = server, driver, graph
        self._tx, self._attempt, self._database = tx, attempt, database
        self.statements: list[str] = []

    def run(self, text, parameters=None, **kw):
        assert not kw, "parameters go in the map, not as keyword arguments"
        self._server.connect(self._driver, self._database, in_tx=True)
        call = Call("", {}, "tx", self._tx, self._attempt, None, self._database)
        rows = self._server.run(self._graph, text, parameters, call)
        self.statements.append(call.name)
        return _Result(rows)


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, (ServiceUnavailable, SessionExpired)):
        return True
    return isinstance(exc, Neo4jError) and exc.is_retryable()


class FakeSession:
    def __init__(self, driver: "FakeDriver", database: str):
        self._driver = driver
        self._database = database

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def run(self, text, parameters=None, **kw):
        """An auto-commit query: never retried."""
        assert not kw, "parameters go in the map, not as keyword arguments"
        server = self._driver.server
        server.connect(self._driver, self._database, in_tx=False)
        call = Call("", {}, "auto", None, 1, None, self._database)
        return _Result(server.run(server.graph, text, parameters, call))

    def execute_write(self, fn, *args, **kwargs):
        server = self._driver.server
        tx_id = next(server._tx_ids)
        record = {"id": tx_id, "attempts": 0, "committed": False, "statements": []}
        server.transactions.append(record)
        for attempt in range(1, server.max_attempts + 1):
            record["attempts"] = attempt
            work = copy.deepcopy(server.graph)
            tx = FakeTx(server, self._driver, work, tx_id, attempt, self._database)
            try:
                result = fn(tx, *args, **kwargs)
            except Exception as exc:
                if _retryable(exc) and attempt < server.max_attempts:
                    continue
                raise
            server.graph = work
            record["committed"] = True
            record["statements"] = tx.statements
            return result
        raise AssertionError("unreachable")


class FakeDriver:
    """What :class:`womgraph.store.neo4j.Neo4jStore` uses of :class:`neo4j.Driver`."""

    def __init__(self, server: FakeServer, uri: str, auth: tuple[str, str], **config):
        self.server = server
        self.uri = uri
        self.auth = auth
        self.config = config
        self.closed = False
        self.execute_query_bookmark_manager = object()
        server.drivers.append(self)

    def session(self, database=None, bookmark_manager=None, default_access_mode=None, **kw):
        assert not self.closed, "session on a closed driver"
        assert not kw, f"unexpected session options {kw}"
        return FakeSession(self, database or "neo4j")

    def execute_query(
        self, text, parameters=None, routing_=None, database_=None, result_transformer_=None, **kw
    ):
        assert not self.closed, "query on a closed driver"
        database = database_ or "neo4j"
        server = self.server
        for attempt in range(1, server.max_attempts + 1):
            try:
                server.connect(self, database, in_tx=False)
                call = Call(
                    "", {}, "query", None, attempt, getattr(routing_, "value", routing_), database
                )
                rows = server.run(server.graph, text, parameters, call)
                break
            except Exception as exc:
                if _retryable(exc) and attempt < server.max_attempts:
                    continue
                raise
        result = _Result(rows)
        return result_transformer_(result) if result_transformer_ else result

    def close(self):
        self.closed = True
