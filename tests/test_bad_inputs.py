"""The bad-input corpus (tests/data/bad/) through the command line: each file gets the exit code,
counts, reject lines and reasons its manifest pins, the good records around the bad ones are
stored, and for files that are accepted the analysis commands run to the end.

The manifest (tests/data/bad/manifest.json) is the table of expected outcomes; README.md beside
it says the same in words. The 10 MB line is made here rather than kept in the repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from womgraph.cli import main
from womgraph.store import EmbeddedStore

BAD = Path(__file__).resolve().parent / "data" / "bad"
MANIFEST: dict[str, dict] = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
#: Files the manifest names only as companions of another case.
COMPANIONS = {c["accounts_file"] for c in MANIFEST.values() if "accounts_file" in c}


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_manifest_covers_every_file_and_the_readme_every_case():
    files = {p.name for p in BAD.iterdir() if p.suffix in (".jsonl", ".csv")}
    assert files == set(MANIFEST) | COMPANIONS
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    for name in MANIFEST:
        assert f"`{name}`" in readme, name


def _ingest(name: str, case: dict, store: Path):
    path = str(BAD / name)
    args = ["--store", str(store), "ingest", "--format", "json"]
    if case.get("accounts_only"):
        args += ["--accounts", path, str(BAD / "empty.jsonl")]
    else:
        if "accounts_file" in case:
            args += ["--accounts", str(BAD / case["accounts_file"])]
        args.append(path)
    return run(*args), path


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_bad_input_file(name, tmp_path):
    case = MANIFEST[name]
    store = tmp_path / "store"
    result, path = _ingest(name, case, store)
    assert result.exit_code == case["exit"], result.output
    if case["exit"] == 1:
        assert (result.stdout, result.stderr) == ("", case["error"].format(file=path))
    else:
        summary = json.loads(result.stdout)
        for key in ("read", "inserted", "duplicates", "rejected"):
            assert summary[key] == case[key], key
        # Every record read is stored, a duplicate, an update or rejected: nothing vanishes.
        assert summary["read"] == summary["inserted"] + summary["updated"] + summary["duplicates"] + summary["rejected"]
        rejects = []
        if summary["rejects_path"]:
            lines = Path(summary["rejects_path"]).read_text(encoding="utf-8").splitlines()
            rejects = [json.loads(line) for line in lines]
        assert [[r["line"], r["reason"]] for r in rejects] == case["rejects"]
        assert all(r["file"] == path and r["message"] and r["record"] is not None for r in rejects)
        by_line = {str(r["line"]): r for r in rejects}
        for line, message in case.get("messages", {}).items():
            assert by_line[line]["message"] == message.format(file=path)
        for line, record in case.get("records", {}).items():
            assert by_line[line]["record"] == record
        if case["rejected"]:
            assert f"{case['rejected']} record(s) rejected" in result.stderr
    with EmbeddedStore(store, read_only=True) as s:
        assert sorted(s.events(["id"]).column("id").to_pylist()) == sorted(case["stored"])
        assert sorted(s.accounts().column("id").to_pylist()) == sorted(case.get("accounts", []))
    if case.get("report"):
        _analysis_copes(store, case, tmp_path)


def _analysis_copes(store: Path, case: dict, tmp_path: Path) -> None:
    result = run("--store", str(store), "report", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["events"] == len(case["stored"])
    if "advocates" in case:
        got = [[a["account"], a["conversions_direct"], a["conversions_chain"]] for a in report["top_advocates"]]
        assert got == case["advocates"]
    if "flags" in case:
        assert report["flags"]["by_rule"] == case["flags"]
    if "adopters" in case:
        assert report["scorecard"]["adopters_by_cause"] == case["adopters"]
    if "cascades" in case:
        assert report["scorecard"]["cascades"] == case["cascades"]
    graphml = tmp_path / "g.graphml"
    for args in (["chains"], ["interactions"], ["export", "graph", "-o", str(graphml)],
                 ["html", "--no-plots", "-o", str(tmp_path / "r.html")]):
        result = run("--store", str(store), "-q", *args)
        assert result.exit_code == 0, (args, result.output)
    nx.read_graphml(graphml)  # the file parses, whatever the ids hold


def test_a_10_megabyte_line_good_or_bad(tmp_path):
    """A 10 MB record is stored whole; a 10 MB line that is not JSON is rejected whole; the
    records around them are stored (made here: 20 MB do not belong in the repository)."""
    big = "x" * (10 << 20)
    path = tmp_path / "big.jsonl"
    ts = "2026-03-01T12:00:00Z"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "big", "ts": ts, "type": "post", "actor": "amy", "text": big}) + "\n")
        broken = '{"id": "broken", "text": "' + big + '"'
        fh.write(broken + "\n")
        fh.write(json.dumps({"id": "after", "ts": ts, "type": "post", "actor": "amy"}) + "\n")
    store = tmp_path / "store"
    result = run("--store", str(store), "ingest", str(path), "--format", "json")
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (3, 2, 1)
    (reject,) = [json.loads(x) for x in Path(summary["rejects_path"]).read_text(encoding="utf-8").splitlines()]
    assert (reject["line"], reject["reason"], len(reject["record"])) == (2, "malformed_json", len(broken))
    with EmbeddedStore(store, read_only=True) as s:
        rows = {r["id"]: r["text"] for r in s.events(["id", "text"]).to_pylist()}
    assert rows.keys() == {"big", "after"} and rows["big"] == big


def test_the_whole_corpus_in_one_run_adds_up(tmp_path):
    """Every file of the corpus in one ingest (except the one that stops the run): the totals
    are the sums of the cases, and each file's good records are stored."""
    cases = {n: c for n, c in MANIFEST.items() if c["exit"] != 1 and not c.get("accounts_only")}
    args = ["--store", str(tmp_path / "s"), "ingest", "--format", "json",
            "--accounts", str(BAD / "unknown_refs_accounts.jsonl")]
    args += [str(BAD / n) for n in sorted(cases)]
    result = run(*args)
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    by_file = {(Path(s["file"]).name, s["kind"]): s for s in summary["sources"]}
    for name, case in cases.items():
        got = by_file[(name, "events")]
        profiles = len(case.get("accounts", [])) if "accounts_file" in case else 0
        # Ids repeat across files (g1, g2): later files see them as conflicts or duplicates,
        # but each file reads exactly the records it read alone, and every one is accounted for.
        assert got["read"] == case["read"] - profiles, name
        assert got["read"] == got["inserted"] + got["updated"] + got["duplicates"] + got["rejected"], name
    expected: dict[str, int] = {}
    for case in cases.values():
        for _, reason in case["rejects"]:
            if reason != "conflict":
                expected[reason] = expected.get(reason, 0) + 1
    got = {k: v for k, v in summary["rejected_by_reason"].items() if k != "conflict"}
    assert got == expected
