"""Fixtures for the Neo4j store's tests: a fake server (see neo4j_fake.py), stores on it, data."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j_data import ACCOUNTS, EVENTS, PASSWORD, URI, settings, write_jsonl
from neo4j_fake import FakeDriver, FakeServer
from womgraph.store.neo4j import POOL, DriverPool, Neo4jStore


@pytest.fixture(autouse=True)
def _no_server_settings(monkeypatch):
    """These tests never see NEO4J_* / WOMGRAPH_* from the shell, set or not."""
    import os

    for name in list(os.environ):
        if name.startswith(("NEO4J_", "WOMGRAPH_")):
            monkeypatch.delenv(name)


@pytest.fixture
def server() -> FakeServer:
    return FakeServer(password=PASSWORD)


@pytest.fixture
def pool(server) -> DriverPool:
    pool = DriverPool(factory=lambda uri, auth, **cfg: FakeDriver(server, uri, auth, **cfg))
    yield pool
    assert len(pool) == 0, "a store was left open"


@pytest.fixture
def make_store(pool, tmp_path):
    """Open Neo4j stores on the fake server (closed at the end of the test)."""
    opened = []

    def make(batch_size: int = 1000, **kw) -> Neo4jStore:
        s = Neo4jStore(
            URI,
            settings=settings(batch_size=batch_size, **kw),
            pool=pool,
            rejects_dir=tmp_path / "rejects",
        )
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def cli_server(server, monkeypatch):
    """The CLI's process-wide driver pool talks to the fake server; NEO4J_* point at it."""
    monkeypatch.setattr(
        POOL, "factory", lambda uri, auth, **cfg: FakeDriver(server, uri, auth, **cfg)
    )
    monkeypatch.setenv("NEO4J_URI", URI)
    monkeypatch.setenv("NEO4J_PASSWORD", PASSWORD)
    yield server
    assert len(POOL) == 0, "the CLI left a driver open"


@pytest.fixture
def data(tmp_path) -> dict[str, Path]:
    d = tmp_path / "data"
    d.mkdir()
    return {
        "events": write_jsonl(d / "events.jsonl", EVENTS),
        "accounts": write_jsonl(d / "accounts.jsonl", ACCOUNTS),
    }
