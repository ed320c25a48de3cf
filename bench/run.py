"""Benchmark womgraph's CLI on seeded synthetic communities, side by side with a baseline.

    .venv/bin/python bench/run.py --sizes 100k,1m --repeat 3
    .venv/bin/python bench/run.py --sizes 10m --skip-baseline

For each size it generates the community once into ``bench/cache/<size>/`` (reused when present),
then runs each step as a child process of the ``womgraph`` CLI and measures its wall time, CPU
time and peak RSS (``os.wait4``; see ``measure.py``):

- ``startup``      ``womgraph --version`` (interpreter start and imports, paid by every command)
- ``ingest``       events + accounts into a fresh embedded store
- ``report``       ``report --format json``; ``advocates --format csv``; ``chains --format json``;
  ``advocates``    ``metrics --format json``; ``flags --format json``, each on its own, cold
  ...              (the store's analysis cache deleted first, so the command runs the analysis)
- ``<cmd>_warm``   the same command again, served from the analysis cache the cold run left
- ``end_to_end``   fresh store, ingest, then all five commands, as one ``sh -c`` sequence (the
                   first command computes the analysis, the others may reuse it: what a user gets)
- ``incr_ingest``  10,000 new events into a copy of the ingested store; ``incr_report``: then
                   ``report --format json`` (their sum is the incremental refresh)
- ``baseline``     ``bench/baseline.py`` on the same files (pandas + networkx), with a timeout

Every child is stopped when it passes ``--step-timeout`` (baseline: ``--baseline-timeout``) or
when its resident memory passes ``--memory-limit-gb`` (the machine is shared), and is then
reported as "did not finish" with the reason. Once ``report`` did not finish, the other
commands that run the same analysis are skipped (recorded as skipped).

Prints a table and writes ``bench/results/<date>-<size>.json`` with the machine, the git state,
every run and the targets of issue 7. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import CACHE, SIZES, ensure_dataset, parse_sizes
from machine import code_fingerprint, load, machine_info
from measure import Run, run
from summary import (
    baseline_steps,
    check_targets,
    compare,
    derive,
    print_table,
    why_not,
    write_result,
)

BENCH = Path(__file__).resolve().parent
PY = sys.executable
WOMGRAPH = str(Path(PY).parent / "womgraph")

#: The analysis commands, as the issue lists them: (step name, arguments, output suffix).
EXPORTS = [
    ("report", ["report", "--format", "json"], "json"),
    ("advocates", ["advocates", "--format", "csv"], "csv"),
    ("chains", ["chains", "--format", "json"], "json"),
    ("metrics", ["metrics", "--format", "json"], "json"),
    ("flags", ["flags", "--format", "json"], "json"),
]
STEPS = ["startup", "ingest", *[e[0] for e in EXPORTS], "end_to_end", "incremental", "baseline"]
def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def wg(store: Path, *args: str) -> list[str]:
    return [WOMGRAPH, "-q", "--store", str(store), *args]


def shell(argv: list[str], out: Path | None = None) -> str:
    import shlex

    cmd = " ".join(shlex.quote(a) for a in argv)
    return f"{cmd} > {shlex.quote(str(out))}" if out else f"{cmd} > /dev/null"


class Step:
    """The runs of one step and their summary."""

    def __init__(self, name: str, command: str, ok_codes=(0,)):
        self.name, self.command, self.ok_codes = name, command, ok_codes
        self.runs: list[dict] = []
        self.skipped: str | None = None

    def add(self, r: Run, **extra) -> Run:
        d = r.to_dict() | {"load_before": extra.pop("load_before", None), "load_after": load()} | extra
        d["ok"] = not r.killed and r.returncode in self.ok_codes
        self.runs.append(d)
        status = "ok" if d["ok"] else why_not(d)
        say(f"    {self.name:<15} {r.wall_s:9.2f} s  {r.peak_rss_mb:9.1f} MiB  {status}")
        return r

    def summary(self) -> dict:
        good = [r for r in self.runs if r["ok"]]
        walls = [r["wall_s"] for r in good]
        return {
            "command": self.command,
            "runs": self.runs,
            "finished": bool(good),
            "did_not_finish": None if good else (self.skipped or (why_not(self.runs[-1]) if self.runs else None)),
            "median_wall_s": round(statistics.median(walls), 3) if walls else None,
            "min_wall_s": min(walls) if walls else None,
            "median_cpu_s": round(statistics.median(r["user_s"] + r["sys_s"] for r in good), 3) if good else None,
            "peak_rss_mib": max(r["peak_rss_mb"] for r in good) if good else None,
        }


def measured(step: Step, argv, **kw) -> Run:
    before = load()
    return step.add(run(argv, **kw), load_before=before)


class SizeRun:
    """The steps of one size, in order; ``<date>-<size>.json.tmp`` is rewritten after every step."""

    def __init__(self, label: str, args):
        self.label, self.args = label, args
        self.data = ensure_dataset(label, PY, log=say)
        folder = CACHE / label
        self.events, self.accounts = folder / "events.jsonl", folder / "accounts.jsonl"
        self.new = Path(self.data["increment"]["file"])
        self.work = folder / "run"
        self.out = self.work / "out"
        self.store = self.work / "store"
        self.steps: dict[str, Step] = {}
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.code_at_start = code_fingerprint()
        only = set(args.only.split(",")) if args.only else set(STEPS)
        if args.skip_baseline:
            only.discard("baseline")
        self.only = only

    def measured(self, step: Step, argv, **kw) -> Run:
        kw.setdefault("timeout", self.args.step_timeout)
        kw.setdefault("memory_limit_gb", self.args.memory_limit_gb)
        r = measured(step, argv, **kw)
        write_result(self.result(), final=False)
        return r

    def run(self) -> dict:
        shutil.rmtree(self.work, ignore_errors=True)
        self.out.mkdir(parents=True)
        say(f"== {self.label}: {self.data['events']:,} events, {self.data['accounts']:,} accounts "
            f"({self.events.stat().st_size / 1e6:,.0f} MB of JSON Lines)")
        # The most telling steps first, so a long run that is stopped still has them.
        self.startup()
        self.ingest()
        self.export("report")
        self.incremental()
        self.end_to_end()
        self.baseline()
        for name in ("advocates", "chains", "metrics", "flags"):
            self.export(name)
        return self.result()

    def analysis_failed(self, name: str, command: str) -> bool:
        """Every analysis command runs the same analysis: once ``report`` did not finish, skip
        the others (recorded as skipped) instead of letting each hit the same limit."""
        rep = self.steps.get("report")
        if rep is None or rep.summary()["finished"] or not rep.runs:
            return False
        s = self.steps[name] = Step(name, command)
        s.skipped = "skipped: report (the same analysis) did not finish"
        say(f"    {name:<12} skipped (report did not finish)")
        return True

    def startup(self) -> None:
        if "startup" in self.only:
            s = self.steps["startup"] = Step("startup", shell([WOMGRAPH, "--version"]))
            for _ in range(self.args.repeat):
                self.measured(s, [WOMGRAPH, "--version"])

    def ingest(self) -> None:
        out = self.out
        argv = wg(self.store, "ingest", str(self.events), "--accounts", str(self.accounts), "--format", "json")
        s = Step("ingest", shell(argv, out / "ingest.json"), ok_codes=(0, 3))
        if "ingest" in self.only:
            self.steps["ingest"] = s
        for _ in range(self.args.repeat if "ingest" in self.only else 1):  # later steps need the store
            shutil.rmtree(self.store, ignore_errors=True)
            self.measured(s, argv, stdout=out / "ingest.json", stderr=out / "ingest.err")

    def export(self, name: str) -> None:
        """``name`` cold (no cached analysis: it runs the analysis) and warm (cache hit).

        Since the analysis cache (``<store>/cache/``, ``womgraph.analyse.cache``) the first
        command after a write computes and saves the analysis and later ones load it, so the
        two cases are measured apart: cold runs delete the cache first; warm runs follow a cold
        one. A store without a cache folder after a cold run has no warm case.
        """
        if name not in self.only:
            return
        cmd, suffix = next((c, x) for n, c, x in EXPORTS if n == name)
        argv = wg(self.store, *cmd)
        if name != "report" and self.analysis_failed(name, shell(argv)):
            return
        target = {"stdout": self.out / f"{name}.{suffix}", "stderr": self.out / f"{name}.err"}
        s = self.steps[name] = Step(name, "rm -rf STORE/cache && " + shell(argv, target["stdout"]))
        for _ in range(self.args.repeat):
            shutil.rmtree(self.store / "cache", ignore_errors=True)
            self.measured(s, argv, **target)
        if not s.summary()["finished"] or not (self.store / "cache").is_dir():
            return
        w = self.steps[f"{name}_warm"] = Step(f"{name}_warm", shell(argv, target["stdout"]))
        for _ in range(self.args.repeat):
            self.measured(w, argv, **target)

    def end_to_end(self) -> None:
        if "end_to_end" not in self.only:
            return
        e2e = self.work / "store_e2e"
        seq = [shell(wg(e2e, "ingest", str(self.events), "--accounts", str(self.accounts)))]
        seq += [shell(wg(e2e, *cmd), self.out / f"e2e_{name}.{suffix}") for name, cmd, suffix in EXPORTS]
        script = " && ".join(seq)
        if self.analysis_failed("end_to_end", script):
            return
        s = self.steps["end_to_end"] = Step("end_to_end", script)
        for _ in range(self.args.repeat):
            shutil.rmtree(e2e, ignore_errors=True)
            self.measured(s, script, stderr=self.out / "end_to_end.err")
        shutil.rmtree(e2e, ignore_errors=True)

    def incremental(self) -> None:
        if "incremental" not in self.only:
            return
        inc, out = self.work / "store_inc", self.out
        ing_argv = wg(inc, "ingest", str(self.new), "--format", "json")
        rep_argv = wg(inc, "report", "--format", "json")
        ing = self.steps["incr_ingest"] = Step("incr_ingest", shell(ing_argv), ok_codes=(0, 3))
        skip_report = self.analysis_failed("incr_report", shell(rep_argv))
        rep = self.steps["incr_report"] if skip_report else Step("incr_report", shell(rep_argv))
        if not skip_report:
            self.steps["incr_report"] = rep
        # The copied store holds the analysis of the big set (what a refresh starts from): made
        # by the report steps of this run, or here (not timed).
        subprocess.run(wg(self.store, "report", "--format", "json"), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        for _ in range(self.args.repeat):
            shutil.rmtree(inc, ignore_errors=True)
            shutil.copytree(self.store, inc)  # a store holding the big set (copy not timed)
            # Nor its writeback: ext4 flushes the copy's dirty pages (~600 MB at 10M) at the
            # next fsync, which would be the timed ingest's commit (0.24 s measured on the
            # first commit after copying the state file alone).
            os.sync()
            self.measured(ing, ing_argv, stdout=out / "incr_ingest.json", stderr=out / "incr_ingest.err")
            if not skip_report:
                self.measured(rep, rep_argv, stdout=out / "incr_report.json", stderr=out / "incr_report.err")
        shutil.rmtree(inc, ignore_errors=True)

    def baseline(self) -> None:
        if "baseline" not in self.only:
            return
        bdir = self.work / "baseline"
        argv = [PY, str(BENCH / "baseline.py"), "--events", str(self.events),
                "--accounts", str(self.accounts), "--out", str(bdir)]
        s = self.steps["baseline"] = Step("baseline", shell(argv))
        for _ in range(self.args.baseline_repeat):
            shutil.rmtree(bdir, ignore_errors=True)
            r = self.measured(s, argv, stderr=self.out / "baseline.err", timeout=self.args.baseline_timeout)
            timings = bdir / "timings.json"
            if timings.exists():
                s.runs[-1]["step_seconds"] = json.loads(timings.read_text())
            if r.killed or r.returncode:
                err = (self.out / "baseline.err").read_text(errors="replace").strip().splitlines()
                s.runs[-1]["stderr_tail"] = err[-5:]
                s.runs[-1]["step_seconds_before_stop"] = baseline_steps(err)
                break  # did not finish: no point repeating

    def result(self) -> dict:
        result = {
            "size": self.label,
            "date": date.today().isoformat(),
            "started": self.started,
            "dataset": self.data,
            "repeat": self.args.repeat,
            "baseline_timeout_s": self.args.baseline_timeout,
            "step_timeout_s": self.args.step_timeout,
            "memory_limit_gb": self.args.memory_limit_gb,
            "code_at_start": self.code_at_start,
            "code_at_end": code_fingerprint(),
            "steps": {name: s.summary() for name, s in self.steps.items()},
        }
        result["code_changed_during_run"] = result["code_at_start"] != result["code_at_end"]
        result["derived"] = derive(result["steps"])
        result["comparison"] = compare(self.out, self.work / "baseline")
        result["targets"] = check_targets(self.label, result)
        return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1m", help=f"comma-separated, of {','.join(SIZES)}")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each womgraph step (median reported)")
    ap.add_argument("--skip-baseline", action="store_true", help="do not run bench/baseline.py")
    ap.add_argument("--baseline-repeat", type=int, default=1)
    ap.add_argument("--baseline-timeout", type=float, default=1200.0, help="seconds (default 20 min)")
    ap.add_argument("--step-timeout", type=float, default=1800.0,
                    help="seconds before a womgraph step is stopped (default 30 min)")
    ap.add_argument("--memory-limit-gb", type=float, default=16.0,
                    help="stop any step whose resident memory passes this (protects a shared machine)")
    ap.add_argument("--only", help=f"comma-separated steps of {','.join(STEPS)} (ingest always runs once)")
    ap.add_argument("--show", nargs="+", metavar="RESULT.json",
                    help="print the tables of saved results instead of running anything")
    args = ap.parse_args(argv)
    if args.show:
        print_table([json.loads(Path(f).read_text()) for f in args.show])
        return 0
    machine = machine_info()
    say(f"machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, load {machine['load_at_start']}")
    results = []
    for label in parse_sizes(args.sizes):
        t = time.perf_counter()
        res = SizeRun(label, args).run()
        res["machine"] = machine | {"load_at_end": load()}
        res["bench_seconds"] = round(time.perf_counter() - t, 1)
        say(f"   results: {write_result(res)}")
        results.append(res)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
