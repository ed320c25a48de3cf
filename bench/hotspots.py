"""Where the time goes: the analysis (as ``womgraph report --format json`` runs it) and the ingest.

    .venv/bin/python bench/hotspots.py --size 1m
    .venv/bin/python bench/hotspots.py --size 1m --what ingest

Two views of one run in this process:

1. **Steps**: the analysis steps of ``womgraph.analyse.pipeline`` (and the store projection, the
   report assembly and the JSON rendering) are wrapped with timers, so the table says which step
   of the pipeline costs what. Nothing in ``src/`` is changed: the wrappers replace the names
   the pipeline module looks up, for this process only.
2. **Functions**: ``cProfile`` over the same run; the top functions by own time (``tottime``)
   with ``file:function``. DuckDB queries show up as ``execute`` of the DuckDB connection; the
   step table says whose queries they are.

Uses the store ``bench/run.py`` left in ``bench/cache/<size>/run/store`` (ingests one when it
is missing). Writes ``bench/results/<date>-profile-<what>-<size>.json``, and the raw pstats
file next to the data in ``bench/cache/<size>/``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import CACHE, ensure_dataset
from machine import machine_info

RESULTS = Path(__file__).resolve().parent / "results"


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
SECONDS: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


PEAK_MIB: dict[str, float] = {}


def _mem_mib() -> tuple[float, float]:
    """(current RSS, peak RSS so far) of this process, MiB."""
    now = peak = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def timed(name: str, fn):
    def wrapper(*a, **kw):
        say(f"  start {name}")
        t = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            SECONDS[name] += time.perf_counter() - t
            CALLS[name] += 1
            now, peak = _mem_mib()
            PEAK_MIB[name] = peak
            say(f"  done  {name}: {time.perf_counter() - t:.2f} s, RSS {now:,.0f} MiB (peak so far {peak:,.0f})")

    wrapper.__wrapped__ = fn
    return wrapper


def instrument_analysis() -> None:
    """Wrap each step the pipeline module calls, plus the store reads and the rendering."""
    from womgraph import report as report_mod
    from womgraph.analyse import pipeline
    from womgraph.render import formats
    from womgraph.store import embedded

    for name in ("Frame", "detect", "classify_interactions", "build_exposures", "attribute",
                 "classify_adoptions", "build_cascades", "rank_advocates", "detect_communities",
                 "scorecard", "period_series", "chain_rows"):
        if hasattr(pipeline, name):
            setattr(pipeline, name, timed(f"analyse.{name}", getattr(pipeline, name)))
    pipeline.analyse = timed("analyse (total)", pipeline.analyse)
    try:
        from womgraph.analyse import cache

        cache._save = timed("analyse.cache._save (write the cache)", cache._save)
        cache._load = timed("analyse.cache._load", cache._load)
    except ImportError:
        pass
    from womgraph.analyse import authenticity

    for name in ("farm_profile", "lockstep", "brand_only_engagement", "referral_flags",
                 "undisclosed_sponsorship"):
        if hasattr(authenticity, name):
            setattr(authenticity, name, timed(f"analyse.detect.{name}", getattr(authenticity, name)))
    embedded.EmbeddedStore.events = timed("store.events (projection)", embedded.EmbeddedStore.events)
    embedded.EmbeddedStore.accounts = timed("store.accounts", embedded.EmbeddedStore.accounts)
    from womgraph.analyse import summary as summary_mod

    for mod, name in ((report_mod, "event_summary"), (summary_mod, "event_summary")):
        if hasattr(mod, name):
            setattr(mod, name, timed(f"{mod.__name__.split('.', 1)[1]}.{name}", getattr(mod, name)))
    report_mod.report_from_analysis = timed("report.report_from_analysis (total)",
                                            report_mod.report_from_analysis)
    formats.emit_document = timed("render.emit_document (JSON)", formats.emit_document)


QUERY_SECONDS: dict[str, float] = defaultdict(float)
QUERY_CALLS: dict[str, int] = defaultdict(int)
_FETCH = {"fetchall", "fetchone", "fetchmany", "fetchnumpy", "fetchdf", "df", "arrow",
          "to_arrow_table", "fetch_arrow_table", "fetch_record_batch", "pl"}


def _caller() -> str:
    """file:function:line of the nearest womgraph frame that called into DuckDB."""
    f = sys._getframe(2)
    while f is not None:
        name = f.f_code.co_filename
        if "/womgraph/" in name and not name.endswith("/womgraph/duck.py"):  # duck.arrow: its caller
            return f"{name.split('/womgraph/', 1)[1]}:{f.f_code.co_name}:{f.f_lineno}"
        f = f.f_back
    return "?"


class TimedConnection:
    """A DuckDB connection that charges the time of each query (and its fetch) to its caller."""

    def __init__(self, con):
        self._con = con

    def execute(self, *a, **kw):
        key = _caller()
        t = time.perf_counter()
        try:
            self._con.execute(*a, **kw)
        finally:
            QUERY_SECONDS[key] += time.perf_counter() - t
            QUERY_CALLS[key] += 1
        return self

    def cursor(self):
        """The analysis runs on a cursor of the store's connection: timed as well."""
        return TimedConnection(self._con.cursor())

    def sql(self, *a, **kw):
        """A relation (``duck.arrow`` reads results through one): its fetches are timed."""
        return _TimedRelation(self._con.sql(*a, **kw), _caller())

    def __getattr__(self, name):
        attr = getattr(self._con, name)
        if name not in _FETCH:
            return attr

        def fetch(*a, **kw):
            key = _caller()
            t = time.perf_counter()
            try:
                return attr(*a, **kw)
            finally:
                QUERY_SECONDS[key] += time.perf_counter() - t

        return fetch


