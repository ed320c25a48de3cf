"""Build small event and account tables for analysis tests (no files, no store)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from womgraph.analyse.frame import ANALYSIS_COLUMNS, Options
from womgraph.analyse.pipeline import Analysis, analyse
from womgraph.schema import ACCOUNTS_SCHEMA, EVENTS_SCHEMA

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def events(rows: list[dict]) -> pa.Table:
    schema = pa.schema([EVENTS_SCHEMA.field(c) for c in ANALYSIS_COLUMNS])
    full = [{c: r.get(c) for c in ANALYSIS_COLUMNS} for r in rows]
    return pa.Table.from_pylist(full, schema=schema)


def accounts(rows: list[dict]) -> pa.Table:
    full = [{c: r.get(c) for c in ACCOUNTS_SCHEMA.names} for r in rows]
    return pa.Table.from_pylist(full, schema=ACCOUNTS_SCHEMA)


def run(ev: list[dict], acc: list[dict] | None = None, **opts) -> Analysis:
    return analyse(events(ev), accounts(acc or [{"id": "brand", "role": "brand", "handle": "@glowbrew"}]), Options(**opts))


def reasons(a: Analysis) -> dict[str, str]:
    return dict(zip(a.classes.column("id").to_pylist(), a.classes.column("reason").to_pylist()))


def attribution(a: Analysis) -> dict[str, tuple]:
    t = a.attribution.to_pylist()
    return {r["id"]: (r["kind"], r["parent"], r["method"]) for r in t}


def referral(i: str, day: float, src: str, dst: str, **kw) -> dict:
    return {"id": i, "ts": at(day), "type": "referral", "actor": src, "target": dst, **kw}


def purchase(i: str, day: float, who: str, **kw) -> dict:
    return {"id": i, "ts": at(day), "type": "purchase", "actor": who, "value": 20.0, **kw}
