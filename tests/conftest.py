"""Shared fixtures: a clean environment and working folder for every test, small data helpers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(request, monkeypatch, tmp_path):
    """Tests see no store or Neo4j settings from the shell and write nothing into the repo.

    Integration tests (marked ``integration``) keep the environment: they are the ones meant to
    reach the server that ``NEO4J_URI`` names.
    """
    if request.node.get_closest_marker("integration") is not None:
        return
    for name in list(os.environ):
        if name.startswith(("NEO4J_", "WOMGRAPH_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def event(id: str, type: str = "post", actor: str = "a", ts: str = "2026-03-01T12:00:00Z", **fields) -> dict:
    """One interchange event as a dict."""
    return {"id": id, "ts": ts, "type": type, "actor": actor, **fields}


def jsonl(path: Path, records: list[dict | str]) -> Path:
    """Write records (dicts, or raw lines as strings) as JSON Lines."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_rejects(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def make_event():
    return event


@pytest.fixture
def write_jsonl():
    return jsonl


@pytest.fixture
def rejects_of():
    return read_rejects
