"""What ``bench/run.py`` makes of its runs: sums and ratios, the targets of issue 7, the output
agreement with the baseline, the tables it prints and the result files it writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

__all__ = [
    "RESULTS",
    "TARGETS",
    "baseline_steps",
    "check_targets",
    "compare",
    "derive",
    "print_table",
    "why_not",
    "write_result",
]

RESULTS = Path(__file__).resolve().parent / "results"
GB = 1e9
#: Targets of issue 7: (size, what, limit, unit).
TARGETS = [
    ("1m", "end_to_end wall", 5.0, "s"),
    ("1m", "baseline / end_to_end", 20.0, "x (at least)"),
    ("10m", "end_to_end wall", 30.0, "s"),
    ("10m", "end_to_end peak RSS", 6.0, "GB"),
    ("10m", "incremental (+10k ingest + report) wall", 2.0, "s"),
]



def why_not(run: dict) -> str:
    """Why a run did not finish, in words for the table."""
    if run.get("killed") == "memory":
        return f"killed: resident memory passed the limit after {run['wall_s']:.0f} s"
    if run.get("killed") == "timeout":
        return f"killed: timeout after {run['wall_s']:.0f} s"
    return f"exit {run.get('returncode')}"


def baseline_steps(lines: list[str]) -> dict[str, float]:
    """The ``  <step>  <seconds> s`` lines the baseline prints as it goes."""
    out = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[2] == "s":
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def derive(steps: dict) -> dict:
    """Sums and ratios built from the medians."""
    med = lambda n: steps.get(n, {}).get("median_wall_s")
    d: dict = {}
    if med("ingest") is not None and med("report") is not None:
        d["ingest_plus_report_cold_s"] = round(med("ingest") + med("report"), 3)
    if med("incr_ingest") is not None and med("incr_report") is not None:
        d["incremental_s"] = round(med("incr_ingest") + med("incr_report"), 3)
        d["incremental_peak_rss_mib"] = max(steps["incr_ingest"]["peak_rss_mib"],
                                            steps["incr_report"]["peak_rss_mib"])
    b = steps.get("baseline")
    if b:
        d["baseline_finished"] = b["finished"]
        if b["finished"]:
            if med("end_to_end"):
                d["baseline_over_end_to_end"] = round(b["median_wall_s"] / med("end_to_end"), 2)
            if d.get("ingest_plus_report_cold_s"):
                d["baseline_over_ingest_plus_report"] = round(
                    b["median_wall_s"] / d["ingest_plus_report_cold_s"], 2)
    return d


def compare(out: Path, bdir: Path) -> dict:
    """A few headline figures from womgraph and from the baseline, to show they did the same job."""
    c: dict = {}
    try:
        m = json.loads((out / "metrics.json").read_text())["scorecard"]
        c["womgraph"] = {k: m.get(k) for k in ("adopters", "wom_purity", "k_factor", "cascades",
                                                "longest_chain_depth")}
    except (OSError, ValueError, KeyError):
        pass
    try:
        b = json.loads((bdir / "scorecard.json").read_text())
        c["baseline"] = {k: b.get(k) for k in ("adopters", "wom_purity", "k_factor", "cascades",
                                                "longest_chain_depth")}
    except (OSError, ValueError):
        pass
    try:
        with open(out / "advocates.csv", newline="") as fh:
            w = [r["account"] for r in csv.DictReader(fh)][:20]
        with open(bdir / "advocates.csv", newline="") as fh:
            b20 = [r["account"] for r in csv.DictReader(fh)][:20]
        c["top20_advocates_in_common"] = len(set(w) & set(b20))
    except (OSError, KeyError):
        pass
    return c


def check_targets(label: str, result: dict) -> list[dict]:
    steps, d = result["steps"], result["derived"]
    got = {
        "end_to_end wall": steps.get("end_to_end", {}).get("median_wall_s"),
        "end_to_end peak RSS": (steps["end_to_end"]["peak_rss_mib"] * 2**20 / GB
                                if steps.get("end_to_end", {}).get("peak_rss_mib") else None),
        "baseline / end_to_end": d.get("baseline_over_end_to_end"),
        "incremental (+10k ingest + report) wall": d.get("incremental_s"),
    }
    needs = {"end_to_end wall": ["end_to_end"], "end_to_end peak RSS": ["end_to_end"],
             "baseline / end_to_end": ["end_to_end"],
             "incremental (+10k ingest + report) wall": ["incr_ingest", "incr_report"]}
    out = []
    for size, what, limit, unit in TARGETS:
        if size != label:
            continue
        value, met = got[what], None
        unfinished = [n for n in needs[what] if n in steps and not steps[n]["finished"]]
        base = steps.get("baseline", {})
        if unfinished:
            value, met = f"womgraph did not finish ({', '.join(unfinished)})", False
        elif what.startswith("baseline") and base and not base["finished"] and got["end_to_end wall"]:
            last = base["runs"][-1] if base["runs"] else {}
            if last.get("killed") == "timeout":
                # The baseline ran out of time: the ratio is at least its timeout / end_to_end.
                value = result["baseline_timeout_s"] / got["end_to_end wall"]
                met = True if value >= limit else None
                what += " (lower bound: baseline timed out)"
            else:
                value = f"baseline did not finish ({base['did_not_finish']})"
        elif value is not None:
            met = value >= limit if unit.startswith("x") else value <= limit
        out.append({"target": what, "limit": limit, "unit": unit,
                    "value": round(value, 3) if isinstance(value, float) else value, "met": met})
    return out


def print_table(results: list[dict]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain text
        Console = None
    rows = []
    for res in results:
        for name, s in res["steps"].items():
            if s["finished"]:
                rows.append([res["size"], name, str(len(s["runs"])), f"{s['median_wall_s']:.2f}",
                             f"{s['min_wall_s']:.2f}", f"{s['median_cpu_s']:.2f}", f"{s['peak_rss_mib']:,.0f}"])
            else:
                r = s["runs"][-1] if s["runs"] else {}
                rss = f"> {r['peak_rss_mb']:,.0f}" if r.get("peak_rss_mb") else ""
                rows.append([res["size"], name, str(len(s["runs"])), f"did not finish ({s['did_not_finish']})",
                             "", "", rss])
    head = ["size", "step", "runs", "wall s (median)", "wall s (min)", "cpu s", "peak RSS MiB"]
    if Console:
        t = Table(*head, title="womgraph bench")
        for r in rows:
            t.add_row(*r)
        Console(width=120).print(t)
        t = Table("size", "derived from the medians", "value", title="sums and ratios")
        for res in results:
            for k, v in res["derived"].items():
                t.add_row(res["size"], k, str(v))
        if t.row_count:
            Console(width=120).print(t)
        t = Table("size", "target", "limit", "measured", "met", title="issue 7 targets")
        for res in results:
            for tg in res["targets"]:
                t.add_row(res["size"], tg["target"], f"{tg['limit']} {tg['unit']}", str(tg["value"]),
                          {True: "yes", False: "NO", None: "n/a"}[tg["met"]])
        if t.row_count:
            Console(width=120).print(t)
    else:
        print("\t".join(head))
        for r in rows:
            print("\t".join(r))
        for res in results:
            for k, v in res["derived"].items():
                print(f"{res['size']}\t{k}\t{v}")
            for tg in res["targets"]:
                print(f"{res['size']}\ttarget {tg['target']} <= {tg['limit']} {tg['unit']}\t{tg['value']}\t{tg['met']}")


def write_result(result: dict, *, final: bool = True) -> Path:
    """``<date>-<size>.json``; while a size is running, ``<date>-<size>.json.tmp`` (partial)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{result['date']}-{result['size']}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result | {"partial": not final}, indent=1, default=str) + "\n")
    if final:
        tmp.replace(path)
    return path if final else tmp


