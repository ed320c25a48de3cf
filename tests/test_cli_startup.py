"""Start-up cost: what each command imports, and the cached analysis behind the warm commands.

Every command pays for the interpreter and its imports, so ``--help`` and ``--version`` import
none of the heavy libraries, and a command answered from the analysis cache imports none of
the analysis steps (networkx, scipy, igraph, matplotlib) and no pydantic (settings are read
only when the environment or a ``.env`` file could set one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from womgraph.cli.common import State

TINY = Path(__file__).resolve().parent.parent / "datasets" / "tiny"

HEAVY = ("duckdb", "pyarrow", "numpy", "pandas", "pydantic", "pydantic_settings", "rich", "scipy",
         "networkx", "matplotlib", "igraph", "womgraph.analyse.pipeline", "importlib.metadata")
#: What a warm analysis command must not import (it needs duckdb, pyarrow and numpy).
ANALYSIS_ONLY = ("pydantic", "pydantic_settings", "scipy", "networkx", "matplotlib", "igraph",
                 "womgraph.analyse.pipeline", "womgraph.analyse.classify")

PROBE = """
import json, sys
from womgraph.cli import main
try:
    main(sys.argv[2:], prog_name="womgraph")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)}),
      file=sys.stderr)
"""


def imports_of(*args: str, watch=HEAVY, cwd=None) -> tuple[int, list[str], str]:
    """Run ``womgraph ARGS`` in a fresh interpreter: its exit code, the watched modules it loaded."""
    r = subprocess.run([sys.executable, "-c", PROBE, json.dumps(watch), *args], capture_output=True,
                       text=True, cwd=cwd)
    report = json.loads(r.stderr.strip().splitlines()[-1])
    return report["code"], report["modules"], r.stdout


@pytest.mark.parametrize("args", [["--help"], ["advocates", "--help"], ["report", "--help"], ["plot", "--help"]])
def test_help_imports_no_heavy_library(args):
    code, modules, out = imports_of(*args)
    assert code == 0 and "Usage:" in out
    assert modules == []


def test_version_imports_no_heavy_library():
    from womgraph import __version__

    code, modules, out = imports_of("--version")
    assert code == 0 and out == f"womgraph, version {__version__}\n"
    assert modules == ["importlib.metadata"]


@pytest.fixture(scope="module")
def warm_store(tmp_path_factory):
    from click.testing import CliRunner

    from womgraph.cli import main

    path = tmp_path_factory.mktemp("warm") / "store"
    r = CliRunner().invoke(main, ["--store", str(path), "-q", "ingest", str(TINY / "events.jsonl"),
                                  "--accounts", str(TINY / "accounts.csv")])
    assert r.exit_code == 0, r.output
    assert CliRunner().invoke(main, ["--store", str(path), "report"]).exit_code == 0  # fills the cache
    return str(path)


@pytest.mark.parametrize("args", [
    ["advocates", "--format", "csv"], ["chains", "--format", "json"], ["metrics", "--format", "json"],
    ["flags", "--format", "json"],
])
def test_a_warm_command_imports_no_analysis_step_and_no_pandas(warm_store, args, tmp_path):
    code, modules, out = imports_of("-q", "--store", warm_store, *args, watch=ANALYSIS_ONLY + ("pandas",),
                                    cwd=tmp_path)
    assert code == 0 and out
    assert modules == []


def test_a_warm_report_imports_no_analysis_step(warm_store, tmp_path):
    # nor rich, which only the drawn report needs (0.02-0.03 s)
    code, modules, out = imports_of("-q", "--store", warm_store, "report", "--format", "json",
                                    watch=(*ANALYSIS_ONLY, "rich"), cwd=tmp_path)
    assert code == 0 and json.loads(out)["summary"]["events"]
    assert modules == []
    code, modules, out = imports_of("-q", "--store", warm_store, "report", watch=("rich",), cwd=tmp_path)
    assert code == 0 and "womgraph advocacy report" in out
    assert modules == ["rich"]


def test_settings_are_read_at_once_when_the_environment_names_one(tmp_path, monkeypatch):
    assert State()._settings is None  # nothing set: read when first asked for
    assert State().settings.batch_size == 5000
    (tmp_path / ".env").write_text("WOMGRAPH_BATCH_SIZE=7\n")
    assert State()._settings.batch_size == 7
    (tmp_path / ".env").unlink()
    monkeypatch.setenv("batch_size", "9")  # pydantic-settings reads the field name too, any case
    assert State()._settings.batch_size == 9


def test_a_store_named_by_the_environment_is_still_found(warm_store, tmp_path):
    code, _, _ = imports_of("-q", "flags", "--format", "json", cwd=tmp_path)
    assert code == 1  # no store in the working folder
    r = subprocess.run([sys.executable, "-c", "import sys; from womgraph.cli import main; main(sys.argv[1:])",
                        "-q", "flags", "--format", "json"], cwd=tmp_path, capture_output=True, text=True,
                       env={**os.environ, "WOMGRAPH_STORE": warm_store})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)


def test_csv_of_a_table_is_the_csv_of_its_rows():
    """Tables are written to CSV column by column (faster); the cells are the same as row by row."""
    import datetime as dt
    import io
    from decimal import Decimal

    import pyarrow as pa

    from womgraph.render import emit

    when = dt.datetime(2026, 3, 1, 12, 0, 0, 500, tzinfo=dt.timezone.utc)
    t = pa.table({
        "s": ["a,b", 'quote"d', None, "", "ü"],
        "i": [1, -2, None, 0, 2**40],
        "f": [1.23456789, float("nan"), None, float("inf"), -0.0],
        "b": [True, False, None, True, False],
        "ts": pa.array([when, None, when, when, when], pa.timestamp("us", tz="UTC")),
        "d": pa.array([Decimal("2.50"), Decimal("3"), None, Decimal("0.1"), Decimal("-1")], pa.decimal128(5, 2)),
        "l": [["x", "y"], [], None, ["z"], ["é"]],
        "st": [{"k": 1}, None, {"k": None}, {"k": 2}, {"k": 3}],
    })
    for columns in (None, ["f", "s", "missing"]):
        by_table, by_rows = io.StringIO(), io.StringIO()
        emit(t, "csv", by_table, columns=columns)
        emit(t.to_pylist(), "csv", by_rows, columns=columns)
        assert by_table.getvalue() == by_rows.getvalue()
    out = io.StringIO()
    emit(t.slice(0, 0), "csv", out)
    assert out.getvalue() == ""  # no rows and no columns named: an empty file
    out = io.StringIO()
    emit(t.slice(0, 0), "csv", out, columns=["s"])
    assert out.getvalue() == "s\n"


FAKE_PANDAS = """
import os
open(os.environ["PANDAS_MARKER"], "w").write("imported")
raise ImportError("a stand-in pandas that only records it was imported")
"""


@pytest.mark.parametrize("entry, loads_pandas", [("run", False), ("main", True)])
def test_the_executable_does_not_load_pandas(tmp_path, entry, loads_pandas):
    """DuckDB imports pandas (if installed) when it is handed an Arrow table, which an ingest
    does; the executable (``womgraph.cli:run``) refuses it, a program calling ``main`` keeps it."""
    fake = tmp_path / "site" / "pandas"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(FAKE_PANDAS)
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "PANDAS_MARKER": str(marker)}
    r = subprocess.run(
        [sys.executable, "-c", f"import sys; from womgraph.cli import {entry}; sys.argv[0] = 'womgraph'; {entry}()",
         "-q", "--store", str(tmp_path / "store"), "ingest", str(TINY / "events.jsonl")],
        capture_output=True, text=True, env=env,
    )
    assert r.returncode == 0, r.stderr
    assert marker.exists() is loads_pandas
