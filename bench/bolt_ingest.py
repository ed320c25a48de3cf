"""How fast events go into Neo4j over Bolt through womgraph's Neo4j store (events/s).

Runs against whatever NEO4J_URI points at (with NEO4J_USERNAME, NEO4J_PASSWORD,
NEO4J_DATABASE), so use a scratch database: every id the benchmark writes carries a run prefix
and is deleted afterwards (unless --keep).

    python bench/bolt_ingest.py                         # 50k events, batch sizes 1000 2000 5000 10000
    python bench/bolt_ingest.py --events 200000 --batch-size 5000 --out bench/results/bolt.json

For each batch size: a first ingest of fresh ids (all inserted), then the same events again (all
duplicates: the cost of an idempotent re-run). Events are generated with
``womgraph.generate.generate_community`` when it exists, else synthesised here, and validated
once beforehand, so only the store's work is timed. Prints a table and writes JSON.
Target (issue 5): >= 50k events/s on a local Neo4j.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from womgraph.ingest import ingest  # noqa: E402
from womgraph.settings import load_settings  # noqa: E402
from womgraph.store import EmbeddedStore  # noqa: E402
from womgraph.store.neo4j import Neo4jStore  # noqa: E402

ID_COLUMNS = ("id", "actor", "target", "post", "parent")


def synthesise(folder: Path, n: int, seed: int) -> Path:
    """Simple valid events: posts, likes, mentions, referrals and purchases among 1/10 as many people."""
    rng = random.Random(seed)
    people = max(10, n // 10)
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    path = folder / "events.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            actor = f"u{rng.randrange(people)}"
            ts = (t0 + timedelta(seconds=i * 7)).isoformat().replace("+00:00", "Z")
            kind = rng.choice(("post", "like", "mention", "referral", "purchase"))
            e = {"id": f"e{i}", "ts": ts, "type": kind, "actor": actor}
            if kind == "post":
                e["post"] = f"p{i}"
            elif kind == "like":
                e.update(target=f"u{rng.randrange(people)}", parent=f"p{rng.randrange(max(1, i))}")
            elif kind in ("mention", "referral"):
                e["target"] = f"u{rng.randrange(people)}"
                if kind == "mention":
                    e["post"] = f"m{i}"
            else:
                e["value"] = round(rng.uniform(5, 200), 2)
            fh.write(json.dumps(e) + "\n")
    return path


def make_events(n: int, seed: int, work: Path) -> tuple[pa.Table, str]:
    """Validated events (about ``n``), and where they came from."""
    try:
        from womgraph.generate import generate_community

        generate_community(work / "gen", events=n, seed=seed)
        path, source = work / "gen" / "events.jsonl", "womgraph.generate"
    except (ImportError, ValueError):  # no generator, or a size it does not make
        path, source = synthesise(work, n, seed), "synthesised"
    with EmbeddedStore(work / "validated") as store:
        ingest(store, [path])
        return store.events(), source


def prefixed(events: pa.Table, prefix: str) -> pa.Table:
    """The same events with every id (events, accounts, content) under ``prefix``."""
    for col in ID_COLUMNS:
        i = events.schema.get_field_index(col)
        events = events.set_column(i, col, pc.binary_join_element_wise(prefix, events[col], ""))
    return events


def clean(store: Neo4jStore, prefix: str) -> None:
    """Delete everything a run wrote (its ids start with ``prefix``)."""
    for label in ("Event", "Content", "Account"):
        statement = (
            f"MATCH (n:{label}) WHERE n.id STARTS WITH $prefix "
            "WITH n LIMIT 10000 DETACH DELETE n RETURN count(*)"
        )
        while store._driver.execute_query(
            statement, {"prefix": prefix}, database_=store.database
        ).records[0][0]:
            pass


def rust_ext() -> bool:
    try:
        from neo4j._codec.packstream.v1 import _rust_pack  # noqa: F401
    except ImportError:
        return False
    return _rust_pack is not None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--events", type=int, default=50_000, help="about how many events (default 50000)"
    )
    ap.add_argument("--batch-size", type=int, nargs="+", default=[1000, 2000, 5000, 10000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bolt_ingest.json")
    ap.add_argument("--keep", action="store_true", help="leave the events in the database")
    args = ap.parse_args(argv)

    settings = load_settings()
    if not settings.neo4j_uri:
        print(
            "NEO4J_URI is not set: point it (with NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE) "
            "at a scratch Neo4j database to measure the Bolt ingest rate.",
            file=sys.stderr,
        )
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        events, source = make_events(args.events, args.seed, Path(tmp))
    run = f"bench{int(time.time())}"
    rows = []
    with Neo4jStore(settings.neo4j_uri, settings=settings) as store:
        server = store.ping()
        store.ensure_schema()
        for size in args.batch_size:
            prefix = f"{run}b{size}-"
            table = prefixed(events, prefix)
            store.batch_size = size
            try:
                started = time.perf_counter()
                first = store.add_events(table)
                insert_s = time.perf_counter() - started
                started = time.perf_counter()
                again = store.add_events(table)
                rerun_s = time.perf_counter() - started
            finally:
                if not args.keep:
                    clean(store, prefix)
            assert first.inserted == table.num_rows and again.duplicates == table.num_rows
            rows.append(
                {
                    "batch_size": size,
                    "events": table.num_rows,
                    "insert_s": round(insert_s, 3),
                    "insert_events_per_s": round(table.num_rows / insert_s),
                    "rerun_s": round(rerun_s, 3),
                    "rerun_events_per_s": round(table.num_rows / rerun_s),
                }
            )

    print(
        f"Neo4j {server['version']} {server['edition']} at {server['uri']} (database {server['database']}), "
        f"events from {source}, neo4j-rust-ext {'on' if rust_ext() else 'off'}"
    )
    header = [
        "batch_size",
        "events",
        "insert_s",
        "insert_events_per_s",
        "rerun_s",
        "rerun_events_per_s",
    ]
    print("  ".join(f"{h:>19}" for h in header))
    for r in rows:
        print("  ".join(f"{r[h]:>19}" for h in header))
    result = {
        "benchmark": "bolt_ingest",
        "at": datetime.now(timezone.utc).isoformat(),
        "server": server,
        "events_source": source,
        "python": platform.python_version(),
        "neo4j_rust_ext": rust_ext(),
        "cpu_count": os.cpu_count(),
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
