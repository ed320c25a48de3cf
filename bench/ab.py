"""Compare two versions of womgraph by running them in turn on the same store.

    .venv/bin/python bench/ab.py --size 10m --what cold --rounds 3 68d9bad .
    .venv/bin/python bench/ab.py --size 10m --what refresh 68d9bad HEAD

On a shared machine the speed of the same work drifts by 20% and more within an hour (in
session 6, the same 10M refresh took 3.3 s at one moment and 6.3 s twenty minutes later), so two
benchmark runs an hour apart cannot show a change smaller than that. Running the versions
alternately, A B A B ..., puts both through the same drift; the pairwise differences are the
measure.

Each version is a git revision (extracted with ``git archive`` into a temporary folder) or ``.``
(the working tree), optionally followed by ``@`` and a folder of packages to put before this
virtual environment's (``aa8a6b7@/tmp/dd15`` runs that revision with the DuckDB installed there
by ``pip install --target /tmp/dd15 duckdb==1.5.6``: how a dependency upgrade is measured). Each
command is the ``womgraph`` CLI of this virtual environment with ``PYTHONPATH`` set to that
version's ``src`` (and that folder):

- ``ingest``   ``ingest`` of the size's events and accounts into a new store (removed after).

- ``cold``     ``report --format json`` on the bench's ingested store (``bench/cache/<size>/run/store``,
               made by ``bench/run.py``) after removing its analysis cache: a full analysis.
- ``refresh``  for each version once: a copy of that store, analysed by the version (its state
               kept); then each round: a fresh copy of that, ``ingest`` of the 10k-event increment,
               and ``report --format json`` (timed: the refresh; with womgraph's log on, to make
               sure it refreshed and did not fall back to a full analysis).

Prints every run and, per round, the difference B - A; writes nothing else. Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import CACHE, SIZES
from measure import Run, run

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WOMGRAPH = str(Path(sys.executable).parent / "womgraph")


def source(version: str, into: Path) -> str:
    """The ``PYTHONPATH`` of ``version``: ``REV`` or ``REV@PACKAGES`` (``.``: the working tree)."""
    rev, _, packages = version.partition("@")
    extra = [packages] if packages else []
    if rev == ".":
        return os.pathsep.join([str(ROOT / "src"), *extra])
    out = into / version.replace("/", "_").replace("@", "_")
    out.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return os.pathsep.join([str(out / "src"), *extra])


#: The CLI with womgraph's log records at INFO on stderr (the refresh says whether it refreshed).
_LOGGED = (
    "import logging, sys; logging.basicConfig(level=logging.INFO, format='%(name)s: %(message)s'); "
    "from womgraph.cli import run; sys.argv[0] = 'womgraph'; run()"
)


def womgraph(src: str, store: Path, *args: str, stderr: Path | None = None):
    env = {**os.environ, "PYTHONPATH": str(src)}
    argv = [WOMGRAPH] if stderr is None else [sys.executable, "-c", _LOGGED]
    r = run([*argv, "-q", "--store", str(store), *args], env=env, stderr=stderr)
    if r.returncode not in (0, 3):  # 3: some records rejected (never with the bench's data)
        raise SystemExit(f"womgraph {' '.join(args)} failed with exit code {r.returncode} ({src})")
    return r


def ingest(src: str, folder: Path, work: Path) -> Run:
    store = work / "ingested"
    shutil.rmtree(store, ignore_errors=True)
    took = womgraph(src, store, "ingest", str(folder / "events.jsonl"),
                    "--accounts", str(folder / "accounts.jsonl"))
    shutil.rmtree(store)
    return took


def cold(src: str, store: Path) -> Run:
    shutil.rmtree(store / "cache", ignore_errors=True)
    return womgraph(src, store, "report", "--format", "json")


def prepare_refresh(src: str, store: Path, base: Path) -> None:
    """``base``: a copy of ``store`` analysed by ``src`` (its state kept)."""
    shutil.copytree(store, base, ignore=shutil.ignore_patterns("cache", "rejects"))
    womgraph(src, base, "report", "--format", "json")


def refresh(src: str, base: Path, work: Path, increment: Path) -> Run:
    copy = work / "store"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(base, copy)
    os.sync()  # the copy's writeback is not the refresh's (see run.py's incremental step)
    womgraph(src, copy, "ingest", str(increment))
    log = work / "refresh.log"
    took = womgraph(src, copy, "report", "--format", "json", stderr=log)
    shutil.rmtree(copy)
    said = log.read_text(encoding="utf-8", errors="replace")
    if "analysis refreshed" not in said:  # a full analysis instead: not what is being compared
        raise SystemExit(
            f"{src}: the report analysed every event instead of refreshing (is WOMGRAPH_INCREMENTAL "
            f"off? womgraph's log says why, when it says anything):\n{said}"
        )
    return took


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("a", help="the first version: a git revision, or . for the working tree; "
                             "REV@FOLDER puts the packages in FOLDER first")
    p.add_argument("b", help="the second version")
    p.add_argument("--size", choices=sorted(SIZES), default="1m")
    p.add_argument("--what", choices=("cold", "refresh", "ingest"), default="cold")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)

    folder = CACHE / args.size
    store = folder / "run" / "store"
    if not (store / "womgraph.duckdb").is_file():
        raise SystemExit(f"no ingested store in {store}: run bench/run.py --sizes {args.size} first")
    with tempfile.TemporaryDirectory(prefix="womgraph-ab-") as tmp:
        tmp = Path(tmp)
        versions = {name: source(rev, tmp / "src") for name, rev in (("A", args.a), ("B", args.b))}
        bases = {}
        if args.what == "refresh":
            for name, src in versions.items():
                bases[name] = tmp / f"base-{name}"
                prepare_refresh(src, store, bases[name])
        times: dict[str, list[float]] = {"A": [], "B": []}
        cpu: dict[str, list[float]] = {"A": [], "B": []}
        for i in range(1, args.rounds + 1):
            for name, src in versions.items():
                if args.what == "cold":
                    took = cold(src, store)
                elif args.what == "ingest":
                    took = ingest(src, folder, tmp)
                else:
                    took = refresh(src, bases[name], tmp, folder / "new10k.jsonl")
                times[name].append(took.wall_s)
                cpu[name].append(took.user_s + took.sys_s)
                print(f"round {i} {name} ({getattr(args, name.lower())}): {took.wall_s:.2f} s, "
                      f"cpu {took.user_s + took.sys_s:.2f} s", flush=True)
        if args.what == "cold":
            shutil.rmtree(store / "cache", ignore_errors=True)  # no entry of either version left behind
    for label, got in (("wall", times), ("cpu (user + sys, the steadier)", cpu)):
        diffs = [b - a for a, b in zip(got["A"], got["B"])]
        print(f"{args.what} {args.size} {label}: A {args.a} median {statistics.median(got['A']):.2f} s, "
              f"B {args.b} median {statistics.median(got['B']):.2f} s")
        print("  B - A per round: " + ", ".join(f"{d:+.2f} s" for d in diffs)
              + f" (median {statistics.median(diffs):+.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
