"""DuckDB's spill files: a folder of each database's own.

DuckDB names its spill files the same in every database (``duckdb_temp_storage_S96K-0.tmp``...),
so two databases spilling into one folder overwrite each other's files. With one shared folder,
two womgraph processes analysing at once crashed (a segmentation fault, or "Could not read
enough bytes" from a spill file), seen when two benchmarks ran on one machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from womgraph import duck

SPILLS = textwrap.dedent(
    """
    import os, sys
    os.environ["WOMGRAPH_MEMORY_LIMIT"] = "100MB"
    from womgraph.duck import memory_connection
    con = memory_connection()
    con.execute("SET threads = 1")
    print(con.execute("SELECT current_setting('temp_directory')").fetchone()[0], file=sys.stderr)
    print(con.execute(
        "SELECT count(*), sum(hash(s)) FROM (SELECT md5(i::VARCHAR) || repeat('x', 50) AS s "
        "FROM range(2500000) t(i) ORDER BY s)").fetchone())
    """
)


def test_two_processes_that_spill_at_once_both_finish_with_the_right_answer():
    procs = [subprocess.Popen([sys.executable, "-c", SPILLS], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-500:] for _, err in results]
    assert results[0][0] == results[1][0] == "(2500000, 23046528132676717151481784)\n"
    folders = [err.strip().splitlines()[-1] for _, err in results]
    assert folders[0] != folders[1]
    assert all(Path(f).parent == duck.SPILL_DIR and not Path(f).exists() for f in folders)  # removed at exit


def test_each_database_spills_into_a_folder_of_its_own_kept_by_its_cursors():
    a, b = duck.memory_connection(), duck.memory_connection()
    try:
        folder = lambda c: c.execute("SELECT current_setting('temp_directory')").fetchone()[0]  # noqa: E731
        assert folder(a) != folder(b)
        assert Path(folder(a)).parent == duck.SPILL_DIR and Path(folder(a)).is_dir()
        cursor = a.cursor()
        duck.configure(cursor)
        assert folder(cursor) == folder(a)
    finally:
        a.close()
        b.close()


def test_folders_of_processes_that_ended_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(duck, "SPILL_DIR", tmp_path)
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f"{done.stdout.strip()}-left"
    orphan.mkdir()
    (orphan / "duckdb_temp_storage_S96K-0.tmp").write_bytes(b"x")
    mine = tmp_path / f"{os.getpid()}-mine"
    mine.mkdir()
    other = tmp_path / "not-a-spill-folder"
    other.mkdir()
    made = duck.spill_folder()
    assert not orphan.exists() and mine.exists() and other.exists() and made.is_dir()
