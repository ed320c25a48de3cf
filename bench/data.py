"""Benchmark data: seeded synthetic communities, generated once into ``bench/cache/``.

Layout::

    bench/cache/<label>/events.jsonl      the community (womgraph.generate.generate_community)
    bench/cache/<label>/accounts.jsonl
    bench/cache/<label>/truth*.{json,csv}
    bench/cache/<label>/summary.json      what the generator reported (written last: its
                                          presence means the folder is complete)
    bench/cache/<label>/new10k.jsonl      10,000 new events for the incremental case

Generation runs in a child process so its memory is returned before anything is measured.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["CACHE", "SIZES", "ensure_dataset", "make_increment", "parse_sizes"]

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / "cache"
SEED = 0
#: Size labels accepted by ``--sizes`` and the event counts they stand for.
SIZES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
INCREMENT = 10_000

_GENERATE = """
import json, sys, time
from womgraph.generate import generate_community
out, events, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = time.perf_counter()
s = generate_community(out, events=events, seed=seed, fmt="jsonl",
                       progress=lambda m: print(m, file=sys.stderr, flush=True))
d = s.to_dict()
d["wall_seconds"] = round(time.perf_counter() - t, 3)
print(json.dumps(d))
"""


def parse_sizes(text: str) -> list[str]:
    """``"100k,1m"`` -> ``["100k", "1m"]``, refusing unknown labels."""
    out = []
    for part in text.split(","):
        label = part.strip().lower()
        if not label:
            continue
        if label not in SIZES:
            raise SystemExit(f"unknown size {part!r}: use some of {', '.join(SIZES)}")
        out.append(label)
    return out


def ensure_dataset(label: str, python: str = sys.executable, log=print) -> dict:
    """Generate ``bench/cache/<label>/`` unless it is complete already; return its summary."""
    folder = CACHE / label
    summary_file = folder / "summary.json"
    if summary_file.exists():
        summary = json.loads(summary_file.read_text())
    else:
        log(f"generating {label} ({SIZES[label]:,} events, seed {SEED}) into {folder} ...")
        folder.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [python, "-c", _GENERATE, str(folder), str(SIZES[label]), str(SEED)],
            stdout=subprocess.PIPE, text=True, check=True,
        )
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        tmp = summary_file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(summary, indent=1) + "\n")
        tmp.replace(summary_file)
        log(f"generated {summary['events']:,} events, {summary['accounts']:,} accounts "
            f"in {summary['wall_seconds']:.1f} s")
    inc = folder / "new10k.jsonl"
    if not inc.exists():
        make_increment(folder / "events.jsonl", inc, INCREMENT, seed=SEED)
    summary["increment"] = {"file": str(inc), "events": INCREMENT}
    return summary


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_increment(events: Path, out: Path, n: int, *, seed: int = 0) -> None:
    """Write ``n`` new events that continue ``events`` the day after its last event.

    The new events are copies of ``n`` events sampled at random from the file (so the mix of
    types, actors and references is that of the data), with new ids (``new-<i>``), new content
    ids (``pnew-<i>``) and times moved into the 24 hours after the newest stored event, in the
    sampled events' order. Parents, targets, ``via`` codes and event ids still point at stored
    events and people, as a day of fresh activity in the same community would.
    """
    rng = random.Random(seed)
    last = None
    chosen: list[str] = []
    seen = 0
    # One pass: reservoir sample of n lines, and the newest timestamp.
    with open(events, encoding="utf-8") as fh:
        for line in fh:
            ts = line[line.index('"ts":"') + 6 :][:20]
            if last is None or ts > last:
                last = ts
            seen += 1
            if len(chosen) < n:
                chosen.append(line)
            else:
                j = rng.randrange(seen)
                if j < n:
                    chosen[j] = line
    start = datetime.strptime(last, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    rows = [json.loads(line) for line in chosen]
    rows.sort(key=lambda r: r["ts"])
    tmp = out.with_suffix(".jsonl.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i, r in enumerate(rows):
            r["id"] = f"new-{i}"
            if r.get("post"):
                r["post"] = f"pnew-{i}"
            r["ts"] = _iso(start + timedelta(seconds=1 + (86_399 * i) // max(1, len(rows))))
            fh.write(json.dumps(r, separators=(",", ":")) + "\n")
    tmp.replace(out)
