"""The analysis state is written without FSST or dictionary compression of its strings (a third
of the writing time for a quarter more disk), and the setting, global to DuckDB's database
instance, is put back afterwards: the store's own tables keep their compression."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from womgraph.analyse.state import plain_strings
from womgraph.duck import register, unregister


def _setting(con) -> str:
    return con.execute("SELECT current_setting('disabled_compression_methods')").fetchone()[0]


def _string_compressions(path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info('t') WHERE segment_type = 'VARCHAR'"
        ).fetchall()
    finally:
        con.close()
    return {r[0].lower() for r in rows}


def _write(con, path) -> None:
    # ids repeat (a dictionary would pay) and share a long prefix (so would FSST)
    register(con, "rows", pa.table({"id": [f"account-0000000000-{i % 5000}" for i in range(200_000)]}))
    con.execute(f"ATTACH '{path}' AS w")
    con.execute("CREATE TABLE w.t AS SELECT * FROM rows")
    con.execute("DETACH w")
    unregister(con, "rows")


def test_strings_are_written_plain_inside_and_compressed_outside(tmp_path):
    con = duckdb.connect()
    try:
        con.execute("SET disabled_compression_methods = 'chimp'")  # whatever the caller had
        with plain_strings(con):
            _write(con, tmp_path / "plain.duckdb")
        assert _setting(con).lower() == "chimp"
        con.execute("RESET disabled_compression_methods")
        _write(con, tmp_path / "default.duckdb")
    finally:
        con.close()
    plain = _string_compressions(tmp_path / "plain.duckdb")
    assert plain and not plain & {"fsst", "dictionary", "dict_fsst"}
    assert _string_compressions(tmp_path / "default.duckdb") & {"fsst", "dictionary", "dict_fsst"}


def test_the_setting_is_put_back_when_the_writing_fails(tmp_path):
    con = duckdb.connect()
    try:
        try:
            with plain_strings(con):
                con.execute("SELECT * FROM no_such_table")
        except duckdb.CatalogException:
            pass
        assert _setting(con) == ""
    finally:
        con.close()