class _TimedRelation:
    """A relation whose reads are charged to the line that made it."""

    def __init__(self, rel, key: str):
        self._rel, self._key = rel, key

    def __getattr__(self, name):
        attr = getattr(self._rel, name)
        if name not in _FETCH:
            return attr

        def fetch(*a, **kw):
            t = time.perf_counter()
            try:
                return attr(*a, **kw)
            finally:
                QUERY_SECONDS[self._key] += time.perf_counter() - t
                QUERY_CALLS[self._key] += 1

        return fetch


def instrument_duckdb() -> None:
    """Give every womgraph module that calls ``duckdb.connect`` a timed connection.

    Each loaded ``womgraph.*`` module whose global ``duckdb`` is the DuckDB module gets a stand-in
    whose ``connect`` wraps the connection (``pipeline.chain_rows`` imports DuckDB inside the
    function and keeps a plain connection: it is a timed step of its own).
    """
    import importlib
    import types

    import duckdb

    for name in ("womgraph.duck", "womgraph.analyse.frame", "womgraph.store.embedded",
                 "womgraph.validate.validator", "womgraph.ingest", "womgraph.report"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    shim = types.SimpleNamespace(**{k: getattr(duckdb, k) for k in dir(duckdb) if not k.startswith("__")})
    shim.connect = lambda *a, **kw: TimedConnection(duckdb.connect(*a, **kw))
    for name, module in list(sys.modules.items()):
        if name.startswith("womgraph") and getattr(module, "duckdb", None) is duckdb:
            module.duckdb = shim


def by_function(per_line: dict[str, float]) -> list[dict]:
    agg: dict[str, float] = defaultdict(float)
    n: dict[str, int] = defaultdict(int)
    for key, sec in per_line.items():
        fn = key.rsplit(":", 1)[0]
        agg[fn] += sec
        n[fn] += QUERY_CALLS.get(key, 0)
    return [{"where": k, "queries": n[k], "seconds": round(v, 3)}
            for k, v in sorted(agg.items(), key=lambda kv: -kv[1])]


def instrument_ingest() -> None:
    from womgraph import ingest as ingest_mod
    from womgraph.store import embedded
    from womgraph.validate import validator

    ingest_mod._chunks = timed("ingest._chunks (read + validate, generator)", ingest_mod._chunks)
    validator.Validator.jsonl = timed("Validator.jsonl", validator.Validator.jsonl)
    embedded.EmbeddedStore.add_events = timed("store.add_events", embedded.EmbeddedStore.add_events)
    embedded.EmbeddedStore.add_accounts = timed("store.add_accounts", embedded.EmbeddedStore.add_accounts)


def run_report(store_path: Path) -> None:
    from womgraph.render import formats
    from womgraph.render.report import report_sections
    from womgraph.report import build_report
    from womgraph.store import open_store

    with open_store(str(store_path), read_only=True) as store:
        cache = getattr(store, "cache_dir", None)
        if cache:  # profile the analysis, not a cache hit
            shutil.rmtree(cache, ignore_errors=True)
        doc = timed("report.build_report (total)", build_report)(store)
        with open("/dev/null", "w") as fh:
            formats.emit_document(doc, "json", fh, report_sections(doc))


def run_ingest(store_path: Path, events: Path, accounts: Path) -> None:
    from womgraph.ingest import ingest
    from womgraph.store import open_store

    shutil.rmtree(store_path, ignore_errors=True)
    with open_store(str(store_path)) as store:
        timed("ingest (total)", ingest)(store, [events], [accounts])


def top_functions(prof: cProfile.Profile, n: int) -> list[dict]:
    st = pstats.Stats(prof)
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _callers) in st.stats.items():
        short = file
        for marker in ("site-packages/", "/src/", "/lib/python3"):
            if marker in file:
                short = file.split(marker, 1)[1]
                break
        rows.append({"where": f"{short}:{line}:{func}" if line else func, "calls": nc,
                     "own_s": round(tt, 3), "cumulative_s": round(ct, 3)})
    rows = [r for r in rows if "hotspots.py" not in r["where"]]  # our timing wrappers
    rows.sort(key=lambda r: -r["own_s"])
    return rows[:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1m")
    ap.add_argument("--what", choices=["report", "ingest"], default="report")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    ensure_dataset(args.size, sys.executable, log=lambda m: print(m, file=sys.stderr))
    folder = CACHE / args.size
    store_path = folder / "run" / "store"
    if args.what == "report" and not (store_path / "womgraph.duckdb").exists():
        print(f"no store in {store_path}: ingesting first (not profiled)", file=sys.stderr)
        run_ingest(store_path, folder / "events.jsonl", folder / "accounts.jsonl")
        SECONDS.clear()
        CALLS.clear()
    if args.what == "report":
        instrument_analysis()
        instrument_duckdb()
    else:
        instrument_ingest()
        instrument_duckdb()
        store_path = folder / "profile_store"
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    if args.what == "report":
        run_report(store_path)
    else:
        run_ingest(store_path, folder / "events.jsonl", folder / "accounts.jsonl")
    prof.disable()
    wall = time.perf_counter() - t
    if args.what == "ingest":
        shutil.rmtree(store_path, ignore_errors=True)
    prof.dump_stats(str(folder / f"profile-{args.what}.pstats"))

    steps = [{"step": k, "calls": CALLS[k], "seconds": round(v, 3), "share": round(v / wall, 3),
              "peak_rss_mib_after": round(PEAK_MIB.get(k, 0.0))}
             for k, v in sorted(SECONDS.items(), key=lambda kv: -kv[1])]
    funcs = top_functions(prof, args.top)
    print(f"{args.what} on {args.size}: {wall:.2f} s in-process under cProfile "
          "(profiling overhead included; compare shares, not totals)\n")
    print(f"{'step':<48} {'calls':>5} {'seconds':>8} {'share':>6} {'peak MiB':>9}")
    for s in steps:
        print(f"{s['step']:<48} {s['calls']:>5} {s['seconds']:>8.2f} {s['share']:>6.0%} "
              f"{s['peak_rss_mib_after']:>9,}")
    print(f"\n{'function (by own time)':<90} {'calls':>8} {'own s':>7} {'cum s':>7}")
    for f in funcs:
        print(f"{f['where'][:90]:<90} {f['calls']:>8} {f['own_s']:>7.2f} {f['cumulative_s']:>7.2f}")
    queries = by_function(QUERY_SECONDS)
    if queries:
        print(f"\n{'DuckDB query + fetch time, by the womgraph function that ran it':<70} {'queries':>7} {'seconds':>8}")
        for q in queries[: args.top]:
            print(f"{q['where'][:70]:<70} {q['queries']:>7} {q['seconds']:>8.2f}")
        print(f"\n{'slowest single query sites (file:function:line)':<70} {'queries':>7} {'seconds':>8}")
        for k, v in sorted(QUERY_SECONDS.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"{k[:70]:<70} {QUERY_CALLS.get(k, 0):>7} {v:>8.2f}")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(r"womgraph", 25)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{date.today().isoformat()}-profile-{args.what}-{args.size}.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"size": args.size, "what": args.what, "wall_s": round(wall, 3),
                               "steps": steps, "top_functions": funcs,
                               "duckdb_by_function": queries,
                               "duckdb_by_site": {k: round(v, 3) for k, v in sorted(
                                   QUERY_SECONDS.items(), key=lambda kv: -kv[1])},
                               "womgraph_cumulative": buf.getvalue().splitlines(),
                               "machine": machine_info()}, indent=1) + "\n")
    tmp.replace(out)
    print(f"\nwrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
