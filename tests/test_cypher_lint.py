"""Every statement in cypher/ passes Neo4j's own Cypher parser and semantic analysis.

The linter is the npm package ``@neo4j-cypher/language-support`` (what Neo4j's editors use),
run by ``tests/lint/lint.mjs``: syntax and semantic errors of Cypher 5 (Neo4j 5.26), parameters
not declared in the file's header, unknown functions and procedures, deprecated forms, and labels
or relationship types outside womgraph's graph model. It needs Node.js and
``npm ci --prefix tests/lint``, which the tests run themselves the first time (the npm registry
is reachable wherever the package registries are); without Node.js they fail (they never skip).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from womgraph.store.neo4j.cypher import load, names, schema_statements
from womgraph.store.neo4j.model import LABELS, RELATIONSHIP_TYPES

ROOT = Path(__file__).resolve().parent.parent
LINT = ROOT / "tests" / "lint"
CYPHER = ROOT / "cypher"
FILES = sorted(CYPHER.glob("*.cypher"))
SETUP = "run `npm ci --prefix tests/lint` (needs Node.js 20 or later)"


def lint(paths: list[Path], model: bool = True) -> dict[str, list[dict]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            f"Node.js is not installed, so the Cypher files cannot be linted: install it and {SETUP}."
        )
    if not (LINT / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        _install_linter()
    args = [node, str(LINT / "lint.mjs")]
    if model:
        args += ["--labels", ",".join(LABELS), "--types", ",".join(RELATIONSHIP_TYPES)]
    proc = subprocess.run(
        args + [str(p) for p in paths], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode in (0, 1), f"lint.mjs failed ({proc.returncode}): {proc.stderr}"
    report = json.loads(proc.stdout)
    return {Path(k).name: v for k, v in report.items()}


def _install_linter() -> None:
    """``npm ci --prefix tests/lint`` from the lock file, once per checkout."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(f"npm is not installed, so the Cypher linter cannot be installed: {SETUP}.")
    proc = subprocess.run(
        [npm, "ci", "--prefix", str(LINT), "--no-audit", "--no-fund"],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0 or not (LINT / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.fail(f"Installing the Cypher linter failed ({proc.returncode}): {proc.stderr[-2000:]}; {SETUP}.")


def test_there_are_statements():
    assert len(FILES) > 20


def test_every_cypher_file_passes_neo4js_parser():
    report = lint(FILES)
    assert report == {p.name: [] for p in FILES}


BROKEN = {
    "syntax.cypher": "// Parameters: none\n// Returns: n\n// Index: none\nMATCH (n:Event RETURN n",
    "undeclared.cypher": "// Parameters: $limit\n// Returns: n\n// Index: none\nMATCH (n:Event) RETURN n LIMIT $limt",
    "label.cypher": "// Parameters: none\n// Returns: n\n// Index: none\nMATCH (n:Evnt) RETURN count(n) AS n",
    "function.cypher": "// Parameters: none\n// Returns: n\n// Index: none\nRETURN datetim() AS n",
    "semantic.cypher": "// Parameters: none\n// Returns: n\n// Index: none\nMATCH (n:Event) RETURN m",
    "deprecated.cypher": (
        "// Parameters: $rows\n// Returns: e\n// Index: none\n"
        "UNWIND $rows AS row CALL { WITH row MATCH (e:Event {id: row.id}) RETURN e } RETURN e"
    ),
}


def test_a_broken_statement_is_reported(tmp_path):
    paths = []
    for name, text in BROKEN.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    report = lint(paths)
    assert all(report[name] for name in BROKEN), report
    assert "$limt is not defined" in report["undeclared.cypher"][0]["message"]
    assert "Evnt" in report["label.cypher"][0]["message"]


def test_headers_declare_exactly_the_parameters_used():
    for name in names():
        q = load(name)
        used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", q.body))
        assert used == q.parameters, name
        assert q.returns and q.index, f"{name}: header lacks Returns or Index"
        assert q.text.startswith(f"// {name}:"), f"{name}: the header should start with its name"


def test_one_statement_per_file():
    for name in names():
        assert ";" not in load(name).body, f"{name}.cypher holds more than one statement"


def test_schema_objects_are_named_and_idempotent():
    for obj, q in schema_statements():
        assert "IF NOT EXISTS" in q.body, q.name
        assert q.name == "schema_" + obj.removeprefix("womgraph_")
        assert "REQUIRE" not in q.body or "IS UNIQUE" in q.body, (
            f"{q.name}: Community has only uniqueness constraints"
        )


def test_the_package_finds_the_repository_statements():
    packaged = resources.files("womgraph") / "cypher"
    assert sorted(p.name for p in packaged.iterdir() if p.name.endswith(".cypher")) == [
        p.name for p in FILES
    ]
    assert set(names()) == {p.stem for p in FILES}


@pytest.mark.slow
def test_a_wheel_carries_the_statements(tmp_path):
    build = ROOT / "build"  # setuptools builds in the tree; leave it as it was
    existed = build.exists()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        if not existed:
            shutil.rmtree(build, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("womgraph-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = {Path(n).name for n in zf.namelist() if n.startswith("womgraph/cypher/")}
    assert {p.name for p in FILES} <= shipped
